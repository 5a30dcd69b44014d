// BandwidthAccount: hand-computed start times on a 64 GB/s account (64-B lines: 1 ns per
// line, bins of 16 lines = 16 ns).
#include "sim/hw/bandwidth_account.h"

#include "gtest/gtest.h"

namespace memsim::hw {
namespace {

TEST(BandwidthAccountTest, LinesReadyTogetherGoOneAfterAnother) {
  BandwidthAccount a(64e9, 64);
  EXPECT_DOUBLE_EQ(a.bin_ns(), 16);
  for (int i = 0; i < 20; ++i) EXPECT_DOUBLE_EQ(a.Reserve(0), i) << i;  // bin 0, then bin 1
}

TEST(BandwidthAccountTest, ALateLineStartsWhenReadyAndAnEarlierOneFillsTheGap) {
  BandwidthAccount a(64e9, 64);
  EXPECT_DOUBLE_EQ(a.Reserve(40.5), 40.5);  // bin 2, empty
  EXPECT_DOUBLE_EQ(a.Reserve(40), 40);      // bin 2 has one line booked: 32 + 1 < 40
  // A line ready at 3 goes into bin 0 though later ones were booked first: the account
  // shares by simulated time, not by call order.
  EXPECT_DOUBLE_EQ(a.Reserve(3), 3);
  EXPECT_DOUBLE_EQ(a.Reserve(0), 1);  // bin 0 has one line: 0 + 1 x 1 ns
}

TEST(BandwidthAccountTest, LinesOlderThanTheWindowAreNotAccounted) {
  BandwidthAccount a(64e9, 64);
  const double far = 16.0 * BandwidthAccount::kBins * 2;
  EXPECT_DOUBLE_EQ(a.Reserve(far), far);
  EXPECT_DOUBLE_EQ(a.Reserve(far), far + 1);
  // Bin 0 is more than kBins bins before the latest: free, and nothing is booked.
  EXPECT_DOUBLE_EQ(a.Reserve(0), 0);
  EXPECT_DOUBLE_EQ(a.Reserve(0), 0);
}

}  // namespace
}  // namespace memsim::hw
