// The default placement end to end on tiny-2s (1 core per socket, 1 GiB per node; timings
// in replayer_test.cc): a one-node recording stays on socket 0, a two-node recording keeps
// its nodes, replicate runs one copy per node.
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::CounterOf;
using testing::Fault;
using testing::KindOf;
using testing::Migrate;
using testing::Replay;
using testing::Scan;
using testing::WriteNodesTrace;
using testing::WriteTrace;

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

// WriteNodesTrace with the recording's CPU -> node map (TraceHeader.cpu_node, node ids).
std::string WriteMappedTrace(const std::string& name, const std::vector<SnapshotRun>& runs,
                             const std::vector<Event>& events, uint32_t nodes,
                             uint64_t pages_per_node, const std::vector<int32_t>& cpu_node) {
  const std::string path = testing::TestTracePath(name);
  auto w = TraceWriter::Create(path);
  EXPECT_TRUE(w.ok());
  auto* h = (*w)->mutable_header();
  h->set_source("test");
  h->set_num_cpus(static_cast<uint32_t>(cpu_node.size()));
  for (uint32_t i = 0; i < nodes; ++i) {
    auto* n = h->add_nodes();
    n->set_node_id(i);
    n->set_start_pfn(i * pages_per_node);
    n->set_end_pfn((i + 1) * pages_per_node);
  }
  for (int32_t n : cpu_node) h->add_cpu_node(n);
  for (const auto& r : runs) EXPECT_TRUE((*w)->AddSnapshotRun(r).ok());
  for (const auto& e : events) EXPECT_TRUE((*w)->Add(e).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return path;
}

// The recording's CPU -> node map, not contiguous numbering: CPU 0 on trace node 1, CPU 1
// on trace node 0 (the contiguous rule would say the opposite). CPU 0 faults a page of node
// 1 and runs on core 1: one local DRAM read (108 ns, as in MultiNodeRecordingKeepsItsNodes).
// Without the map the same fault runs on core 0 and reads node 1's struct page remotely, and
// the result carries the contiguous-numbering warning.
TEST(PlacementReplay, CpuNodeMapFromTheTraceReplacesContiguousNumbering) {
  const std::vector<SnapshotRun> runs = {SnapshotRun{65536 + 10, 1, trace::OWNER_ANON, 0, 0}};
  const std::vector<Event> events = {Fault(1000, 0, 65536 + 10)};
  const std::string mapped = WriteMappedTrace("mapped", runs, events, 2, 65536, {1, 0});
  Replay replay(mapped, "page64");
  replay.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  EXPECT_EQ(f.accesses().dram_local(), 1u);
  EXPECT_EQ(f.accesses().dram_remote(), 0u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 108);
  EXPECT_NE(r.run().placement_detail().find("CPU -> node map from the trace"), std::string::npos)
      << r.run().placement_detail();
  EXPECT_EQ(r.warnings_size(), 0);
  unlink(mapped.c_str());

  const std::string unmapped = WriteMappedTrace("unmapped", runs, events, 2, 65536, {});
  Replay fallback(unmapped, "page64");
  fallback.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  fallback.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result u = fallback.Run();
  EXPECT_EQ(KindOf(u, "fault").accesses().dram_remote(), 1u);
  ASSERT_EQ(u.warnings_size(), 1);
  EXPECT_NE(u.warnings(0).find("contiguous CPU numbering assumed"), std::string::npos)
      << u.warnings(0);
  unlink(unmapped.c_str());
}

// The kcompactd rule for compaction migrations: CPU 0 (trace node 0) migrates a page within
// trace node 1 for compaction; the migration runs on core 1, so its struct page accesses
// are local to node 1 and the copy stays on node 1 (no interconnect bytes). A NUMA-balancing
// migration by the same CPU stays on CPU 0's core.
TEST(PlacementReplay, CompactionMigrationRunsOnTheCompactedNode) {
  Event compaction = Migrate(2000, 0, 65536 + 10, 65536 + 20, 0);
  compaction.reason = trace::MR_COMPACTION;
  const std::string trace =
      WriteMappedTrace("compaction-migrate", {SnapshotRun{65536 + 10, 1, trace::OWNER_ANON, 0, 0}},
                       {compaction}, 2, 65536, {0, 1});
  Replay replay(trace, "page64");
  replay.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  const auto& m = KindOf(r, "migrate");
  EXPECT_EQ(m.count(), 1u);
  EXPECT_EQ(m.copy_bytes(), 4096u);
  EXPECT_GT(m.accesses().dram_local(), 0u);
  EXPECT_EQ(m.accesses().dram_remote(), 0u);
  ASSERT_EQ(r.interconnect_size(), 1);
  EXPECT_EQ(r.interconnect(0).bytes(), 0u);
  unlink(trace.c_str());
}

// Demotion to a CPU-less tier (issue 14): a two-node recording whose CPUs are all on node 0
// has a memory-only node 1, which the default placement puts on the machine's CXL node
// (genoa-2s-epyc9224-nps2-cxl: node 4, CPU-less, socket 0). The imported demotion is the
// destination's traced allocation, then the migration, then the source's free
// (migration_inference.h): the destination is found allocated as it should (no
// contradiction), the descriptor moves to node 4, and 4 KiB are copied node 0 -> node 4
// (same socket: no xGMI bytes).
TEST(PlacementReplay, DemotionToACpuLessNodeMovesTheDescriptorAndCopies) {
  const uint64_t src = 100, dst = 65536 + 100;
  Event demote = Migrate(2000, 0, src, dst, 0);
  demote.reason = trace::MR_DEMOTION;
  Event free_src;
  free_src.kind = trace::EVENT_FREE;
  free_src.time_ns = 2000;
  free_src.cpu = 0;
  free_src.pfn = src;
  const std::string trace = WriteMappedTrace(
      "demotion", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
      {Alloc(1000, 0, dst, 0, trace::OWNER_ANON), demote, free_src}, 2, 65536, {0, 0});
  Replay replay(trace, "memdesc");
  replay.job.machine_path =
      std::string(MEMSIM_SOURCE_DIR) + "/configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto";
  auto machine = hw::LoadMachine(replay.job.machine_path);
  ASSERT_TRUE(machine.ok()) << machine.status();
  replay.job.machine = *machine;
  replay.topology = std::make_unique<hw::MachineTopology>(replay.job.machine);
  replay.copier = replay::NewAnalyticCopier(*replay.topology);
  replay.job.options.pfn_placement = replay::PfnPlacement::kKernel;
  replay.job.options.cpu_placement = replay::CpuPlacement::kAuto;
  result::Result r = replay.Run();
  EXPECT_NE(r.run().placement_detail().find("trace node 1 pfn 0x10000-0x20000 -> node 4"),
            std::string::npos)
      << r.run().placement_detail();
  const auto& m = KindOf(r, "migrate");
  EXPECT_EQ(m.count(), 1u);
  EXPECT_EQ(m.pages(), 1u);
  EXPECT_EQ(m.copy_bytes(), 4096u);
  // The destination's metadata lives on node 4: its traced allocation misses to CXL memory
  // (remote from core 0's node); the migration then finds those lines in core 0's caches and
  // misses only on the source side, in node 0.
  EXPECT_GT(KindOf(r, "alloc").accesses().dram_remote(), 0u);
  EXPECT_EQ(m.accesses().dram_remote(), 0u);
  EXPECT_GT(m.accesses().dram_local(), 0u);
  EXPECT_EQ(CounterOf(r.inconsistencies(), "migrate_dst_conflict"), 0u);
  EXPECT_EQ(CounterOf(r.inconsistencies(), "migrate_src_not_allocated"), 0u);
  EXPECT_EQ(r.coverage().contradictions(), 0u);
  for (const auto& l : r.interconnect()) EXPECT_EQ(l.bytes(), 0u) << l.link();
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
