// The tiering workload (sim/workload/tiering_workload.h): its starting state derived by hand,
// and the shape of every demotion and promotion.
#include "sim/workload/tiering_workload.h"

#include <map>

#include "gtest/gtest.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::Generate;

// Two 64 MiB DRAM nodes (CPUs 0-1 on node 0, 2-3 on node 1) and a 64 MiB CXL node 2 at pfn
// 32768; 16 MiB of footprint = 4096 pages, 1024 per task, no THPs.
WorkloadParams Small() {
  WorkloadParams p;
  p.nodes = 2;
  p.node_mem_bytes = 64 << 20;
  p.cpus = 4;
  p.cxl_mem_bytes = 64 << 20;
  p.footprint_bytes = 16 << 20;
  p.hot_share = 0.2;
  p.demote_watermark = 0.5;
  p.thp_share = 0;
  p.events = 20000;
  return p;
}

TEST(TieringWorkload, StartsWithColdPagesOnTheCxlNode) {
  const auto out = Generate("tiering", Small());
  // Per task 204 hot pages (0.2 x 1024) on its node; a node may hold 0.5 x 2048 = 1024 of
  // its two tasks' pages, so 1024 - 408 = 616 cold ones join them; the other 1024 cold
  // pages of each node's tasks start on the CXL node. Only allocated memory is described.
  std::map<int, uint64_t> pages;  // node -> allocated pages in the snapshot
  for (const SnapshotRun& r : out.runs) {
    EXPECT_EQ(r.owner, trace::OWNER_ANON);
    pages[r.start_pfn < 16384 ? 0 : r.start_pfn < 32768 ? 1 : 2] += r.count;
  }
  EXPECT_EQ(pages[0], 1024u);
  EXPECT_EQ(pages[1], 1024u);
  EXPECT_EQ(pages[2], 2048u);
}

TEST(TieringWorkload, DemotesToCxlAndPromotesBack) {
  const auto out = Generate("tiering", Small());
  auto node_of = [](uint64_t pfn) { return pfn < 16384 ? 0u : pfn < 32768 ? 1u : 2u; };
  uint64_t demotions = 0, promotions = 0, batch_pages = 0, batched = 0;
  for (size_t i = 0; i < out.events.size(); ++i) {
    const Event& e = out.events[i];
    if (e.kind == trace::EVENT_MIGRATE_BATCH) {
      EXPECT_EQ(e.nr_succeeded, batch_pages) << i;
      EXPECT_LE(e.nr_succeeded, 32u);
      EXPECT_EQ(e.mode, kMigrateAsync);
      batched += e.nr_succeeded;
      batch_pages = 0;
      continue;
    }
    if (e.kind != trace::EVENT_MIGRATE) continue;
    ASSERT_GE(i, 1u);
    ASSERT_LT(i + 1, out.events.size());
    const Event& alloc = out.events[i - 1];
    const Event& free = out.events[i + 1];
    ASSERT_EQ(alloc.kind, trace::EVENT_ALLOC);
    EXPECT_EQ(alloc.pfn, e.end_pfn);
    ASSERT_EQ(free.kind, trace::EVENT_FREE);
    EXPECT_EQ(free.pfn, e.pfn);
    ++batch_pages;
    if (e.reason == trace::MR_DEMOTION) {
      // kswapd of the source node, on one of its CPUs, to the CXL node.
      ++demotions;
      EXPECT_EQ(node_of(e.end_pfn), 2u);
      EXPECT_EQ(node_of(e.pfn), e.cpu / 2);
      EXPECT_EQ(alloc.gfp_flags, (gfp::kHighUserMovable & ~gfp::kReclaim) | trace::GFP_BIT_NOWARN |
                                     trace::GFP_BIT_NOMEMALLOC | trace::GFP_BIT_KSWAPD_RECLAIM |
                                     trace::GFP_BIT_THISNODE);
    } else {
      // A hinting fault on the CXL page, then migrate_misplaced_folio() to the CPU's node.
      ASSERT_EQ(e.reason, trace::MR_NUMA_MISPLACED);
      ++promotions;
      EXPECT_EQ(node_of(e.pfn), 2u);
      EXPECT_EQ(node_of(e.end_pfn), e.cpu / 2);
      EXPECT_EQ(alloc.gfp_flags, gfp::kMisplacedDst);
      ASSERT_GE(i, 2u);
      const Event& fault = out.events[i - 2];
      ASSERT_EQ(fault.kind, trace::EVENT_FAULT);
      EXPECT_TRUE(fault.error_code & kPfProt);
      EXPECT_EQ(fault.pfn, e.pfn);
    }
  }
  EXPECT_GT(demotions, 100u);
  EXPECT_GT(promotions, 100u);
  EXPECT_EQ(batched, demotions + promotions);
}

TEST(TieringWorkload, SameSeedSameTrace) {
  const auto a = Generate("tiering", Small());
  const auto b = Generate("tiering", Small());
  WorkloadParams other = Small();
  other.seed = 2;
  const auto c = Generate("tiering", other);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) ASSERT_EQ(a.events[i], b.events[i]) << i;
  EXPECT_EQ(a.runs, b.runs);
  bool differs = a.events.size() != c.events.size();
  for (size_t i = 0; !differs && i < a.events.size(); ++i) differs = !(a.events[i] == c.events[i]);
  EXPECT_TRUE(differs);
}

TEST(TieringWorkload, RejectsBadParameters) {
  WorkloadRegistry registry;
  RegisterBuiltinWorkloads(registry);
  WorkloadParams p = Small();
  p.cxl_mem_bytes = 0;
  auto w = registry.Create("tiering", p);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find("tiering needs --cxl_mem"), std::string::npos);
  p = Small();
  p.demote_watermark = 0.1;
  w = registry.Create("tiering", p);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("--demote_watermark (0.1) must be above --hot_share (0.2)"),
            std::string::npos)
      << w.status();
  p = Small();
  p.footprint_bytes = uint64_t{100} << 20;  // 50 MiB cold > 3/4 of the 64 MiB CXL node
  w = registry.Create("tiering", p);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("--footprint (100MiB) must fit"), std::string::npos)
      << w.status();
}

}  // namespace
}  // namespace memsim::workload
