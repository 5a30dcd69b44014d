#include "sim/workload/numa_workload.h"

#include "gtest/gtest.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::CheckStream;
using testing::Generate;
using testing::MachineOf;
using testing::StreamStats;

WorkloadParams Small(double imbalance) {
  WorkloadParams p;
  p.node_mem_bytes = 64 << 20;
  p.cpus = 4;
  p.footprint_bytes = 16 << 20;
  p.imbalance = imbalance;
  p.thp_share = 0.25;
  p.events = 60000;
  return p;
}

TEST(NumaWorkload, MisplacedPagesMigrateToTheTasksNode) {
  auto out = Generate("numa", Small(0.5));
  StreamStats stats;
  MachineDesc m = MachineOf(Small(0.5));
  absl::Status s = CheckStream(m, out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(stats.count(trace::EVENT_MIGRATE), 1000u);
  EXPECT_EQ(stats.cross_node_migrations, stats.count(trace::EVENT_MIGRATE));
  EXPECT_EQ(stats.count(trace::EVENT_MIGRATE_BATCH), stats.count(trace::EVENT_MIGRATE));
  uint64_t thp_migrations = 0;
  for (size_t i = 0; i < out.events.size(); ++i) {
    const Event& e = out.events[i];
    if (e.kind != trace::EVENT_MIGRATE) continue;
    EXPECT_EQ(e.reason, trace::MR_NUMA_MISPLACED);
    // FAULT (hinting, present) -> ALLOC dst on the faulting CPU's node -> MIGRATE -> FREE src
    // -> MIGRATE_BATCH, as migrate_misplaced_folio() does it for one folio.
    ASSERT_GE(i, 2u);
    const Event& fault = out.events[i - 2];
    const Event& alloc = out.events[i - 1];
    ASSERT_EQ(fault.kind, trace::EVENT_FAULT);
    EXPECT_TRUE(fault.error_code & kPfProt);
    EXPECT_GE(fault.pfn, e.pfn);
    EXPECT_LT(fault.pfn, e.pfn + (uint64_t{1} << e.order));
    ASSERT_EQ(alloc.kind, trace::EVENT_ALLOC);
    EXPECT_EQ(alloc.pfn, e.end_pfn);
    EXPECT_EQ(m.NodeOfPfn(e.end_pfn), m.cpu_node[e.cpu]);
    EXPECT_NE(m.NodeOfPfn(e.pfn), m.cpu_node[e.cpu]);
    EXPECT_TRUE(alloc.gfp_flags & trace::GFP_BIT_THISNODE);
    EXPECT_EQ(alloc.gfp_flags, e.order ? gfp::kMisplacedDstThp : gfp::kMisplacedDst);
    const Event& batch = out.events[i + 2];
    ASSERT_EQ(batch.kind, trace::EVENT_MIGRATE_BATCH);
    EXPECT_EQ(batch.nr_succeeded, uint64_t{1} << e.order);
    EXPECT_EQ(batch.nr_thp_succeeded, e.order ? 1u : 0u);
    EXPECT_EQ(batch.mode, kMigrateAsync);
    EXPECT_EQ(batch.reason, trace::MR_NUMA_MISPLACED);
    if (e.order) ++thp_migrations;
  }
  EXPECT_GT(thp_migrations, 0u);
}

TEST(NumaWorkload, NoImbalanceNoMigrations) {
  // With --imbalance=0 no task ever leaves its memory's node: only local hinting faults
  // and churn.
  auto out = Generate("numa", Small(0.0));
  StreamStats stats;
  ASSERT_TRUE(CheckStream(MachineOf(Small(0)), out.runs, out.events, &stats).ok());
  EXPECT_EQ(stats.count(trace::EVENT_MIGRATE), 0u);
  EXPECT_EQ(stats.count(trace::EVENT_MIGRATE_BATCH), 0u);
  EXPECT_GT(stats.count(trace::EVENT_FAULT), 40000u);
}

TEST(NumaWorkload, SnapshotHoldsTheTasksMemory) {
  auto out = Generate("numa", Small(0.5));
  uint64_t used = 0;
  for (const SnapshotRun& r : out.runs) {
    if (r.owner != trace::OWNER_FREE) {
      EXPECT_EQ(r.owner, trace::OWNER_ANON);
      used += r.count;
    }
  }
  EXPECT_EQ(used, (16u << 20) / 4096);
}

TEST(NumaWorkload, BadParameters) {
  WorkloadParams p;
  p.nodes = 1;
  p.cpus = 4;
  EXPECT_EQ(NumaWorkload::Create(p).status().message(),
            "numa needs --nodes >= 2 to migrate between nodes, got 1");
  p = WorkloadParams();
  p.imbalance = -0.1;
  EXPECT_EQ(NumaWorkload::Create(p).status().message(), "--imbalance must be in [0, 1], got -0.1");
  p = WorkloadParams();
  p.footprint_bytes = uint64_t{4} << 30;
  EXPECT_NE(NumaWorkload::Create(p).status().message().find("must fit in 3/4 of one node"),
            std::string::npos);
}

}  // namespace
}  // namespace memsim::workload
