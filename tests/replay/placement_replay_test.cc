// The default placement end to end on tiny-2s (1 core per socket, 1 GiB per node; timings
// in replayer_test.cc): a one-node recording stays on socket 0, a two-node recording keeps
// its nodes, replicate runs one copy per node.
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::CounterOf;
using testing::Fault;
using testing::KindOf;
using testing::Replay;
using testing::Scan;
using testing::WriteNodesTrace;
using testing::WriteTrace;

constexpr uint64_t kNodePages = 262144;  // tiny-2s: 1 GiB per node; node 1 from pfn 262144

// page64, the faults of Replayer.Page64FaultsHandComputed (pfn 100: cpu0, cpu0, cpu1) on a
// one-node recording of 256 MiB under the default placement. Both trace CPUs belong to the
// recording's only node, which goes to machine node 0, so both run on node 0's only core:
//   1. read misses everywhere -> DRAM local 100, 2 atomics hit L1: 108 ns;
//   2. and 3. three L1 hits each: 12 ns.
// Under proportional/spread the third fault ran on socket 1: a HITM (404 ns).
TEST(PlacementReplay, OneNodeRecordingUnderTheDefaultStaysLocal) {
  const std::string trace =
      WriteTrace("one-node", {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0}},
                 {Fault(1000, 0, 100), Fault(2000, 0, 100), Fault(3000, 1, 100)},
                 /*pages=*/65536, /*cpus=*/2);
  Replay replay(trace, "page64");
  replay.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  EXPECT_EQ(f.count(), 3u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 108 + 12 + 12);
  EXPECT_EQ(r.total().llc_misses(), 1u);
  EXPECT_EQ(r.total().dram_local(), 1u);
  EXPECT_EQ(r.total().dram_remote(), 0u);
  EXPECT_EQ(r.total().coherence_transfers(), 0u);
  EXPECT_EQ(r.total().remote_invalidations(), 0u);
  EXPECT_DOUBLE_EQ(r.simulated_time_ns(), 2012);
  EXPECT_EQ(r.run().placement(), "kernel");
  EXPECT_EQ(r.run().pfn_mapping(), "pack");
  EXPECT_EQ(r.run().cpu_mapping(), "node");
  EXPECT_EQ(r.run().placement_detail(),
            "pack, cpus node (kcompactd rule): trace node 0 pfn 0x0-0x10000 -> node 0 pfn 0x0, "
            "2 trace CPUs -> cores 0-0");
  unlink(trace.c_str());
}

// A two-node recording (65536 pages per node, CPU 0 on node 0, CPU 1 on node 1) keeps its
// nodes: trace pfn 65536 + 100 is machine pfn 262144 + 100, and CPU 1 runs on core 1
// (socket 1). Each CPU faults a page of its own node once: one local DRAM read each, 108 ns.
// CPU 0 then scans trace node 1's first 64 pages: the scan runs on core 1 (kcompactd), so
// every line it misses comes from node 1's DRAM, local to core 1.
TEST(PlacementReplay, MultiNodeRecordingKeepsItsNodes) {
  const std::string trace = WriteNodesTrace(
      "two-nodes",
      {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0},
       SnapshotRun{65536, 64, trace::OWNER_ANON, 0, 0}},
      {Fault(1000, 0, 100), Fault(2000, 1, 65536 + 10), Scan(3000, 0, 65536, 65536 + 64)},
      /*nodes=*/2, /*pages_per_node=*/65536, /*cpus=*/2);
  Replay replay(trace, "page64");
  replay.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  EXPECT_EQ(r.run().pfn_mapping(), "nodes");
  const auto& f = KindOf(r, "fault");
  EXPECT_EQ(f.count(), 2u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 108 + 108);
  EXPECT_EQ(f.accesses().dram_local(), 2u);
  EXPECT_EQ(f.accesses().dram_remote(), 0u);
  const auto& s = KindOf(r, "compaction_scan");
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.pages(), 64u);
  EXPECT_EQ(s.accesses().dram_remote(), 0u);
  EXPECT_EQ(s.accesses().dram_local(), s.accesses().llc_misses());
  EXPECT_EQ(r.total().coherence_transfers(), 0u);
  EXPECT_EQ(CounterOf(r.counters(), "unmapped_pfn_events"), 0u);
  unlink(trace.c_str());
}

// replicate on tiny-2s: two copies, copy 0 on node 0 / core 0, copy 1 on node 1 / core 1,
// each replaying the three faults (108 + 12 + 12 ns) on its own memory.
TEST(PlacementReplay, ReplicateRunsOneCopyPerNode) {
  const std::string trace =
      WriteTrace("replicate", {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0}},
                 {Fault(1000, 0, 100), Fault(2000, 0, 100), Fault(3000, 1, 100)},
                 /*pages=*/65536, /*cpus=*/2);
  Replay replay(trace, "page64");
  replay.job.options.pfn_placement = replay::PfnPlacement::kReplicate;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  EXPECT_EQ(r.num_events(), 6u);
  const auto& f = KindOf(r, "fault");
  EXPECT_EQ(f.count(), 6u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 2 * (108 + 12 + 12));
  EXPECT_EQ(r.total().dram_local(), 2u);
  EXPECT_EQ(r.total().dram_remote(), 0u);
  EXPECT_EQ(r.total().coherence_transfers(), 0u);
  EXPECT_DOUBLE_EQ(r.simulated_time_ns(), 2012);
  EXPECT_EQ(r.run().pfn_mapping(), "replicate");
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
