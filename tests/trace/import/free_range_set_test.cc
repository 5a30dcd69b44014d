#include "sim/trace/import/free_range_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace memsim {
namespace {

TEST(FreeRangeSetTest, InsertCoalescesAndContains) {
  FreeRangeSet s;
  s.Insert(10, 12);
  s.Insert(12, 16);  // touches: merged
  EXPECT_EQ(s.num_ranges(), 1u);
  EXPECT_TRUE(s.Contains(10, 16));
  EXPECT_TRUE(s.Contains(11, 12));
  EXPECT_FALSE(s.Contains(9, 11));
  EXPECT_FALSE(s.Contains(15, 17));
  s.Insert(20, 21);
  EXPECT_EQ(s.num_ranges(), 2u);
  s.Insert(14, 22);  // bridges both
  EXPECT_EQ(s.num_ranges(), 1u);
  EXPECT_TRUE(s.Contains(10, 22));
}

TEST(FreeRangeSetTest, Cover) {
  FreeRangeSet s;
  s.Insert(10, 20);
  s.Insert(30, 40);
  using C = FreeRangeSet::Coverage;
  EXPECT_EQ(s.Cover(10, 20), C::kFull);
  EXPECT_EQ(s.Cover(12, 13), C::kFull);
  EXPECT_EQ(s.Cover(0, 10), C::kNone);
  EXPECT_EQ(s.Cover(20, 30), C::kNone);
  EXPECT_EQ(s.Cover(5, 11), C::kPartial);
  EXPECT_EQ(s.Cover(19, 31), C::kPartial);
  EXPECT_EQ(s.Cover(25, 35), C::kPartial);
  EXPECT_EQ(s.Cover(50, 60), C::kNone);
}

TEST(FreeRangeSetTest, EraseSplits) {
  FreeRangeSet s;
  s.Insert(0, 100);
  s.Erase(10, 20);
  EXPECT_EQ(s.num_ranges(), 2u);
  EXPECT_TRUE(s.Contains(0, 10));
  EXPECT_TRUE(s.Contains(20, 100));
  EXPECT_FALSE(s.Overlaps(10, 20));
  EXPECT_TRUE(s.Overlaps(5, 11));
  EXPECT_TRUE(s.Overlaps(19, 21));
  s.Erase(0, 100);
  EXPECT_EQ(s.num_ranges(), 0u);
  EXPECT_FALSE(s.Overlaps(0, 1000));
}

TEST(FreeRangeSetTest, EraseAcrossSeveralRanges) {
  FreeRangeSet s;
  s.Insert(0, 4);
  s.Insert(8, 12);
  s.Insert(16, 20);
  s.Erase(2, 18);
  EXPECT_EQ(s.num_ranges(), 2u);
  EXPECT_TRUE(s.Contains(0, 2));
  EXPECT_TRUE(s.Contains(18, 20));
  EXPECT_FALSE(s.Overlaps(2, 18));
}

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
using C = FreeRangeSet::Coverage;

TEST(FreeRangeSetTest, BitmapWordAndChunkBoundaries) {
  FreeRangeSet s;
  s.Insert(60, 70);      // across a 64-pfn word
  s.Insert(4090, 4100);  // across a 4096-pfn chunk
  s.Insert(128, 192);    // exactly one word
  EXPECT_EQ(s.Ranges(), (Ranges{{60, 70}, {128, 192}, {4090, 4100}}));
  EXPECT_EQ(s.Cover(60, 70), C::kFull);
  EXPECT_EQ(s.Cover(59, 70), C::kPartial);
  EXPECT_EQ(s.Cover(60, 71), C::kPartial);
  EXPECT_EQ(s.Cover(70, 128), C::kNone);
  EXPECT_EQ(s.Cover(128, 192), C::kFull);
  EXPECT_EQ(s.Cover(4090, 4100), C::kFull);
  EXPECT_EQ(s.Cover(4095, 4097), C::kFull);
  EXPECT_EQ(s.Cover(4100, 8192), C::kNone);
  EXPECT_EQ(s.Cover(8192, 8193), C::kNone);  // past every chunk allocated
  EXPECT_EQ(s.Cover(0, 1u << 20), C::kPartial);
  s.Erase(4095, 4096);  // the last pfn of the first chunk
  EXPECT_EQ(s.Ranges(), (Ranges{{60, 70}, {128, 192}, {4090, 4095}, {4096, 4100}}));
  s.Erase(0, uint64_t{1} << 30);  // over absent chunks and past the bitmap
  EXPECT_EQ(s.num_ranges(), 0u);
  EXPECT_EQ(s.Cover(0, 10000), C::kNone);
}

TEST(FreeRangeSetTest, RangesAcrossTheBitmapLimitBehaveAsOne) {
  constexpr uint64_t kL = FreeRangeSet::kBitmapPfns;
  FreeRangeSet s;
  s.Insert(kL - 8, kL + 8);
  EXPECT_EQ(s.Ranges(), (Ranges{{kL - 8, kL + 8}}));
  EXPECT_EQ(s.Cover(kL - 8, kL + 8), C::kFull);
  EXPECT_EQ(s.Cover(kL - 1, kL + 1), C::kFull);
  EXPECT_EQ(s.Cover(kL - 9, kL), C::kPartial);
  EXPECT_EQ(s.Cover(kL, kL + 9), C::kPartial);
  EXPECT_EQ(s.Cover(kL - 16, kL - 8), C::kNone);
  EXPECT_EQ(s.Cover(kL + 8, kL + 16), C::kNone);
  EXPECT_TRUE(s.Contains(kL - 4, kL + 4));
  EXPECT_TRUE(s.Overlaps(kL + 7, kL + 100));
  s.Erase(kL - 2, kL + 2);
  EXPECT_EQ(s.Ranges(), (Ranges{{kL - 8, kL - 2}, {kL + 2, kL + 8}}));
  EXPECT_EQ(s.Cover(kL - 2, kL + 2), C::kNone);
  EXPECT_EQ(s.Cover(kL - 3, kL + 3), C::kPartial);
  s.Insert(kL - 2, kL + 2);  // refilled: coalesced again
  EXPECT_EQ(s.Ranges(), (Ranges{{kL - 8, kL + 8}}));
  s.Insert(uint64_t{1} << 40, (uint64_t{1} << 40) + 512);  // far above: a range
  EXPECT_EQ(s.Cover(uint64_t{1} << 40, (uint64_t{1} << 40) + 512), C::kFull);
  EXPECT_EQ(s.num_ranges(), 2u);
}

// A free of pfn ~0 reaches the set as a block whose end wrapped: it holds no pfn, and Cover
// from that start answers as the set kept wholly as ranges did (the last range's end).
TEST(FreeRangeSetTest, WrappedBlockAnswersAsTheRangeMap) {
  constexpr uint64_t kTop = ~uint64_t{0};
  FreeRangeSet s;
  EXPECT_EQ(s.Cover(kTop, 0), C::kNone);  // empty set
  s.Insert(100, 200);                     // in the bitmap
  EXPECT_EQ(s.Cover(kTop, 0), C::kFull);  // 200 >= 0
  EXPECT_EQ(s.Cover(kTop, 200), C::kFull);
  EXPECT_EQ(s.Cover(kTop, 201), C::kNone);
  s.Insert(kTop, 1);  // inert
  EXPECT_EQ(s.Ranges(), (Ranges{{100, 200}, {kTop, 1}}));
  EXPECT_EQ(s.Cover(100, 200), C::kFull);
  EXPECT_EQ(s.Cover(kTop, 1), C::kFull);  // now the inert range is the last one
  EXPECT_EQ(s.Cover(kTop, 2), C::kNone);
  s.Insert(kTop, 5);  // the start is taken: unchanged
  EXPECT_EQ(s.Cover(kTop, 2), C::kNone);
  s.Erase(kTop, 1);  // no change
  EXPECT_EQ(s.num_ranges(), 2u);
}

}  // namespace
}  // namespace memsim
