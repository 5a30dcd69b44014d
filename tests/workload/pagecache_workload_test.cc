#include "sim/workload/pagecache_workload.h"

#include "gtest/gtest.h"
#include "sim/workload/gfp.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::CheckStream;
using testing::Generate;
using testing::MachineOf;
using testing::StreamStats;

WorkloadParams Tiny(uint64_t events) {
  WorkloadParams p;
  p.nodes = 1;
  p.node_mem_bytes = 4 << 20;
  p.cpus = 1;
  p.footprint_bytes = 1 << 20;  // cache limit: 256 pages
  p.file_size_bytes = 1 << 20;
  p.events = events;
  return p;
}

TEST(PagecacheWorkload, ExactCountsWithReclaim) {
  // 8 readahead windows of 32 pages fill the 256-page limit (256 events); from then on each
  // window first reclaims one SWAP_CLUSTER_MAX batch (32 frees) then reads 32 pages. The
  // target 400 is passed after 3 more windows: 256 + 3 * 64 = 448 events.
  auto out = Generate("pagecache", Tiny(400));
  StreamStats stats;
  absl::Status s = CheckStream(MachineOf(Tiny(1)), out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out.events.size(), 448u);
  EXPECT_EQ(stats.count(trace::EVENT_ALLOC), 352u);
  EXPECT_EQ(stats.count(trace::EVENT_FREE), 96u);
  EXPECT_EQ(stats.live_pages_at_end, 256u);
  for (uint64_t i = 0; i < 256; ++i) {  // lowest first: pfns 0..255 in order
    ASSERT_EQ(out.events[i].kind, trace::EVENT_ALLOC);
    EXPECT_EQ(out.events[i].pfn, i);
  }
  const Event& a = out.events[0];
  EXPECT_EQ(a.owner, trace::OWNER_FILE);
  EXPECT_EQ(a.migratetype, 1);
  EXPECT_EQ(a.gfp_flags, gfp::kReadahead);
  for (uint64_t i = 0; i < 32; ++i) {  // kswapd evicts the oldest pages first, batched
    const Event& f = out.events[256 + i];
    ASSERT_EQ(f.kind, trace::EVENT_FREE);
    EXPECT_EQ(f.pfn, i);
    EXPECT_TRUE(f.batched);
  }
}

TEST(PagecacheWorkload, LargeFoliosAreCompound) {
  WorkloadParams p = Tiny(1000);
  p.folio_order = 2;
  auto out = Generate("pagecache", p);
  StreamStats stats;
  absl::Status s = CheckStream(MachineOf(p), out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  for (const Event& e : out.events) {
    EXPECT_EQ(e.order, 2u);
    if (e.kind == trace::EVENT_ALLOC) {
      EXPECT_EQ(e.gfp_flags, gfp::kReadahead | trace::GFP_BIT_COMP);
    }
    if (e.kind == trace::EVENT_FREE) {
      EXPECT_FALSE(e.batched);
    }
  }
  // 8 folios per window; 64 folios fill the limit; then 8 frees + 8 allocs per window.
  EXPECT_EQ(stats.count(trace::EVENT_ALLOC), 64u + (1000 - 64 + 15) / 16 * 8);
}

TEST(PagecacheWorkload, AllocatesOnTheReadersNode) {
  WorkloadParams p;
  p.node_mem_bytes = 64 << 20;
  p.cpus = 4;
  p.footprint_bytes = 32 << 20;
  p.file_size_bytes = 8 << 20;
  p.events = 50000;
  auto out = Generate("pagecache", p);
  StreamStats stats;
  absl::Status s = CheckStream(MachineOf(p), out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  MachineDesc m = MachineOf(p);
  for (const Event& e : out.events) {
    EXPECT_EQ(m.NodeOfPfn(e.pfn), m.cpu_node[e.cpu]);  // kswapd frees on its own node too
  }
  EXPECT_EQ(stats.live_pages_at_end, (32u << 20) / 4096);  // both nodes at their limit
}

TEST(PagecacheWorkload, BadParameters) {
  WorkloadParams p;
  p.folio_order = 10;
  EXPECT_EQ(PagecacheWorkload::Create(p).status().message(),
            "--folio_order must be in [0, 9], got 10");
  p = WorkloadParams();
  p.file_size_bytes = 0;
  EXPECT_EQ(PagecacheWorkload::Create(p).status().message(), "--file_size must be positive");
  p = WorkloadParams();
  p.folio_order = 4;
  p.file_size_bytes = 4096 * 17;
  EXPECT_NE(PagecacheWorkload::Create(p).status().message().find(
                "must be a multiple of the folio size (64KiB for --folio_order=4)"),
            std::string::npos);
  p = WorkloadParams();
  p.footprint_bytes = 64 << 10;
  auto w = PagecacheWorkload::Create(p);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find("--footprint (the page-cache limit, 64KiB)"),
            std::string::npos);
}

}  // namespace
}  // namespace memsim::workload
