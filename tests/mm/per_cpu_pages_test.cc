// PerCpuPages: the kernel's batch / high defaults worked out by hand from mm/page_alloc.c
// (zone_batchsize, __setup_per_zone_wmarks, zone_highsize), and the lists' behaviour: a
// free goes on the front without merging, an alloc of a listed pfn is a hit, any other alloc
// a refill, a free reaching high drains the oldest blocks to the buddy.
#include "sim/mm/per_cpu_pages.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memsim::mm {
namespace {

using ::testing::ElementsAre;

PhysMem MakeFree(std::vector<NodeLayout> nodes) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create(nodes);
  EXPECT_TRUE(mem.ok()) << mem.status();
  for (const NodeLayout& n : nodes) mem->MarkUnknownFree(n.start_pfn, n.start_pfn + n.pages);
  return std::move(*mem);
}

TEST(PerCpuPagesLimitsTest, KernelDefaults) {
  // min(managed >> 10, 256) / 4, then rounddown_pow_of_two(b + b / 2) - 1.
  EXPECT_EQ(PerCpuPages::ZoneBatchSize(262144), 63u);    // 1 GiB: 64 -> 96 -> 64 - 1
  EXPECT_EQ(PerCpuPages::ZoneBatchSize(50331648), 63u);  // 192 GiB: capped at 1 MiB
  EXPECT_EQ(PerCpuPages::ZoneBatchSize(32768), 7u);      // 128 MiB: 32 / 4 = 8 -> 12 -> 8 - 1
  EXPECT_EQ(PerCpuPages::ZoneBatchSize(1024), 0u);       // 1 / 4 = 0 -> 1 -> 1 - 1
  // 4 GiB, one zone: lowmem 4194304 KiB, int_sqrt(67108864) = 8192 KiB = 2048 pages min;
  // low = min + max(2048 / 4, 1048576 * 10 / 10000 = 1048) = 3096.
  EXPECT_EQ(PerCpuPages::LowWatermarkPages(1048576, 1048576), 3096u);
  EXPECT_EQ(PerCpuPages::ZoneHighSize(1048576, 1048576, 4, 63), 774u);   // 3096 / 4
  EXPECT_EQ(PerCpuPages::ZoneHighSize(1048576, 1048576, 64, 63), 252u);  // 4 * batch
  // 384 GiB in two zones of 192 GiB (the 2-socket Skylake): int_sqrt(402653184 * 16) =
  // 80264 KiB -> 20066 pages; per zone min 10033, low = 10033 + 50331 = 60364; 36 CPUs
  // per node: high 1676.
  EXPECT_EQ(PerCpuPages::LowWatermarkPages(50331648, 100663296), 60364u);
  EXPECT_EQ(PerCpuPages::ZoneHighSize(50331648, 100663296, 36, 63), 1676u);
}

TEST(PerCpuPagesTest, OrdersThroughTheLists) {
  PhysMem mem = MakeFree({{0, 0, 32768, {}}});
  PerCpuPages pcp(mem, 2, {2});
  EXPECT_TRUE(pcp.AllowedOrder(0));
  EXPECT_TRUE(pcp.AllowedOrder(3));
  EXPECT_FALSE(pcp.AllowedOrder(4));
  EXPECT_TRUE(pcp.AllowedOrder(9));  // the THP list
  EXPECT_EQ(pcp.PindexOf(0), 1u);    // MIGRATE_MOVABLE of order 0
  EXPECT_EQ(pcp.PindexOf(3), 10u);
  EXPECT_EQ(pcp.PindexOf(9), 12u);
  // 128 MiB zone: batch 7; low 452 (int_sqrt(131072 * 16) = 1448 KiB = 362 pages, + 90),
  // split over 2 CPUs: 226.
  EXPECT_EQ(pcp.limits(0).batch, 7u);
  EXPECT_EQ(pcp.limits(0).high, 226u);
}

