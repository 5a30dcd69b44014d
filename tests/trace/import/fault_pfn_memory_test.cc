#include "sim/trace/import/fault_pfn_memory.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace memsim {
namespace {

constexpr uint64_t kNone = ~uint64_t{0};
constexpr uint64_t kL = FaultPfnMemory::kDirectPfns;

TEST(FaultPfnMemoryTest, RecallsThePfnOfThePageUntilItIsForgotten) {
  FaultPfnMemory m;
  EXPECT_EQ(m.Recall(7, 0x1000), kNone);
  m.Remember(7, 0x7f0000001234, 5000);
  EXPECT_EQ(m.Recall(7, 0x7f0000001000), 5000u);  // any address of the page
  EXPECT_EQ(m.Recall(7, 0x7f0000001fff), 5000u);
  EXPECT_EQ(m.Recall(7, 0x7f0000002000), kNone);  // the next page
  EXPECT_EQ(m.Recall(8, 0x7f0000001000), kNone);  // another task
  m.Forget(4000, 5000);                           // ends before the pfn
  m.Forget(5001, 6000);                           // starts after it
  m.Forget(5000, 5000);                           // empty
  EXPECT_EQ(m.Recall(7, 0x7f0000001000), 5000u);
  EXPECT_EQ(m.size(), 1u);
  m.Forget(4999, 5001);
  EXPECT_EQ(m.Recall(7, 0x7f0000001000), kNone);
  EXPECT_EQ(m.size(), 0u);
  // Remembered again after the forget: holds again.
  m.Remember(7, 0x7f0000001000, 5000);
  EXPECT_EQ(m.Recall(7, 0x7f0000001000), 5000u);
}

TEST(FaultPfnMemoryTest, APfnIsHeldByTheLastPageToGetIt) {
  FaultPfnMemory m;
  m.Remember(1, 0x1000, 300);
  m.Remember(2, 0x5000, 300);  // the pfn went to another page: the first no longer has it
  EXPECT_EQ(m.Recall(1, 0x1000), kNone);
  EXPECT_EQ(m.Recall(2, 0x5000), 300u);
  m.Remember(1, 0x1000, 300);  // and back
  EXPECT_EQ(m.Recall(1, 0x1000), 300u);
  EXPECT_EQ(m.Recall(2, 0x5000), kNone);
  EXPECT_EQ(m.size(), 1u);
}

TEST(FaultPfnMemoryTest, APageThatGetsANewPfnForgetsTheOld) {
  FaultPfnMemory m;
  m.Remember(1, 0x1000, 300);
  m.Remember(1, 0x1000, 301);
  EXPECT_EQ(m.Recall(1, 0x1000), 301u);
  m.Forget(300, 301);  // the old pfn: nothing to forget
  EXPECT_EQ(m.Recall(1, 0x1000), 301u);
  m.Remember(2, 0x2000, 300);  // the old pfn to another page: no effect on the first
  EXPECT_EQ(m.Recall(1, 0x1000), 301u);
  EXPECT_EQ(m.Recall(2, 0x2000), 300u);
  m.Remember(1, 0x1000, 301);  // the same again: unchanged
  EXPECT_EQ(m.Recall(1, 0x1000), 301u);
  EXPECT_EQ(m.size(), 2u);
}

TEST(FaultPfnMemoryTest, RangesAcrossWordsChunksAndTheDirectLimit) {
  FaultPfnMemory m;
  // Pfns at the edges of 64-pfn words and 4096-pfn chunks, and past the direct limit.
  const uint64_t pfns[] = {63, 64, 4095, 4096, 8191 + 4096, kL - 1, kL, kL + 1, kL + 5000};
  for (int i = 0; i < 9; ++i) m.Remember(1, uint64_t(i) << 12, pfns[i]);
  EXPECT_EQ(m.size(), 9u);
  m.Forget(64, 4096);  // 64 and 4095, not 63 or 4096
  EXPECT_EQ(m.Recall(1, 0 << 12), 63u);
  EXPECT_EQ(m.Recall(1, 1 << 12), kNone);
  EXPECT_EQ(m.Recall(1, 2 << 12), kNone);
  EXPECT_EQ(m.Recall(1, 3 << 12), 4096u);
  m.Forget(kL - 1, kL + 1);  // across the limit: kL - 1 and kL
  EXPECT_EQ(m.Recall(1, 5 << 12), kNone);
  EXPECT_EQ(m.Recall(1, 6 << 12), kNone);
  EXPECT_EQ(m.Recall(1, 7 << 12), kL + 1);
  m.Forget(kL + 2, kL + 100000);  // wider than the high pfns held: by the map
  EXPECT_EQ(m.Recall(1, 7 << 12), kL + 1);
  EXPECT_EQ(m.Recall(1, 8 << 12), kNone);
  m.Forget(0, uint64_t{1} << 52);  // everything
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.Recall(1, 0), kNone);
  EXPECT_EQ(m.Recall(1, 4 << 12), kNone);
}

TEST(FaultPfnMemoryTest, ManyForgottenPagesAreSweptAndTheRestStillHold) {
  FaultPfnMemory m;
  // 200000 pages (past the table's sweep sizes), every other one forgotten as it goes.
  for (uint64_t i = 0; i < 200000; ++i) {
    m.Remember(3, i << 12, 1000000 + i);
    if (i % 2 == 1) m.Forget(1000000 + i, 1000000 + i + 1);
  }
  EXPECT_EQ(m.size(), 100000u);
  for (uint64_t i = 0; i < 200000; i += 999) {
    EXPECT_EQ(m.Recall(3, i << 12), i % 2 == 0 ? 1000000 + i : kNone) << i;
  }
}

}  // namespace
}  // namespace memsim
