#include "sim/workload/slab_workload.h"

#include <set>

#include "gtest/gtest.h"
#include "sim/workload/gfp.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::CheckStream;
using testing::Generate;
using testing::MachineOf;
using testing::StreamStats;

WorkloadParams Small() {
  WorkloadParams p;
  p.node_mem_bytes = 64 << 20;
  p.cpus = 4;
  p.footprint_bytes = 8 << 20;
  p.events = 60000;
  return p;
}

TEST(SlabWorkload, SlabPagesChurnConsistently) {
  auto out = Generate("slab", Small());
  StreamStats stats;
  absl::Status s = CheckStream(MachineOf(Small()), out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out.events.size(), 60000u);               // every action emits at most one event
  EXPECT_GT(stats.count(trace::EVENT_FREE), 10000u);  // churn, not just growth
  std::set<uint32_t> orders;
  for (const SlabCacheDesc& c : SlabWorkload::Caches()) orders.insert(c.order);
  for (const Event& e : out.events) {
    EXPECT_TRUE(orders.count(e.order)) << DebugString(e);
    if (e.kind != trace::EVENT_ALLOC) continue;
    EXPECT_EQ(e.owner, trace::OWNER_SLAB);
    const bool reclaimable = e.gfp_flags & trace::GFP_BIT_RECLAIMABLE;
    EXPECT_EQ(e.migratetype, reclaimable ? 2 : 0);
    EXPECT_EQ((e.gfp_flags & gfp::kKernel), gfp::kKernel);
    EXPECT_EQ(e.order > 0, (e.gfp_flags & gfp::kSlabHighOrderExtra) == gfp::kSlabHighOrderExtra);
  }
  // Unmovable allocations are placed from the top of each node.
  MachineDesc m = MachineOf(Small());
  const Event* first = nullptr;
  for (const Event& e : out.events) {
    if (e.kind == trace::EVENT_ALLOC) {
      first = &e;
      break;
    }
  }
  ASSERT_NE(first, nullptr);
  const NodeDesc& node = m.nodes[m.NodeOfPfn(first->pfn)];
  EXPECT_EQ(first->pfn + (uint64_t{1} << first->order), node.end_pfn);
}

TEST(SlabWorkload, OldestFirstFreesEmptyWholeSlabs) {
  // With only oldest-first frees, slabs empty in the order they filled, so far fewer stay
  // partially used: live slab memory at the end is closer to the footprint.
  WorkloadParams fifo = Small();
  fifo.slab_random_free = 0.0;
  WorkloadParams random = Small();
  random.slab_random_free = 1.0;
  StreamStats a, b;
  auto out_a = Generate("slab", fifo);
  auto out_b = Generate("slab", random);
  ASSERT_TRUE(CheckStream(MachineOf(fifo), out_a.runs, out_a.events, &a).ok());
  ASSERT_TRUE(CheckStream(MachineOf(random), out_b.runs, out_b.events, &b).ok());
  EXPECT_LT(a.live_pages_at_end, b.live_pages_at_end);
}

TEST(SlabWorkload, BadParameters) {
  WorkloadParams p;
  p.slab_random_free = 2;
  EXPECT_EQ(SlabWorkload::Create(p).status().message(),
            "--slab_random_free must be in [0, 1], got 2");
  p = WorkloadParams();
  p.footprint_bytes = uint64_t{5} << 30;
  EXPECT_NE(SlabWorkload::Create(p).status().message().find(
                "--footprint (5GiB) must be at most half the machine's memory for slab (4GiB)"),
            std::string::npos);
}

}  // namespace
}  // namespace memsim::workload
