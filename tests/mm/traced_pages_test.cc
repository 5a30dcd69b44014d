// TracedPages: marks and counts pfn ranges across bitmap words and windows.
#include "sim/mm/traced_pages.h"

#include "gtest/gtest.h"

namespace memsim::mm {
namespace {

TEST(TracedPagesTest, CountsMarkedPagesAcrossWordsAndWindows) {
  TracedPages t;
  EXPECT_EQ(t.CountMarked(0, 1 << 20), 0u);
  EXPECT_EQ(t.windows(), 0u);  // counting allocates nothing
  t.Mark(60, 130);             // words 0 (4 bits), 1 (64), 2 (2)
  EXPECT_EQ(t.CountMarked(0, 4096), 70u);
  EXPECT_EQ(t.CountMarked(64, 128), 64u);
  EXPECT_EQ(t.CountMarked(129, 131), 1u);
  EXPECT_EQ(t.CountMarked(0, 60), 0u);
  t.Mark(4090, 4100);  // two windows
  EXPECT_EQ(t.windows(), 2u);
  EXPECT_EQ(t.CountMarked(4000, 5000), 10u);
  t.Mark(4095, 4096);  // already marked: counted once
  EXPECT_EQ(t.CountMarked(0, 8192), 80u);
  t.Mark(8192, 8192 + 4096);  // one whole window
  EXPECT_EQ(t.CountMarked(8192, 8192 + 4096), 4096u);
  EXPECT_EQ(t.windows(), 3u);
}

// The last two windows marked are remembered; windows added in between (which may move
// every bitmap) must not leave a stale one behind.
TEST(TracedPagesTest, AlternatingWindowsAndManyNewOnesKeepEveryMark) {
  TracedPages t;
  t.Mark(0, 1);        // window 0
  t.Mark(4096, 4098);  // window 1
  t.Mark(1, 2);        // window 0 again (the other remembered one)
  t.Mark(4098, 4099);  // window 1 again
  for (uint64_t w = 2; w < 202; ++w) t.Mark(w << 12, (w << 12) + 3);  // 200 new: rehashes
  t.Mark(2, 3);                        // window 0: 3 pages marked in all
  t.Mark(4099, 4100);                  // window 1: 4
  t.Mark(201 << 12, (201 << 12) + 5);  // last new window: 3 -> 5
  EXPECT_EQ(t.windows(), 202u);
  EXPECT_EQ(t.CountMarked(0, 4096), 3u);
  EXPECT_EQ(t.CountMarked(4096, 8192), 4u);
  EXPECT_EQ(t.CountMarked(uint64_t{100} << 12, uint64_t{101} << 12), 3u);
  EXPECT_EQ(t.CountMarked(uint64_t{201} << 12, uint64_t{202} << 12), 5u);
  EXPECT_EQ(t.CountMarked(0, uint64_t{202} << 12), 3u + 4u + 199u * 3u + 5u);
}

}  // namespace
}  // namespace memsim::mm