TEST(PerCpuPagesTest, FreeListsWithoutMergingAllocHitsAndRefills) {
  PhysMem mem = MakeFree({{0, 0, 32768, {}}});
  PerCpuPages pcp(mem, 2, {2});
  AllocResult a;
  FreeResult f;
  // Refill: the buddy split of the block's own order-10 block, then list_add_tail +
  // list_del on an empty list; the zone lock for the first of max(7 >> 0, 2) = 7.
  pcp.Alloc(mem, 0, 4096, 0, trace::OWNER_ANON, &a);
  ASSERT_TRUE(a.applied && a.pcp.used);
  EXPECT_EQ(a.removed_free, (std::vector<BuddyBlock>{{4096, 10}}));
  EXPECT_TRUE(a.pcp.zone_lock);
  EXPECT_THAT(a.pcp.ops, ElementsAre(PcpListOp{PcpListOp::kAdd, 4096, kPcpHead, kPcpHead},
                                     PcpListOp{PcpListOp::kDel, 4096, kPcpHead, kPcpHead}));
  pcp.Alloc(mem, 0, 4097, 0, trace::OWNER_ANON, &a);
  EXPECT_FALSE(a.pcp.zone_lock);  // second of the batch
  EXPECT_EQ(a.removed_free, (std::vector<BuddyBlock>{{4097, 0}}));

  // Frees go to the front; nothing merges, the blocks are pcp blocks.
  pcp.Free(mem, 0, 4096, 0, &f);
  EXPECT_TRUE(f.checks.empty() && f.final_blocks.empty());
  pcp.Free(mem, 0, 4097, 0, &f);
  EXPECT_THAT(f.pcp.ops, ElementsAre(PcpListOp{PcpListOp::kAdd, 4097, kPcpHead, 4096}));
  EXPECT_THAT(pcp.ListOf(0, 0, 1), ElementsAre(4097, 4096));
  EXPECT_EQ(pcp.count(0, 0), 2u);
  EXPECT_TRUE(IsPcpBlock(mem.Lookup(4096)));
  EXPECT_EQ(mem.stats().double_free, 0u);

  // An alloc of a listed pfn on its CPU: a hit, no buddy work.
  pcp.Alloc(mem, 0, 4096, 0, trace::OWNER_FILE, &a);
  EXPECT_TRUE(a.removed_free.empty() && a.added_free.empty());
  EXPECT_THAT(a.pcp.ops, ElementsAre(PcpListOp{PcpListOp::kDel, 4096, 4097, kPcpHead}));
  EXPECT_EQ(mem.Lookup(4096).owner, trace::OWNER_FILE);
  // The same pfn listed on CPU 0 but allocated on CPU 1: drained (untraced), then refilled.
  pcp.Alloc(mem, 1, 4097, 0, trace::OWNER_ANON, &a);
  EXPECT_EQ(a.removed_free, (std::vector<BuddyBlock>{{4097, 0}}));
  EXPECT_EQ(pcp.stats().implicit_drained, 1u);
  EXPECT_EQ(pcp.stats().alloc_hits, 1u);
  EXPECT_EQ(pcp.stats().alloc_refills, 3u);
  EXPECT_EQ(pcp.count(0, 0), 0u);
  EXPECT_EQ(mem.stats().alloc_of_allocated, 0u);
}

TEST(PerCpuPagesTest, FreeReachingHighDrainsTheOldest) {
  PhysMem mem = MakeFree({{0, 0, 32768, {}}});
  PerCpuPages::Options o;
  o.batch = 1;
  o.high = 3;
  PerCpuPages pcp(mem, 1, {1}, o);
  AllocResult a;
  FreeResult f;
  for (uint64_t p = 4096; p < 4099; ++p) pcp.Alloc(mem, 0, p, 0, trace::OWNER_ANON, &a);
  pcp.Free(mem, 0, 4096, 0, &f);
  pcp.Free(mem, 0, 4097, 0, &f);
  EXPECT_TRUE(f.pcp.drained.empty());
  // count 3 >= high 3: nr_pcp_free = clamp(1 << 0, 1, 3 - 1) = 1 page from the tail.
  pcp.Free(mem, 0, 4098, 0, &f);
  EXPECT_TRUE(f.pcp.zone_lock);
  ASSERT_EQ(f.pcp.drained.size(), 1u);
  const DrainedBlock& d = f.pcp.drained[0];
  EXPECT_EQ(d.block, (BuddyBlock{4096, 0}));
  EXPECT_EQ(d.del, (PcpListOp{PcpListOp::kDel, 4096, 4097, kPcpHead}));
  // __free_one_page(4096): buddy 4097 is on the list, not merged.
  EXPECT_THAT(f.pcp.drain_checks, ElementsAre(BuddyCheck{4097, 0, false}));
  EXPECT_EQ(d.final_block, (BuddyBlock{4096, 0}));
  EXPECT_THAT(pcp.ListOf(0, 0, 1), ElementsAre(4098, 4097));
  EXPECT_EQ(mem.Lookup(4096).state, PageState::kFree);
  // free_factor went to 1 (1 < max_nr_free 2); an alloc halves it back to 0
  // (rmqueue_pcplist), so the next drain frees 1 << 0 = 1 again: the new tail, 4097.
  pcp.Alloc(mem, 0, 5000, 0, trace::OWNER_ANON, &a);
  pcp.Free(mem, 0, 5000, 0, &f);
  ASSERT_EQ(f.pcp.drained.size(), 1u);
  EXPECT_EQ(f.pcp.drained[0].block, (BuddyBlock{4097, 0}));
  // 4097 merges with 4096, then 4098 (listed) stops the walk at order 1.
  EXPECT_THAT(f.pcp.drain_checks,
              ElementsAre(BuddyCheck{4096, 0, true}, BuddyCheck{4098, 1, false}));
  EXPECT_EQ(pcp.stats().drains, 2u);
  EXPECT_EQ(pcp.stats().drained_blocks, 2u);
}

TEST(PerCpuPagesTest, OtherOrdersAndOperationsDrainFirst) {
  PhysMem mem = MakeFree({{0, 0, 32768, {}}});
  PerCpuPages pcp(mem, 1, {1});
  AllocResult a;
  FreeResult f;
  pcp.Alloc(mem, 0, 4096, 0, trace::OWNER_ANON, &a);
  pcp.Free(mem, 0, 4096, 0, &f);
  // An order-4 alloc over the listed page: not pcp-allowed; the page was drained first, so
  // PhysMem sees free memory as before the lists existed.
  pcp.Alloc(mem, 0, 4096, 4, trace::OWNER_ANON, &a);
  EXPECT_FALSE(a.pcp.used);
  EXPECT_EQ(mem.stats().alloc_of_allocated, 0u);
  EXPECT_EQ(pcp.stats().implicit_drained, 1u);
  EXPECT_TRUE(pcp.ListOf(0, 0, 1).empty());
}

}  // namespace
}  // namespace memsim::mm
