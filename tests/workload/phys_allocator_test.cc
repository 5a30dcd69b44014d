#include "sim/workload/phys_allocator.h"

#include "gtest/gtest.h"

namespace memsim::workload {
namespace {

using Placement = PhysAllocator::Placement;

MachineDesc OneNode4MiB() { return *MachineDesc::Uniform(1, 4 << 20, 1); }

const BlockInfo kInfo{trace::OWNER_ANON, 1, 0};

TEST(PhysAllocator, SplitsLowestFirstAndMergesBack) {
  PhysAllocator a(OneNode4MiB());
  EXPECT_EQ(a.free_pages(0), 1024u);
  EXPECT_EQ(a.Allocate(0, 0, Placement::kLowest, kInfo), 0u);
  EXPECT_EQ(a.Allocate(0, 0, Placement::kLowest, kInfo), 1u);
  // After 0 and 1 the smallest free block is order 1 at 2.
  EXPECT_EQ(a.Allocate(0, 1, Placement::kLowest, kInfo), 2u);
  EXPECT_EQ(a.Allocate(0, 0, Placement::kHighest, kInfo), 1023u);
  EXPECT_EQ(a.free_pages(0), 1024u - 5);
  // 1023 came from splitting the top order-9 block: the largest left is order 8 at 256.
  EXPECT_FALSE(a.HasFreeBlock(0, 9));
  EXPECT_TRUE(a.HasFreeBlock(0, 8));
  a.Free(0, 0);
  a.Free(2, 1);
  a.Free(1, 0);
  a.Free(1023, 0);
  EXPECT_EQ(a.free_pages(0), 1024u);
  EXPECT_TRUE(a.HasFreeBlock(0, 10));
  std::vector<SnapshotRun> runs = a.SnapshotRuns();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0], (SnapshotRun{0, 1024, trace::OWNER_FREE, 10, 1u << 10}));
}

TEST(PhysAllocator, AllocateAtTakesExactlyThatRange) {
  PhysAllocator a(OneNode4MiB());
  EXPECT_TRUE(a.AllocateAt(512, 9, kInfo));
  EXPECT_FALSE(a.AllocateAt(512, 0, kInfo));
  EXPECT_FALSE(a.AllocateAt(0, 10, kInfo));
  EXPECT_TRUE(a.AllocateAt(5, 0, kInfo));
  std::vector<std::pair<uint64_t, uint32_t>> free_blocks;
  a.FreeBlocksIn(0, 512, &free_blocks);
  // [0,512) minus pfn 5: 0 (o2), 4 (o0), 6 (o1), 8 (o3), 16 (o4), ..., 256 (o8).
  std::vector<std::pair<uint64_t, uint32_t>> want = {{0, 2},  {4, 0},  {6, 1},   {8, 3},  {16, 4},
                                                     {32, 5}, {64, 6}, {128, 7}, {256, 8}};
  EXPECT_EQ(free_blocks, want);
  ASSERT_NE(a.FindLive(512), nullptr);
  EXPECT_EQ(a.FindLive(512)->order, 9u);
  EXPECT_EQ(a.live_blocks(), 2u);
}

TEST(PhysAllocator, SnapshotRunsMergeEqualNeighbours) {
  PhysAllocator a(*MachineDesc::Uniform(2, 4 << 20, 2));
  for (int i = 0; i < 4; ++i) a.Allocate(1, 0, Placement::kLowest, kInfo);
  std::vector<SnapshotRun> runs = a.SnapshotRuns();
  // Node 0 entirely free; node 1: 4 anon pages, then free blocks 4 (o2), 8 (o3) ... 512 (o9).
  ASSERT_GE(runs.size(), 3u);
  EXPECT_EQ(runs[0], (SnapshotRun{0, 1024, trace::OWNER_FREE, 10, 1u << 10}));
  EXPECT_EQ(runs[1].start_pfn, 1024u);
  EXPECT_EQ(runs[1].count, 4u);
  EXPECT_EQ(runs[1].owner, trace::OWNER_ANON);
  EXPECT_EQ(runs[1].flags, KpageflagsFor(trace::OWNER_ANON, 0));
  uint64_t total = 0;
  for (const SnapshotRun& r : runs) total += r.count;
  EXPECT_EQ(total, 2048u);
}

TEST(PhysAllocator, ReturnsNoPfnWhenFull) {
  PhysAllocator a(OneNode4MiB());
  EXPECT_EQ(a.Allocate(0, 10, Placement::kLowest, kInfo), 0u);
  EXPECT_EQ(a.Allocate(0, 0, Placement::kLowest, kInfo), kNoPfn);
}

TEST(PhysAllocatorDeathTest, DoubleFreeIsABug) {
  PhysAllocator a(OneNode4MiB());
  uint64_t pfn = a.Allocate(0, 0, Placement::kLowest, kInfo);
  a.Free(pfn, 0);
  EXPECT_DEATH(a.Free(pfn, 0), "not the head of a live block");
}

TEST(PhysAllocatorDeathTest, FreeWithWrongOrderIsABug) {
  PhysAllocator a(OneNode4MiB());
  uint64_t pfn = a.Allocate(0, 2, Placement::kLowest, kInfo);
  EXPECT_DEATH(a.Free(pfn, 1), "order different");
}

}  // namespace
}  // namespace memsim::workload
