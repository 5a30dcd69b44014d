// PhysMem: buddy splits and merges, owner lookup, snapshot seeding and the repair of
// inconsistent input, with every expected block worked out by hand.
#include "sim/mm/phys_mem.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memsim::mm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

PhysMem MakeFree(std::vector<NodeLayout> nodes, uint32_t max_order = 10) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create(nodes, PhysMem::Options{max_order});
  EXPECT_TRUE(mem.ok()) << mem.status();
  for (const NodeLayout& n : nodes) mem->MarkUnknownFree(n.start_pfn, n.start_pfn + n.pages);
  return std::move(*mem);
}

TEST(PhysMemCreateTest, RejectsBadLayouts) {
  EXPECT_THAT(PhysMem::Create({}).status().message(), HasSubstr("at least one node"));
  auto overlap = PhysMem::Create({{0, 0, 1024, {}}, {1, 512, 1024, {}}});
  EXPECT_EQ(overlap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(overlap.status().message(), HasSubstr("nodes[1] (node 1)"));
  auto zone = PhysMem::Create({{0, 0, 1024, {{ZoneKind::kDma, 512, 1024}}}});
  EXPECT_THAT(zone.status().message(), HasSubstr("nodes[0].zones[0]"));
  auto order = PhysMem::Create({{0, 0, 1024, {}}}, PhysMem::Options{13});
  EXPECT_THAT(order.status().message(), HasSubstr("max_order: must be <= 12"));
  auto empty = PhysMem::Create({{0, 0, 0, {}}});
  EXPECT_THAT(empty.status().message(), HasSubstr("pages must be > 0"));
}

TEST(PhysMemTest, StartsUnknownAndFreesCanonically) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create({{0, 0, 4096, {}}});
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->unknown_pages(0), 4096u);
  EXPECT_EQ(mem->Lookup(7).state, PageState::kUnknown);
  mem->MarkUnknownFree(0, 4096);
  EXPECT_EQ(mem->free_pages(0), 4096u);
  EXPECT_EQ(mem->free_blocks(0, 10), 4u);  // 4096 pages = 4 blocks of 1024
  // An unaligned range [3, 21) decomposes as 3/0, 4/2, 8/3, 16/2, 20/0.
  absl::StatusOr<PhysMem> small = PhysMem::Create({{0, 3, 18, {}}});
  ASSERT_TRUE(small.ok());
  small->MarkUnknownFree(3, 21);
  EXPECT_EQ(small->free_blocks(0, 0), 2u);
  EXPECT_EQ(small->free_blocks(0, 2), 2u);
  EXPECT_EQ(small->free_blocks(0, 3), 1u);
  EXPECT_EQ(small->Lookup(9), (BlockInfo{PageState::kFree, 8, 3, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(small->Lookup(2).state, PageState::kHole);
  EXPECT_EQ(small->Lookup(21).state, PageState::kHole);
}

TEST(PhysMemTest, OrderZeroAllocSplitsAMaxOrderBlock) {
  PhysMem mem = MakeFree({{0, 0, 1024, {}}});
  AllocResult r;
  mem.Alloc(0, 0, trace::OWNER_ANON, &r);
  ASSERT_TRUE(r.applied);
  EXPECT_EQ(r.anomalies, kAnomalyNone);
  EXPECT_THAT(r.removed_free, ElementsAre(BuddyBlock{0, 10}));
  // expand(): halves 512/9, 256/8, ..., 1/0 go back to the free lists.
  EXPECT_THAT(r.added_free,
              ElementsAre(BuddyBlock{512, 9}, BuddyBlock{256, 8}, BuddyBlock{128, 7},
                          BuddyBlock{64, 6}, BuddyBlock{32, 5}, BuddyBlock{16, 4}, BuddyBlock{8, 3},
                          BuddyBlock{4, 2}, BuddyBlock{2, 1}, BuddyBlock{1, 0}));
  EXPECT_EQ(r.block, (BlockInfo{PageState::kAllocated, 0, 0, trace::OWNER_ANON, 0, 0}));
  for (uint32_t o = 0; o < 10; ++o) EXPECT_EQ(mem.free_blocks(0, o), 1u) << o;
  EXPECT_EQ(mem.free_blocks(0, 10), 0u);
  EXPECT_EQ(mem.allocated_pages(trace::OWNER_ANON), 1u);
  EXPECT_EQ(mem.allocated_blocks(trace::OWNER_ANON), 1u);

  FreeResult f;
  mem.Free(0, 0, &f);
  ASSERT_TRUE(f.applied);
  EXPECT_EQ(f.anomalies, kAnomalyNone);
  EXPECT_THAT(f.freed, ElementsAre(Piece{0, 1, PageState::kAllocated, 0, trace::OWNER_ANON, 0}));
  ASSERT_EQ(f.checks.size(), 10u);
  for (uint32_t o = 0; o < 10; ++o) {
    EXPECT_EQ(f.checks[o], (BuddyCheck{uint64_t{1} << o, o, true})) << o;
  }
  EXPECT_THAT(f.final_blocks, ElementsAre(BuddyBlock{0, 10}));
  EXPECT_EQ(mem.free_blocks(0, 10), 1u);
  // One free record [0, 1024) and the hole filling the rest of the 4096-page window.
  EXPECT_EQ(mem.record_count(), 2u);
}

TEST(PhysMemTest, FreeStopsMergingAtAnAllocatedBuddy) {
  PhysMem mem = MakeFree({{0, 0, 1024, {}}});
  AllocResult r;
  mem.Alloc(0, 0, trace::OWNER_ANON, &r);
  mem.Alloc(2, 1, trace::OWNER_FILE, &r);  // takes block 2/1 whole
  EXPECT_THAT(r.removed_free, ElementsAre(BuddyBlock{2, 1}));
  EXPECT_TRUE(r.added_free.empty());
  FreeResult f;
  mem.Free(0, 0, &f);
  // Buddy 1/0 is free: merge to 0/1; buddy 2/1 is allocated: stop.
  EXPECT_THAT(f.checks, ElementsAre(BuddyCheck{1, 0, true}, BuddyCheck{2, 1, false}));
  EXPECT_THAT(f.final_blocks, ElementsAre(BuddyBlock{0, 1}));
}

TEST(PhysMemTest, LookupGivesHeadOfFoliosAndFreeBlocks) {
  PhysMem mem = MakeFree({{0, 0, 8192, {}}});
  AllocResult r;
  mem.Alloc(4608, 9, trace::OWNER_ANON, &r);
  EXPECT_THAT(r.removed_free, ElementsAre(BuddyBlock{4096, 10}));
  EXPECT_THAT(r.added_free, ElementsAre(BuddyBlock{4096, 9}));  // lower half returned
  EXPECT_EQ(mem.Lookup(4700), (BlockInfo{PageState::kAllocated, 4608, 9, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(mem.Lookup(4100), (BlockInfo{PageState::kFree, 4096, 9, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(mem.Lookup(9000).state, PageState::kHole);
  EXPECT_EQ(mem.NodeOf(9000), -1);
}

TEST(PhysMemTest, ZonesStopBuddyMerging) {
  PhysMem mem = MakeFree({{0, 0, 1024, {{ZoneKind::kDma, 0, 512}, {ZoneKind::kNormal, 512, 512}}}});
  EXPECT_EQ(mem.free_blocks(0, 9), 1u);
  EXPECT_EQ(mem.free_blocks(1, 9), 1u);
  EXPECT_EQ(mem.free_blocks(0, 10) + mem.free_blocks(1, 10), 0u);
  AllocResult r;
  mem.Alloc(0, 9, trace::OWNER_KERNEL, &r);
  FreeResult f;
  mem.Free(0, 9, &f);
  EXPECT_THAT(f.checks, ElementsAre(BuddyCheck{512, 9, false}));
  EXPECT_THAT(f.final_blocks, ElementsAre(BuddyBlock{0, 9}));
}

TEST(PhysMemTest, NodesAndWindowsNeedNotBeAligned) {
  // Node 0 [100, 5000), node 1 [5000, 9000): they share window 1 ([4096, 8192)).
  PhysMem mem = MakeFree({{0, 100, 4900, {}}, {1, 5000, 4000, {}}});
  EXPECT_EQ(mem.Lookup(4999).node, 0u);
  EXPECT_EQ(mem.Lookup(5000).node, 1u);
  EXPECT_EQ(mem.Lookup(5000), (BlockInfo{PageState::kFree, 5000, 3, trace::OWNER_FREE, 1, 1}));
  AllocResult r;
  mem.Alloc(4992, 4, trace::OWNER_ANON, &r);  // would span both nodes
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.anomalies, kAnomalyOutOfRange);
  mem.Alloc(4096, 10, trace::OWNER_ANON, &r);  // [4096, 5120) crosses into node 1
  EXPECT_FALSE(r.applied);
  mem.Alloc(4094, 1, trace::OWNER_ANON, &r);  // last two pages of window 0
  EXPECT_TRUE(r.applied);
  // Free run [100, 4096): 4094 sits in the canonical block 3072/10; the allocation is in
  // the top half at every step, so the lower halves go back.
  EXPECT_THAT(r.removed_free, ElementsAre(BuddyBlock{3072, 10}));
  EXPECT_THAT(r.added_free,
              ElementsAre(BuddyBlock{3072, 9}, BuddyBlock{3584, 8}, BuddyBlock{3840, 7},
                          BuddyBlock{3968, 6}, BuddyBlock{4032, 5}, BuddyBlock{4064, 4},
                          BuddyBlock{4080, 3}, BuddyBlock{4088, 2}, BuddyBlock{4092, 1}));
  EXPECT_EQ(mem.stats().out_of_range, 2u);
}

TEST(PhysMemTest, AllocLargerThanMaxOrderTakesWholeBlocks) {
  PhysMem mem = MakeFree({{0, 0, 1u << 19, {}}});
  AllocResult r;
  mem.Alloc(1u << 18, 18, trace::OWNER_HUGETLB, &r);
  ASSERT_TRUE(r.applied);
  EXPECT_EQ(r.removed_free.size(), 256u);
  EXPECT_TRUE(r.added_free.empty());
  EXPECT_EQ(mem.Lookup((1u << 18) + 12345).head_pfn, 1u << 18);
  EXPECT_EQ(mem.allocated_blocks(trace::OWNER_HUGETLB), 1u);
  FreeResult f;
  mem.Free(1u << 18, 18, &f);
  // One piece although the block spans 64 windows.
  EXPECT_THAT(f.freed, ElementsAre(Piece{1u << 18, 1u << 18, PageState::kAllocated, 18,
                                         trace::OWNER_HUGETLB, 0}));
  EXPECT_TRUE(f.checks.empty());
  EXPECT_EQ(f.final_blocks.size(), 256u);
  EXPECT_EQ(mem.free_blocks(0, 10), 512u);
  EXPECT_EQ(mem.allocated_blocks(trace::OWNER_HUGETLB), 0u);
}

TEST(PhysMemTest, InconsistentInputIsCountedAndRepaired) {
  PhysMem mem = MakeFree({{0, 0, 1024, {}}});
  AllocResult r;
  mem.Alloc(3, 1, trace::OWNER_ANON, &r);
  EXPECT_EQ(r.anomalies, kAnomalyMisaligned);
  EXPECT_FALSE(r.applied);
  mem.Alloc(8, 3, trace::OWNER_ANON, &r);
  mem.Alloc(8, 0, trace::OWNER_FILE, &r);  // alloc of an allocated page
  EXPECT_EQ(r.anomalies, kAnomalyAllocOfAllocated);
  EXPECT_THAT(r.displaced,
              ElementsAre(Piece{8, 1, PageState::kAllocated, 0, trace::OWNER_ANON, 0}));
  // The rest of the order-3 folio stays allocated as order-0 pages (split_page()).
  EXPECT_EQ(mem.Lookup(12), (BlockInfo{PageState::kAllocated, 12, 0, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(mem.allocated_pages(trace::OWNER_ANON), 7u);
  EXPECT_EQ(mem.allocated_pages(trace::OWNER_FILE), 1u);

  FreeResult f;
  mem.Free(512, 0, &f);  // already free
  EXPECT_EQ(f.anomalies, kAnomalyDoubleFree);
  mem.Free(10, 1, &f);  // part of what was the order-3 folio: plain free of 2 pages
  EXPECT_EQ(f.anomalies, kAnomalyNone);
  EXPECT_THAT(f.freed, ElementsAre(Piece{10, 2, PageState::kAllocated, 0, trace::OWNER_ANON, 0}));
  mem.Free(2000, 0, &f);
  EXPECT_EQ(f.anomalies, kAnomalyOutOfRange);

  mem.Alloc(16, 4, trace::OWNER_ANON, &r);
  mem.Free(16, 2, &f);  // frees part of an order-4 folio
  EXPECT_EQ(f.anomalies, kAnomalyPartialFree);
  EXPECT_EQ(mem.Lookup(20), (BlockInfo{PageState::kAllocated, 20, 0, trace::OWNER_ANON, 0, 0}));

  const MmStats& s = mem.stats();
  EXPECT_EQ(s.misaligned, 1u);
  EXPECT_EQ(s.alloc_of_allocated, 1u);
  EXPECT_EQ(s.double_free, 1u);
  EXPECT_EQ(s.out_of_range, 1u);
  EXPECT_EQ(s.partial_free, 1u);
  EXPECT_EQ(s.alloc_ops, 4u);
  EXPECT_EQ(s.free_ops, 4u);
}

// Each contradiction is attributed to the snapshot (no traced event had touched the
// contradicted pages), to missing events (all of them had been set or confirmed by traced
// events) or left unexplained (some of each). Snapshot: [0, 512) free, [512, 1024) one THP,
// [1024, 1040) anon order-0 pages, [1536, 1544) an order-3 folio, [2048, 4096) free.
TEST(PhysMemTest, ContradictionsAreAttributedToTheirCause) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create({{0, 0, 4096, {}}});
  ASSERT_TRUE(mem.ok());
  mem->ApplySnapshot({{0, 512, trace::OWNER_FREE, 0, 0},
                      {512, 512, trace::OWNER_ANON, 9, 0},
                      {1024, 16, trace::OWNER_ANON, 0, 0},
                      {1536, 8, trace::OWNER_ANON, 3, 0},
                      {2048, 2048, trace::OWNER_FREE, 0, 0}});
  AllocResult a;
  FreeResult f;
  MigrateResult m;
  mem->Free(0, 0, &f);  // free in the snapshot, first touch: stale snapshot
  EXPECT_EQ(f.anomalies, kAnomalyDoubleFree);
  mem->Alloc(4, 0, trace::OWNER_ANON, &a);
  mem->Free(4, 0, &f);
  mem->Free(4, 0, &f);  // freed by the trace itself just before: missing events
  EXPECT_EQ(f.anomalies, kAnomalyDoubleFree);
  mem->Free(0, 3, &f);  // pages 0 and 4 traced, 1-3 and 5-7 from the snapshot: unexplained
  EXPECT_EQ(f.anomalies, kAnomalyDoubleFree);
  mem->Alloc(1024, 0, trace::OWNER_FILE, &a);  // allocated in the snapshot: stale snapshot
  mem->Alloc(1024, 0, trace::OWNER_FILE, &a);  // allocated by the trace: missing events
  EXPECT_EQ(a.anomalies, kAnomalyAllocOfAllocated);
  mem->Free(512, 0, &f);  // cuts the snapshot's THP: stale snapshot
  EXPECT_EQ(f.anomalies, kAnomalyPartialFree);
  mem->Alloc(2048, 2, trace::OWNER_ANON, &a);
  mem->Free(2048, 1, &f);  // cuts a block the trace allocated: missing events
  EXPECT_EQ(f.anomalies, kAnomalyPartialFree);
  mem->Migrate(3000, 100, 0, false, &m);  // source free in the snapshot: stale snapshot
  EXPECT_EQ(m.anomalies, kAnomalyMigrateSrcNotAllocated);
  // Onto the snapshot's order-3 folio: a destination conflict, and the allocation of the
  // destination inside the migration is an alloc of allocated pages, both stale snapshot.
  mem->Migrate(100, 1536, 0, false, &m);
  EXPECT_EQ(m.anomalies, kAnomalyMigrateDstConflict);
  mem->Migrate(4, 200, 0, false, &m);  // source freed by the trace: missing events
  EXPECT_EQ(m.anomalies, kAnomalyMigrateSrcNotAllocated);

  const MmStats& s = mem->stats();
  auto eq = [](const CauseCounts& c, uint64_t stale, uint64_t missing, uint64_t unexplained) {
    return c.stale_snapshot == stale && c.missing_events == missing && c.unexplained == unexplained;
  };
  EXPECT_TRUE(eq(s.double_free_by_cause, 1, 1, 1));
  EXPECT_TRUE(eq(s.alloc_of_allocated_by_cause, 2, 1, 0));
  EXPECT_TRUE(eq(s.partial_free_by_cause, 1, 1, 0));
  EXPECT_TRUE(eq(s.migrate_src_not_allocated_by_cause, 1, 1, 0));
  EXPECT_TRUE(eq(s.migrate_dst_conflict_by_cause, 1, 0, 0));
  EXPECT_EQ(s.double_free, 3u);
  EXPECT_EQ(s.alloc_of_allocated, 3u);
  EXPECT_EQ(s.partial_free, 2u);
  EXPECT_EQ(s.migrate_src_not_allocated, 2u);
  EXPECT_EQ(s.migrate_dst_conflict, 1u);
  // The source that was not allocated keeps its snapshot origin (it is not repaired): its
  // next contradiction is still the snapshot's.
  mem->Free(3000, 0, &f);
  EXPECT_EQ(f.anomalies, kAnomalyDoubleFree);
  EXPECT_EQ(mem->stats().double_free_by_cause.stale_snapshot, 2u);
}

TEST(PhysMemTest, FreeOfMemoryAllocatedBeforeTheTrace) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create({{0, 0, 1024, {}}});
  ASSERT_TRUE(mem.ok());
  FreeResult f;
  mem->Free(64, 2, &f);
  EXPECT_EQ(f.anomalies, kAnomalyFreeOfPretrace);
  EXPECT_THAT(f.freed, ElementsAre(Piece{64, 4, PageState::kUnknown, 0, trace::OWNER_UNKNOWN, 0}));
  EXPECT_THAT(f.checks, ElementsAre(BuddyCheck{68, 2, false}));
  AllocResult r;
  mem->Alloc(128, 0, trace::OWNER_ANON, &r);
  EXPECT_EQ(r.anomalies, kAnomalyAllocFromUnknown);
  EXPECT_TRUE(r.removed_free.empty());
  EXPECT_EQ(mem->stats().free_of_pretrace, 1u);
  EXPECT_EQ(mem->stats().alloc_from_unknown, 1u);
}

TEST(PhysMemTest, SnapshotSeedsState) {
  absl::StatusOr<PhysMem> mem = PhysMem::Create({{0, 0, 8192, {}}});
  ASSERT_TRUE(mem.ok());
  std::vector<SnapshotRun> runs = {
      {0, 64, trace::OWNER_RESERVED, 0, 0},
      {64, 12, trace::OWNER_SLAB, 2, 0},    // three order-2 slabs
      {512, 512, trace::OWNER_ANON, 9, 0},  // one THP
      {1024, 3072, trace::OWNER_FREE, 0, 0},
      {4096, 3, trace::OWNER_FILE, 1, 0},   // not whole order-1 blocks: order 0
      {9000, 10, trace::OWNER_ANON, 0, 0},  // outside the node
  };
  mem->ApplySnapshot(runs);
  EXPECT_EQ(mem->Lookup(70), (BlockInfo{PageState::kAllocated, 68, 2, trace::OWNER_SLAB, 0, 0}));
  EXPECT_EQ(mem->Lookup(1000), (BlockInfo{PageState::kAllocated, 512, 9, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(mem->Lookup(4097),
            (BlockInfo{PageState::kAllocated, 4097, 0, trace::OWNER_FILE, 0, 0}));
  EXPECT_EQ(mem->Lookup(100).state, PageState::kUnknown);
  EXPECT_EQ(mem->allocated_blocks(trace::OWNER_SLAB), 3u);
  EXPECT_EQ(mem->allocated_blocks(trace::OWNER_ANON), 1u);
  EXPECT_EQ(mem->free_blocks(0, 10), 3u);  // 1024..4096
  EXPECT_EQ(mem->stats().snapshot_runs, 6u);
  EXPECT_EQ(mem->stats().snapshot_runs_rejected, 1u);
  EXPECT_EQ(mem->stats().snapshot_runs_misaligned, 1u);
  // A free of a snapshot THP merges with the free block above it.
  FreeResult f;
  mem->Free(512, 9, &f);
  EXPECT_THAT(f.checks, ElementsAre(BuddyCheck{0, 9, false}));
  // Unknown: [76, 512) and [4099, 8192).
  EXPECT_EQ(mem->unknown_pages(0), 436u + 4093u);
}

TEST(PhysMemTest, MigrateAllocatesDestinationWithSourceOwner) {
  PhysMem mem = MakeFree({{0, 0, 2048, {}}});
  AllocResult r;
  mem.Alloc(0, 0, trace::OWNER_ANON, &r);
  MigrateResult m;
  mem.Migrate(0, 1024, 0, /*free_source=*/false, &m);
  ASSERT_TRUE(m.applied);
  EXPECT_TRUE(m.dst_allocated_here);
  EXPECT_THAT(m.dst_alloc.removed_free, ElementsAre(BuddyBlock{1024, 10}));
  EXPECT_EQ(m.dst, (BlockInfo{PageState::kAllocated, 1024, 0, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(mem.Lookup(0).state, PageState::kAllocated);
  // An ALLOC event for the destination came first: Migrate only retypes it.
  mem.Alloc(2, 0, trace::OWNER_UNKNOWN, &r);
  mem.Migrate(1024, 2, 0, /*free_source=*/true, &m);
  EXPECT_FALSE(m.dst_allocated_here);
  EXPECT_EQ(mem.Lookup(2).owner, trace::OWNER_ANON);
  EXPECT_TRUE(m.src_freed);
  EXPECT_THAT(m.src_free.final_blocks, ElementsAre(BuddyBlock{1024, 10}));
  mem.Migrate(500, 600, 0, false, &m);
  EXPECT_EQ(m.anomalies, kAnomalyMigrateSrcNotAllocated);
  EXPECT_EQ(mem.stats().migrate_ops, 3u);
  EXPECT_EQ(mem.stats().alloc_ops, 2u);
}

TEST(PhysMemTest, VisitRunsReportsClippedRuns) {
  PhysMem mem = MakeFree({{0, 0, 8192, {}}});
  AllocResult r;
  mem.Alloc(4096, 2, trace::OWNER_SLAB, &r);
  std::vector<PhysMem::Run> runs;
  mem.VisitRuns(4000, 4200, [&](const PhysMem::Run& run) { runs.push_back(run); });
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].start_pfn, 4000u);
  EXPECT_EQ(runs[0].end_pfn, 4096u);
  EXPECT_EQ(runs[1].state, PageState::kAllocated);
  EXPECT_EQ(runs[1].end_pfn, 4100u);
  EXPECT_EQ(runs[2].end_pfn, 4200u);
}

}  // namespace
}  // namespace memsim::mm
