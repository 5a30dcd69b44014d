// ExtentStore: page states by extents, the spans and runs it reports, and its live counts,
// with every expected value worked out by hand. The buddy rules on top are PhysMem's
// (phys_mem_test.cc).
#include "sim/mm/extent_store.h"

#include <algorithm>
#include <array>
#include <random>
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

// FreeBlockAt computes the block without a loop over orders; it must be the largest
// naturally aligned block of order <= max that holds pfn and lies inside the run.
TEST(ExtentStoreTest, FreeBlockAtIsTheLargestAlignedBlockInsideTheRun) {
  ExtentStore s = Make({{0, 0, 1 << 14, {}}});                      // max order 10
  EXPECT_EQ(s.FreeBlockAt(0, 3, 2), (BuddyBlock{2, 0}));            // [2, 4) reaches past 3
  EXPECT_EQ(s.FreeBlockAt(0, 3, 1), (BuddyBlock{0, 1}));            // [0, 2)
  EXPECT_EQ(s.FreeBlockAt(1, 4, 2), (BuddyBlock{2, 1}));            // [0, 4) starts before 1
  EXPECT_EQ(s.FreeBlockAt(0, 4096, 4000), (BuddyBlock{3072, 10}));  // capped at max order
  EXPECT_EQ(s.FreeBlockAt(4095, 4096, 4095), (BuddyBlock{4095, 0}));
  EXPECT_EQ(s.FreeBlockAt(1000, 3000, 2047), (BuddyBlock{1024, 10}));
  EXPECT_EQ(s.FreeBlockAt(1000, 3000, 1023), (BuddyBlock{1008, 4}));  // [1008, 1024)
  EXPECT_EQ(s.FreeBlockAt(1000, 3000, 2999), (BuddyBlock{2992, 3}));  // [2992, 3000)
  // Against the definition, every run inside [0, 70) and every max order up to 12.
  for (uint32_t max : {0u, 1u, 3u, 10u, 12u}) {
    ExtentStore m = Make({{0, 0, 1 << 14, {}}}, max);
    for (uint64_t a = 0; a < 70; ++a) {
      for (uint64_t b = a + 1; b <= 70; ++b) {
        for (uint64_t pfn = a; pfn < b; ++pfn) {
          BuddyBlock want{pfn, 0};
          for (int o = static_cast<int>(max); o > 0; --o) {
            const uint64_t q = pfn & ~((uint64_t{1} << o) - 1);
            if (q >= a && q + (uint64_t{1} << o) <= b) {
              want = {q, static_cast<uint32_t>(o)};
              break;
            }
          }
          ASSERT_EQ(m.FreeBlockAt(a, b, pfn), want) << a << " " << b << " " << pfn << " " << max;
        }
      }
    }
  }
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

TEST(ExtentStoreTest, LookupsAlternatingBetweenWindowsSeeEveryChange) {
  // Lookup() remembers records in the last two windows (the compaction scanners alternate
  // between two); a third window replaces the older one, and a change forgets both.
  ExtentStore s = Make({{0, 0, 16384, {}}});
  s.Assign(0, 16384, PageState::kFree, 0, trace::OWNER_FREE);
  s.Assign(16, 32, PageState::kAllocated, 4, trace::OWNER_ANON);
  s.Assign(12288, 12800, PageState::kAllocated, 9, trace::OWNER_FILE);
  EXPECT_EQ(s.Lookup(20), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(s.Lookup(12300), (BlockInfo{PageState::kAllocated, 12288, 9, trace::OWNER_FILE, 0, 0}));
  EXPECT_EQ(s.Lookup(40), (BlockInfo{PageState::kFree, 32, 5, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.Lookup(12900), (BlockInfo{PageState::kFree, 12800, 9, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.Lookup(8000), (BlockInfo{PageState::kFree, 7168, 10, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.Lookup(12300), (BlockInfo{PageState::kAllocated, 12288, 9, trace::OWNER_FILE, 0, 0}));
  EXPECT_EQ(s.Lookup(17), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
  EXPECT_TRUE(s.RangeInZones(12288, 12800));
  s.Assign(12288, 12800, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.Lookup(20), (BlockInfo{PageState::kAllocated, 16, 4, trace::OWNER_ANON, 0, 0}));
  EXPECT_EQ(s.Lookup(12300), (BlockInfo{PageState::kFree, 12288, 10, trace::OWNER_FREE, 0, 0}));
  s.Assign(16, 32, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.Lookup(12301), (BlockInfo{PageState::kFree, 12288, 10, trace::OWNER_FREE, 0, 0}));
  EXPECT_EQ(s.Lookup(20), (BlockInfo{PageState::kFree, 0, 10, trace::OWNER_FREE, 0, 0}));
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

// Two nodes with holes inside windows and a window between them outside every node:
//   node 0 [0, 10000): DMA [16, 4096), Normal [4096, 6000), Movable [6100, 10000)
//   node 1 [20000, 30000): Normal. Windows 0-2 and 4-7 hold zone pages; window 3 none.
ExtentStore MakeHoleyStore() {
  return Make({{0,
                0,
                10000,
                {{ZoneKind::kDma, 16, 4080},
                 {ZoneKind::kNormal, 4096, 1904},
                 {ZoneKind::kMovable, 6100, 3900}}},
               {1, 20000, 10000, {}}});
}

// Every window builds itself in its initial state (an Assign of kUnknown over a whole
// window leaves its records and the counts as they were).
void BuildEveryWindow(ExtentStore& s) {
  for (uint64_t w : {0, 1, 2, 4, 5, 6, 7}) {
    s.Assign(w * 4096, (w + 1) * 4096, PageState::kUnknown, 0, trace::OWNER_UNKNOWN);
  }
}

// A range inside one window is walked from the lookup hint: the same runs as the general
// walk (clipped, holes skipped, records as stored, unbuilt windows in their initial state).
TEST(ExtentStoreTest, RunsInsideOneWindow) {
  // Node 0: zones [0, 1000) and [2000, 8192) (a hole between); node 1 at 65536, unbuilt.
  NodeLayout n0{0, 0, 8192, {{ZoneKind::kDma32, 0, 1000}, {ZoneKind::kNormal, 2000, 6192}}};
  ExtentStore s = Make({n0, {1, 65536, 4096, {}}});
  s.Assign(0, 8192, PageState::kFree, 0, trace::OWNER_FREE);
  s.Assign(2000, 2004, PageState::kAllocated, 2, trace::OWNER_ANON);
  auto runs = [&](uint64_t a, uint64_t b) {
    std::vector<ExtentStore::Run> out;
    s.VisitRuns(a, b, [&](const ExtentStore::Run& r) { out.push_back(r); });
    return out;
  };
  const std::vector<ExtentStore::Run> r = runs(900, 2100);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].start_pfn, 900u);
  EXPECT_EQ(r[0].end_pfn, 1000u);
  EXPECT_EQ(r[0].state, PageState::kFree);
  EXPECT_EQ(r[1].start_pfn, 2000u);
  EXPECT_EQ(r[1].end_pfn, 2004u);
  EXPECT_EQ(r[1].state, PageState::kAllocated);
  EXPECT_EQ(r[1].order, 2u);
  EXPECT_EQ(r[1].owner, trace::OWNER_ANON);
  EXPECT_EQ(r[2].start_pfn, 2004u);
  EXPECT_EQ(r[2].end_pfn, 2100u);
  EXPECT_TRUE(runs(1200, 1300).empty());    // the hole
  EXPECT_TRUE(runs(20000, 20100).empty());  // outside every node
  EXPECT_TRUE(runs(5000, 5000).empty());    // empty range
  const std::vector<ExtentStore::Run> u = runs(65546, 65556);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].start_pfn, 65546u);
  EXPECT_EQ(u[0].end_pfn, 65556u);
  EXPECT_EQ(u[0].state, PageState::kUnknown);
  EXPECT_EQ(u[0].node, 1u);
  EXPECT_EQ(s.built_windows(), 2u);  // reading built nothing
}

TEST(ExtentStoreLazyTest, WindowsInTheirInitialStateReadAsIfBuilt) {
  ExtentStore s = MakeHoleyStore();
  EXPECT_EQ(s.built_windows(), 0u);
  // 2 + 3 + 2 records in windows 0-2; 2 + 1 + 1 + 2 in windows 4-7.
  EXPECT_EQ(s.record_count(), 13u);
  EXPECT_EQ(s.unknown_pages(0), 4080u);
  EXPECT_EQ(s.unknown_pages(1), 1904u);
  EXPECT_EQ(s.unknown_pages(2), 3900u);
  EXPECT_EQ(s.unknown_pages(3), 10000u);
  EXPECT_EQ(Spans(s, 0, 12288),
            (std::vector<SpanView>{{0, 16, PageState::kHole, 0, 16},
                                   {16, 4096, PageState::kUnknown, 16, 4096},
                                   {4096, 6000, PageState::kUnknown, 4096, 6000},
                                   {6000, 6100, PageState::kHole, 6000, 6100},
                                   {6100, 8192, PageState::kUnknown, 6100, 8192},
                                   {8192, 10000, PageState::kUnknown, 8192, 10000},
                                   {10000, 12288, PageState::kHole, 10000, 12288}}));
  EXPECT_EQ(Spans(s, 13000, 13010),
            (std::vector<SpanView>{{13000, 13010, PageState::kHole, 13000, 13010}}));
  EXPECT_EQ(Spans(s, 19990, 20010),
            (std::vector<SpanView>{{19990, 20000, PageState::kHole, 16384, 20000},
                                   {20000, 20010, PageState::kUnknown, 20000, 20480}}));
  // Lookups move between records and windows (the remembered record follows).
  EXPECT_EQ(s.Lookup(5).state, PageState::kHole);
  EXPECT_EQ(s.Lookup(16), (BlockInfo{PageState::kUnknown, 16, 0, trace::OWNER_UNKNOWN, 0, 0}));
  EXPECT_EQ(s.Lookup(4095), (BlockInfo{PageState::kUnknown, 4095, 0, trace::OWNER_UNKNOWN, 0, 0}));
  EXPECT_EQ(s.Lookup(4096), (BlockInfo{PageState::kUnknown, 4096, 0, trace::OWNER_UNKNOWN, 0, 1}));
  EXPECT_EQ(s.Lookup(6050).state, PageState::kHole);
  EXPECT_EQ(s.Lookup(5999), (BlockInfo{PageState::kUnknown, 5999, 0, trace::OWNER_UNKNOWN, 0, 1}));
  EXPECT_EQ(s.Lookup(6100), (BlockInfo{PageState::kUnknown, 6100, 0, trace::OWNER_UNKNOWN, 0, 2}));
  EXPECT_EQ(s.Lookup(10000).state, PageState::kHole);
  EXPECT_EQ(s.Lookup(13000).state, PageState::kHole);
  EXPECT_EQ(s.Lookup(29999),
            (BlockInfo{PageState::kUnknown, 29999, 0, trace::OWNER_UNKNOWN, 1, 3}));
  EXPECT_TRUE(s.RangeInZones(16, 4096));
  EXPECT_FALSE(s.RangeInZones(0, 20));
  EXPECT_TRUE(s.RangeInZones(4000, 4200));  // zones DMA and Normal: one node, no hole
  EXPECT_FALSE(s.RangeInZones(9990, 10010));
  EXPECT_TRUE(s.RangeInZones(20000, 30000));  // four windows
  std::vector<ExtentStore::Run> runs;
  s.VisitRuns(0, ~uint64_t{0}, [&](const ExtentStore::Run& r) { runs.push_back(r); });
  ASSERT_EQ(runs.size(), 8u);  // zone pieces cut at windows: 1 + 2 + 1 in node 0, 4 in node 1
  EXPECT_EQ(runs[2].start_pfn, 6100u);
  EXPECT_EQ(runs[2].end_pfn, 8192u);
  EXPECT_EQ(runs[4].start_pfn, 20000u);
  EXPECT_EQ(runs[4].end_pfn, 20480u);
  EXPECT_EQ(runs[4].node, 1u);
  EXPECT_EQ(runs[7].start_pfn, 28672u);
  EXPECT_EQ(runs[7].end_pfn, 30000u);
  EXPECT_EQ(s.built_windows(), 0u);  // reading built nothing
}

TEST(ExtentStoreLazyTest, ChangesBuildOnlyTheWindowsTheyReach) {
  ExtentStore s = MakeHoleyStore();
  EXPECT_EQ(s.Lookup(6150), (BlockInfo{PageState::kUnknown, 6150, 0, trace::OWNER_UNKNOWN, 0, 2}));
  // [6100, 6200) free: blocks 6100/2, 6104/3, 6112/5, 6144/5, 6176/4, 6192/3.
  s.Assign(6100, 6200, PageState::kFree, 0, trace::OWNER_FREE);
  EXPECT_EQ(s.built_windows(), 1u);
  EXPECT_EQ(s.record_count(), 14u);  // window 1: unknown, hole, free, unknown
  EXPECT_EQ(s.unknown_pages(2), 3800u);
  EXPECT_EQ(s.free_pages(2), 100u);
  EXPECT_EQ(s.free_blocks(2, 5), 2u);
  EXPECT_EQ(s.free_blocks(2, 4), 1u);
  EXPECT_EQ(s.free_blocks(2, 3), 2u);
  EXPECT_EQ(s.Lookup(6150), (BlockInfo{PageState::kFree, 6144, 5, trace::OWNER_FREE, 0, 2}));
  EXPECT_EQ(s.FreeRunAt(6150), (std::pair<uint64_t, uint64_t>{6100, 6200}));
  // From the built window to unbuilt ones and back.
  EXPECT_EQ(s.Lookup(100), (BlockInfo{PageState::kUnknown, 100, 0, trace::OWNER_UNKNOWN, 0, 0}));
  EXPECT_EQ(s.Lookup(8200), (BlockInfo{PageState::kUnknown, 8200, 0, trace::OWNER_UNKNOWN, 0, 2}));
  EXPECT_EQ(s.Lookup(7000), (BlockInfo{PageState::kUnknown, 7000, 0, trace::OWNER_UNKNOWN, 0, 2}));
  EXPECT_EQ(s.Lookup(6199), (BlockInfo{PageState::kFree, 6192, 3, trace::OWNER_FREE, 0, 2}));
  // An allocation across windows 5 and 6 of node 1 builds both.
  s.Assign(24064, 25088, PageState::kAllocated, 9, trace::OWNER_ANON);
  EXPECT_EQ(s.built_windows(), 3u);
  EXPECT_EQ(s.record_count(), 16u);
  EXPECT_EQ(s.allocated_blocks(trace::OWNER_ANON), 2u);
  EXPECT_EQ(s.unknown_pages(3), 10000u - 1024u);
  EXPECT_EQ(s.Lookup(24600), (BlockInfo{PageState::kAllocated, 24576, 9, trace::OWNER_ANON, 1, 3}));
  EXPECT_EQ(s.Lookup(25088),
            (BlockInfo{PageState::kUnknown, 25088, 0, trace::OWNER_UNKNOWN, 1, 3}));
  s.Compact();
  EXPECT_EQ(s.Lookup(24063),
            (BlockInfo{PageState::kUnknown, 24063, 0, trace::OWNER_UNKNOWN, 1, 3}));
}

TEST(ExtentStoreLazyTest, EagerlyBuiltWindowsReadTheSame) {
  ExtentStore lazy = MakeHoleyStore();
  ExtentStore eager = MakeHoleyStore();
  BuildEveryWindow(eager);
  EXPECT_EQ(eager.built_windows(), 7u);
  EXPECT_EQ(lazy.built_windows(), 0u);
  EXPECT_EQ(eager.record_count(), lazy.record_count());
  for (uint32_t z = 0; z < 4; ++z) {
    EXPECT_EQ(eager.unknown_pages(z), lazy.unknown_pages(z)) << "zone " << z;
    EXPECT_EQ(eager.free_pages(z), 0u);
  }
  EXPECT_EQ(Spans(eager, 0, 33000), Spans(lazy, 0, 33000));
  EXPECT_EQ(Spans(lazy, 0, 33000).size(), 15u);  // 13 records, window 3, beyond window 7
  for (uint64_t pfn = 0; pfn < 33000; pfn += 7) {
    ASSERT_EQ(eager.Lookup(pfn), lazy.Lookup(pfn)) << "pfn " << pfn;
  }
  for (uint64_t pfn = 0; pfn < 33000; pfn += 97) {
    ASSERT_EQ(eager.RangeInZones(pfn, pfn + 50), lazy.RangeInZones(pfn, pfn + 50)) << pfn;
  }
}

// Against a page-by-page model: random changes (most inside one record, the fast path of
// AssignInWindow; some across records and windows), with lookups in between that move the
// hints, must leave every page's Lookup, the spans and every count as the model says.
TEST(ExtentStoreTest, RandomChangesAgreeWithAPageByPageModel) {
  // Node 0: zones [0, 5000) and [5100, 12288); node 1 [12288, 16384).
  constexpr uint64_t kPages = 16384;
  NodeLayout n0{0, 0, 12288, {{ZoneKind::kDma32, 0, 5000}, {ZoneKind::kNormal, 5100, 7188}}};
  ExtentStore s = Make({n0, {1, 12288, 4096, {}}}, 10);
  struct Page {
    PageState state = PageState::kHole;
    uint32_t order = 0;
    OwnerType owner = trace::OWNER_UNKNOWN;
    int zone = -1;
  };
  std::vector<Page> model(kPages);
  for (uint64_t p = 0; p < kPages; ++p) {
    const int zone = p < 5000 ? 0 : p < 5100 ? -1 : p < 12288 ? 1 : 2;
    if (zone >= 0) model[p] = {PageState::kUnknown, 0, trace::OWNER_UNKNOWN, zone};
  }
  std::mt19937_64 rng(12);
  auto check_all = [&]() {
    // Counts: pages by state, allocated heads, canonical free blocks of maximal runs.
    std::array<uint64_t, 3> free_pages{}, unknown{};
    std::array<std::array<uint64_t, 11>, 3> blocks{};
    std::array<uint64_t, 32> alloc_pages{}, alloc_blocks{};
    for (uint64_t p = 0; p < kPages;) {
      const Page& m = model[p];
      if (m.state == PageState::kFree) {
        uint64_t e = p;
        while (e < kPages && model[e].state == PageState::kFree && model[e].zone == m.zone) ++e;
        free_pages[m.zone] += e - p;
        for (uint64_t q = p; q < e;) {
          uint32_t o = 10;
          while (o > 0 && ((q & ((uint64_t{1} << o) - 1)) != 0 || q + (uint64_t{1} << o) > e)) --o;
          ++blocks[m.zone][o];
          q += uint64_t{1} << o;
        }
        p = e;
        continue;
      }
      if (m.state == PageState::kUnknown) ++unknown[m.zone];
      if (m.state == PageState::kAllocated) {
        ++alloc_pages[m.owner];
        if ((p & ((uint64_t{1} << m.order) - 1)) == 0) ++alloc_blocks[m.owner];
      }
      ++p;
    }
    for (uint32_t z = 0; z < 3; ++z) {
      ASSERT_EQ(s.free_pages(z), free_pages[z]) << z;
      ASSERT_EQ(s.unknown_pages(z), unknown[z]) << z;
      for (uint32_t o = 0; o <= 10; ++o) ASSERT_EQ(s.free_blocks(z, o), blocks[z][o]) << z << o;
    }
    for (int o = 0; o < 32; ++o) {
      ASSERT_EQ(s.allocated_pages(static_cast<OwnerType>(o)), alloc_pages[o]) << o;
      ASSERT_EQ(s.allocated_blocks(static_cast<OwnerType>(o)), alloc_blocks[o]) << o;
    }
    for (uint64_t p = 0; p < kPages; ++p) {
      const BlockInfo b = s.Lookup(p);
      const Page& m = model[p];
      ASSERT_EQ(b.state, m.state) << p;
      if (m.state == PageState::kAllocated) {
        ASSERT_EQ(b.head_pfn, p & ~((uint64_t{1} << m.order) - 1)) << p;
        ASSERT_EQ(b.order, m.order) << p;
        ASSERT_EQ(b.owner, m.owner) << p;
      }
      if (m.state != PageState::kHole) {
        ASSERT_EQ(b.zone, static_cast<uint32_t>(m.zone)) << p;
      }
      if (m.state == PageState::kFree) {
        // The stored free run: the model's run of free pages of the zone, cut at windows
        // (records stay merged, or the buddy walk would stop early).
        uint64_t lo = p, hi = p + 1;
        while (lo % 4096 != 0 && model[lo - 1].state == PageState::kFree &&
               model[lo - 1].zone == m.zone) {
          --lo;
        }
        while (hi % 4096 != 0 && model[hi].state == PageState::kFree && model[hi].zone == m.zone) {
          ++hi;
        }
        ASSERT_EQ(s.FreeRunAt(p), (std::pair<uint64_t, uint64_t>{lo, hi})) << p;
      }
    }
  };
  const OwnerType owners[] = {trace::OWNER_ANON, trace::OWNER_FILE, trace::OWNER_FREE};
  for (int step = 0; step < 3000; ++step) {
    uint64_t a = rng() % kPages;
    // Mostly a block inside one record; sometimes a longer range.
    const uint64_t len = rng() % 8 == 0 ? 1 + rng() % 6000 : uint64_t{1} << (rng() % 4);
    uint64_t b = std::min(kPages, a + len);
    if (rng() % 2 == 0) {
      // From the start or to the end of a run of equal pages (in the window), so that the
      // change touches a neighbouring record and may merge with it.
      auto same = [&](uint64_t x, uint64_t y) {
        return model[x].state == model[y].state && model[x].order == model[y].order &&
               model[x].owner == model[y].owner && model[x].zone == model[y].zone;
      };
      if (rng() % 2 == 0) {
        while (a % 4096 != 0 && same(a - 1, a)) --a;
        b = std::min(b, a + len);
      } else {
        b = a + 1;
        while (b % 4096 != 0 && b < a + 8 && same(b, a)) ++b;
      }
    }
    // Few distinct states, so that changes often merge with a neighbour.
    const int kind = static_cast<int>(rng() % 10);
    const PageState state = kind == 0  ? PageState::kUnknown
                            : kind < 5 ? PageState::kFree
                                       : PageState::kAllocated;
    const uint32_t order = kind == 9 ? static_cast<uint32_t>(rng() % 4) : 0;
    const OwnerType owner = kind == 9 ? owners[rng() % 3] : trace::OWNER_ANON;
    s.Assign(a, b, state, order, owner);
    for (uint64_t p = a; p < b; ++p) {
      if (model[p].state == PageState::kHole) continue;
      model[p].state = state;
      model[p].order = state == PageState::kAllocated ? order : 0;
      model[p].owner = state == PageState::kAllocated ? owner : trace::OWNER_UNKNOWN;
    }
    for (int k = 0; k < 3; ++k) s.Lookup(rng() % kPages);  // moves the hints
    // Spans inside one window, from a hint.
    const uint64_t q = rng() % kPages;
    const uint64_t t = std::min((q | 4095) + 1, q + 1 + rng() % 64);
    s.ForEachSpan(q, t, [&](const ExtentStore::Span& x) {
      for (uint64_t p = x.start_pfn; p < x.end_pfn; ++p) ASSERT_EQ(x.state, model[p].state) << p;
    });
    if (step % 100 == 99) {
      check_all();
      if (HasFatalFailure()) return;
    }
  }
  check_all();
}

}  // namespace
}  // namespace memsim::mm
