// ExtentStore: page states by extents, the spans and runs it reports, and its live counts,
// with every expected value worked out by hand. The buddy rules on top are PhysMem's
// (phys_mem_test.cc).
#include "sim/mm/extent_store.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memsim::mm {
namespace {

using ::testing::HasSubstr;

ExtentStore Make(std::vector<NodeLayout> nodes, uint32_t max_free_order = 10) {
  absl::StatusOr<ExtentStore> store = ExtentStore::Create(std::move(nodes), max_free_order);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(*store);
}

struct SpanView {
  uint64_t start, end;
  PageState state;
  uint64_t record_start, record_end;
  bool operator==(const SpanView&) const = default;
};

std::vector<SpanView> Spans(const ExtentStore& s, uint64_t start, uint64_t end) {
  std::vector<SpanView> out;
  s.ForEachSpan(start, end, [&](const ExtentStore::Span& x) {
    out.push_back({x.start_pfn, x.end_pfn, x.state, x.record_start, x.record_end});
  });
  return out;
}

TEST(ExtentStoreCreateTest, RejectsBadLayouts) {
  EXPECT_THAT(ExtentStore::Create({}, 10).status().message(), HasSubstr("at least one node"));
  auto overlap = ExtentStore::Create({{0, 0, 1024, {}}, {1, 512, 1024, {}}}, 10);
  EXPECT_EQ(overlap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(overlap.status().message(), HasSubstr("nodes[1] (node 1)"));
  auto outside = ExtentStore::Create({{0, 0, 1024, {{ZoneKind::kDma, 512, 1024}}}}, 10);
  EXPECT_THAT(outside.status().message(), HasSubstr("nodes[0].zones[0]"));
  auto zones = ExtentStore::Create(
      {{0, 0, 1024, {{ZoneKind::kDma, 0, 512}, {ZoneKind::kNormal, 256, 512}}}}, 10);
  EXPECT_THAT(zones.status().message(), HasSubstr("nodes[0].zones[1]: overlaps"));
  std::vector<ZoneLayout> many;
  for (uint64_t z = 0; z < 255; ++z) many.push_back({ZoneKind::kNormal, z, 1});
  auto too_many = ExtentStore::Create({{0, 0, 255, many}}, 10);
  EXPECT_THAT(too_many.status().message(), HasSubstr("255 zones in total"));
}

TEST(ExtentStoreTest, StartsUnknownWithHolesOutsideZones) {
  // One node [0, 4096) whose only zone is [1024, 3072): the rest of the node is holes.
  ExtentStore s = Make({{0, 0, 4096, {{ZoneKind::kNormal, 1024, 2048}}}});
  EXPECT_EQ(s.unknown_pages(0), 2048u);
  EXPECT_EQ(s.record_count(), 3u);  // hole, unknown, hole: one window
  EXPECT_EQ(s.Lookup(100).state, PageState::kHole);
  EXPECT_EQ(s.Lookup(1024), (BlockInfo{PageState::kUnknown, 1024, 0, trace::OWNER_UNKNOWN, 0, 0}));
  // A range over the hole and into the zone, then one beyond every window.
  EXPECT_EQ(Spans(s, 1000, 1030),
            (std::vector<SpanView>{{1000, 1024, PageState::kHole, 0, 1024},
                                   {1024, 1030, PageState::kUnknown, 1024, 3072}}));
  EXPECT_EQ(Spans(s, 9000, 9010),
            (std::vector<SpanView>{{9000, 9010, PageState::kHole, 9000, 9010}}));
  EXPECT_TRUE(s.RangeInZones(1024, 3072));
  EXPECT_FALSE(s.RangeInZones(1000, 1100));
  EXPECT_EQ(s.NodeOf(4095), 0);
  EXPECT_EQ(s.NodeOf(4096), -1);
}

TEST(ExtentStoreTest, FreeRunsCountAsCanonicalBlocks) {
  // [3, 21) free, max order 10: blocks 3/0, 4/2, 8/3, 16/2, 20/0.
  ExtentStore s = Make({{0, 3, 18, {}}});
  s.Assign(3, 21, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.free_pages(0), 18u);
  EXPECT_EQ(s.unknown_pages(0), 0u);
  EXPECT_EQ(s.free_blocks(0, 0), 2u);
  EXPECT_EQ(s.free_blocks(0, 2), 2u);
  EXPECT_EQ(s.free_blocks(0, 3), 1u);
  EXPECT_EQ(s.Lookup(9), (BlockInfo{PageState::kFree, 8, 3, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.FreeBlockAt(3, 21, 17), (BuddyBlock{16, 2}));
  EXPECT_EQ(s.FreeRunAt(10), (std::pair<uint64_t, uint64_t>{3, 21}));
  // A smaller max order caps the blocks: [0, 16) with max order 2 is four blocks of 4.
  ExtentStore capped = Make({{0, 0, 16, {}}}, 2);
  capped.Assign(0, 16, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(capped.free_blocks(0, 2), 4u);
  EXPECT_EQ(capped.Lookup(13), (BlockInfo{PageState::kFree, 12, 2, trace::OWNER_FREE, 0, 0}));
}

TEST(ExtentStoreTest, AssignKeepsCountsAndMergesRecords) {
  ExtentStore s = Make({{0, 0, 4096, {}}});
  s.Assign(0, 4096, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.record_count(), 1u);
  EXPECT_EQ(s.free_blocks(0, 10), 4u);
  // Two order-2 anon blocks at [8, 16): free [0, 8) and [16, 4096) are left.
  s.Assign(8, 16, PageState::kAllocated, 2, trace::OWNER_ANON);
  EXPECT_EQ(s.record_count(), 3u);
  EXPECT_EQ(s.allocated_pages(trace::OWNER_ANON), 8u);
  EXPECT_EQ(s.allocated_blocks(trace::OWNER_ANON), 2u);
  EXPECT_EQ(s.total_allocated_blocks(), 2u);
  EXPECT_EQ(s.free_pages(0), 4088u);
  EXPECT_EQ(s.Lookup(13), (BlockInfo{PageState::kAllocated, 12, 2, trace::OWNER_ANON, 0, 0}));
  // [16, 4096) = 16/4, 32/5, 64/6, 128/7, 256/8, 512/9, 1024/10 x3; [0, 8) = 0/3.
  EXPECT_EQ(s.free_blocks(0, 3), 1u);
  EXPECT_EQ(s.free_blocks(0, 4), 1u);
  EXPECT_EQ(s.free_blocks(0, 10), 3u);
  // Freeing them again merges the three records back into one.
  s.Assign(8, 16, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.record_count(), 1u);
  EXPECT_EQ(s.allocated_pages(trace::OWNER_ANON), 0u);
  EXPECT_EQ(s.free_blocks(0, 10), 4u);
}

TEST(ExtentStoreTest, SplitStraddlingBlocksLeavesOrderZeroPages) {
  ExtentStore s = Make({{0, 0, 4096, {}}});
  s.Assign(8, 16, PageState::kAllocated, 3, trace::OWNER_FILE);
  EXPECT_EQ(s.allocated_blocks(trace::OWNER_FILE), 1u);
  // A range starting inside the block splits it; one ending at its end does not need to.
  s.SplitStraddlingBlocks(12, 16);
  EXPECT_EQ(s.allocated_blocks(trace::OWNER_FILE), 8u);
  EXPECT_EQ(s.allocated_pages(trace::OWNER_FILE), 8u);
  EXPECT_EQ(s.Lookup(9), (BlockInfo{PageState::kAllocated, 9, 0, trace::OWNER_FILE, 0, 0}));
}

TEST(ExtentStoreTest, LookupsAfterChangesSeeTheNewState) {
  // Lookup() remembers the record it found last; every change must make it look again.
  // One node [0, 8192) whose zone is [0, 6000): two windows, holes from 6000.
  ExtentStore s = Make({{0, 0, 8192, {{ZoneKind::kNormal, 0, 6000}}}});
  s.Assign(0, 6000, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.Lookup(20), (BlockInfo{PageState::kFree, 0, 10, trace::OWNER_FREE, 0, 0}));
  EXPECT_TRUE(s.RangeInZones(16, 32));  // inside the remembered record
  s.Assign(16, 32, PageState::kAllocated, 4, trace::OWNER_ANON);
  EXPECT_EQ(s.Lookup(20), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
  // Another record of the same window, then back.
  EXPECT_EQ(s.Lookup(40), (BlockInfo{PageState::kFree, 32, 5, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.Lookup(31), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
  // A range running out of the remembered record, and ranges in and into the holes.
  EXPECT_TRUE(s.RangeInZones(16, 64));
  EXPECT_FALSE(s.RangeInZones(5990, 6010));
  EXPECT_EQ(s.Lookup(7000).state, PageState::kHole);
  EXPECT_FALSE(s.RangeInZones(7000, 7001));
  EXPECT_FALSE(s.RangeInZones(8192, 8200));  // beyond every window
  s.Compact();
  EXPECT_EQ(s.Lookup(17), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
}

TEST(ExtentStoreTest, RunsAndSpansSplitAtWindowsAndNodes) {
  // Two nodes; node 1 starts at 6144, in the middle of the second 4096-page window.
  ExtentStore s = Make({{0, 0, 6144, {}}, {1, 6144, 2048, {}}});
  s.Assign(0, 8192, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_FALSE(s.RangeInZones(6000, 6200));  // crosses nodes
  std::vector<ExtentStore::Run> runs;
  s.VisitRuns(4000, 6200, [&](const ExtentStore::Run& r) { runs.push_back(r); });
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].start_pfn, 4000u);  // clipped to the range
  EXPECT_EQ(runs[0].end_pfn, 4096u);    // window end
  EXPECT_EQ(runs[1].start_pfn, 4096u);
  EXPECT_EQ(runs[1].end_pfn, 6144u);  // zone (node) end
  EXPECT_EQ(runs[1].node, 0u);
  EXPECT_EQ(runs[2].end_pfn, 6200u);
  EXPECT_EQ(runs[2].node, 1u);
  EXPECT_EQ(s.zones().size(), 2u);
  EXPECT_EQ(s.free_pages(1), 2048u);
}

}  // namespace
}  // namespace memsim::mm
