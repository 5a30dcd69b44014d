#include "sim/workload/fragment_workload.h"

#include "gtest/gtest.h"
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
  p.events = 60000;
  return p;
}

TEST(FragmentWorkload, ThpFaultsTriggerCompaction) {
  auto out = Generate("fragment", Small());
  StreamStats stats;
  MachineDesc m = MachineOf(Small());
  absl::Status s = CheckStream(m, out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(stats.compactions, 10u);
  EXPECT_GT(stats.migrate_scans, stats.compactions);
  EXPECT_GT(stats.free_scans, 0u);
  EXPECT_GT(stats.compaction_migrations, 100u);
  EXPECT_EQ(stats.compaction_migrations, stats.count(trace::EVENT_MIGRATE));
  EXPECT_EQ(stats.cross_node_migrations, 0u);  // compaction stays inside its zone

  // Every compaction: begin, scans inside the zone, end with COMPACT_SUCCESS or _COMPLETE;
  // a success is followed by the THP fault and its order-9 allocation on that node.
  uint64_t successes = 0;
  for (size_t i = 0; i < out.events.size(); ++i) {
    const Event& e = out.events[i];
    if (e.kind == trace::EVENT_COMPACTION_SCAN) {
      const NodeDesc& n = m.nodes[m.NodeOfPfn(e.pfn)];
      EXPECT_LE(e.end_pfn, n.end_pfn);
      EXPECT_EQ(e.end_pfn - e.pfn, e.nr_scanned);
      EXPECT_LE(e.nr_taken, e.nr_scanned);
    }
    if (e.kind != trace::EVENT_COMPACTION || !e.compaction_end) continue;
    EXPECT_TRUE(e.status == kCompactSuccess || e.status == kCompactComplete) << e.status;
    EXPECT_FALSE(e.sync);
    if (e.status != kCompactSuccess || i + 2 >= out.events.size()) continue;
    ++successes;
    EXPECT_EQ(out.events[i + 1].kind, trace::EVENT_FAULT);
    EXPECT_EQ(out.events[i + 2].kind, trace::EVENT_ALLOC);
    EXPECT_EQ(out.events[i + 2].order, 9u);
    EXPECT_EQ(m.NodeOfPfn(out.events[i + 2].pfn), m.NodeOfPfn(e.zone_start));
  }
  EXPECT_GT(successes, 0u);
}

TEST(FragmentWorkload, MigrateScannerRisesFreeScannerFalls) {
  auto out = Generate("fragment", Small());
  uint64_t begin_migrate = 0, begin_free = 0;
  for (const Event& e : out.events) {
    if (e.kind == trace::EVENT_COMPACTION && !e.compaction_end) {
      begin_migrate = e.migrate_pfn;
      begin_free = e.free_pfn;
      EXPECT_LT(e.migrate_pfn, e.free_pfn);
    }
    if (e.kind == trace::EVENT_COMPACTION_SCAN) {
      if (e.scanner == trace::SCANNER_MIGRATE) {
        EXPECT_GE(e.pfn, begin_migrate);
      }
      if (e.scanner == trace::SCANNER_FREE) {
        EXPECT_LE(e.pfn & ~uint64_t{511}, begin_free);
      }
    }
  }
}

TEST(FragmentWorkload, SnapshotIsFragmented) {
  auto out = Generate("fragment", Small());
  uint64_t used = 0, free_order0 = 0, unmovable = 0;
  for (const SnapshotRun& r : out.runs) {
    if (r.owner == trace::OWNER_FREE) {
      if (r.order == 0) free_order0 += r.count;
    } else {
      used += r.count;
      if (r.owner == trace::OWNER_KERNEL) unmovable += r.count;
    }
  }
  const uint64_t pages = 2 * (64u << 20) / 4096;
  // 90% filled, then half of the movable part freed again: about 0.9 * (0.03 + 0.97 / 2).
  EXPECT_NEAR(static_cast<double>(used) / pages, 0.9 * (0.03 + 0.97 * 0.5), 0.01);
  EXPECT_NEAR(static_cast<double>(unmovable) / pages, 0.9 * 0.03, 0.005);
  EXPECT_GT(free_order0, pages / 20);  // holes of single pages everywhere
}

TEST(FragmentWorkload, BadParameters) {
  WorkloadParams p;
  p.fill = 1.5;
  EXPECT_EQ(FragmentWorkload::Create(p).status().message(), "--fill must be in [0, 0.98], got 1.5");
  p = WorkloadParams();
  p.fragmentation = -1;
  EXPECT_EQ(FragmentWorkload::Create(p).status().message(),
            "--fragmentation must be in [0, 1], got -1");
  p = WorkloadParams();
  p.footprint_bytes = 1 << 20;
  EXPECT_EQ(FragmentWorkload::Create(p).status().code(), absl::StatusCode::kInvalidArgument);
  p = WorkloadParams();
  p.node_mem_bytes = 8 << 20;
  EXPECT_NE(FragmentWorkload::Create(p).status().message().find("at least 16MiB"),
            std::string::npos);
}

}  // namespace
}  // namespace memsim::workload
