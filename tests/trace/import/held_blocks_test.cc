#include "sim/trace/import/held_blocks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace memsim {
namespace {

using Block = HeldBlocks::Block;
constexpr uint64_t kL = HeldBlocks::kBitmapPfns;

TEST(HeldBlocksTest, LastFindsTheHighestHeadAtOrBelow) {
  HeldBlocks h;
  EXPECT_EQ(h.Last(1000, 0), std::nullopt);
  h.Set(10, 0);
  h.Set(64, 3);    // first pfn of a word
  h.Set(4095, 0);  // last pfn of a 4096-pfn chunk
  h.Set(8192, 9);  // first pfn of the third chunk (the second is never allocated)
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(h.Last(9, 0), std::nullopt);
  EXPECT_EQ(h.Last(10, 0), (Block{10, 0}));
  EXPECT_EQ(h.Last(63, 0), (Block{10, 0}));
  EXPECT_EQ(h.Last(64, 0), (Block{64, 3}));
  EXPECT_EQ(h.Last(4094, 0), (Block{64, 3}));
  EXPECT_EQ(h.Last(4095, 0), (Block{4095, 0}));
  EXPECT_EQ(h.Last(8191, 0), (Block{4095, 0}));  // across the absent chunk
  EXPECT_EQ(h.Last(8192, 0), (Block{8192, 9}));
  EXPECT_EQ(h.Last(kL - 1, 0), (Block{8192, 9}));  // past every chunk allocated
  EXPECT_EQ(h.Last(uint64_t{1} << 51, 0), (Block{8192, 9}));
}

TEST(HeldBlocksTest, FloorBoundsTheSearch) {
  HeldBlocks h;
  h.Set(100, 0);
  EXPECT_EQ(h.Last(200, 100), (Block{100, 0}));
  EXPECT_EQ(h.Last(200, 101), std::nullopt);
  EXPECT_EQ(h.Last(100, 100), (Block{100, 0}));
  EXPECT_EQ(h.Last(99, 50), std::nullopt);
  EXPECT_EQ(h.Last(50, 60), std::nullopt);  // pfn below the floor
  EXPECT_EQ(h.Last(20000, 4096), std::nullopt);
  EXPECT_EQ(h.Last(20000, 64), (Block{100, 0}));
}

TEST(HeldBlocksTest, SetReplacesTheOrderAndEraseForgets) {
  HeldBlocks h;
  h.Set(512, 9);
  h.Set(512, 0);
  EXPECT_EQ(h.Last(600, 0), (Block{512, 0}));
  h.Set(512, 4);
  EXPECT_EQ(h.Last(600, 0), (Block{512, 4}));
  EXPECT_EQ(h.size(), 1u);
  h.Erase(513);  // not held: no change
  h.Erase(1 << 20);
  EXPECT_EQ(h.size(), 1u);
  h.Erase(512);
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(h.Last(600, 0), std::nullopt);
  h.Set(512, 0);  // held again: the old order is gone
  EXPECT_EQ(h.Last(600, 0), (Block{512, 0}));
}

TEST(HeldBlocksTest, HeadsAboveTheBitmapAndAcrossIt) {
  HeldBlocks h;
  h.Set(kL - 1, 0);
  h.Set(kL + 10, 2);
  h.Set(uint64_t{1} << 40, 10);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.Last(kL + 9, 0), (Block{kL - 1, 0}));  // from the map down into the bitmap
  EXPECT_EQ(h.Last(kL + 9, kL), std::nullopt);
  EXPECT_EQ(h.Last(kL + 10, 0), (Block{kL + 10, 2}));
  EXPECT_EQ(h.Last((uint64_t{1} << 40) - 1, 0), (Block{kL + 10, 2}));
  EXPECT_EQ(h.Last((uint64_t{1} << 40) + 5, 0), (Block{uint64_t{1} << 40, 10}));
  EXPECT_EQ(h.Last((uint64_t{1} << 40) + 5, (uint64_t{1} << 40) + 1), std::nullopt);
  h.Set(kL + 10, 3);  // replaced, not added
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.Last(kL + 10, 0), (Block{kL + 10, 3}));
  h.Erase(kL + 10);
  h.Erase(kL + 11);  // not held
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Last(kL + 10, 0), (Block{kL - 1, 0}));
}

}  // namespace
}  // namespace memsim
