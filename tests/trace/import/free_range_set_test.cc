#include "sim/trace/import/free_range_set.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace memsim
