// events[].latency_sources and Result.latency_sources (docs/results.md, "Where the latency
// goes") on tiny traces computed by hand on tiny-2s (1 core per socket, 1 GHz: L1 4 ns;
// DRAM 100 ns local, 200 ns remote; HITM = the matrix entry to the owner socket's node;
// no timing model, so each line's latency goes to its source), and their CSV columns.
#include <unistd.h>

#include <string>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/report/result_format.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::Fault;
using testing::KindOf;
using testing::Migrate;
using testing::Replay;
using testing::WriteTrace;

constexpr uint64_t kNode1 = 262144;  // first pfn of node 1 (the trace spread over both)

double Sum(const result::LatencySources& s) {
  return s.l1_ns() + s.l2_ns() + s.llc_ns() + s.dram_local_ns() + s.dram_remote_node_ns() +
         s.dram_remote_socket_ns() + s.dram_cpu_less_ns() + s.coherence_ns() + s.compute_ns() +
         s.copy_ns();
}

// page64 faults (a fault reads the struct page's line and does two atomics on it):
//   1. cpu0 (core 0, socket 0), pfn 100 on node 0: local DRAM 100, L1 4 + 4.
//   2. cpu0 again: L1 3 x 4.
//   3. cpu1 (socket 1): the line is modified in socket 0: HITM 200 (coherence); the first
//      atomic hits its L1 but waits 200 for socket 0's copy to be invalidated (coherence);
//      the second 4 (L1).
//   4. cpu0, pfn on node 1 (its struct page is on node 1): remote socket 200, L1 4 + 4.
std::string FaultTrace(const std::string& name) {
  return WriteTrace(name,
                    {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0},
                     SnapshotRun{kNode1 + 200, 1, trace::OWNER_ANON, 0, 0}},
                    {Fault(1000, 0, 100), Fault(2000, 0, 100), Fault(3000, 1, 100),
                     Fault(4000, 0, kNode1 + 200)});
}

TEST(LatencySources, FaultsSplitIntoLocalRemoteCoherenceAndCache) {
  const std::string trace = FaultTrace("sources-faults");
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 108 + 12 + 404 + 208);
  const result::LatencySources& s = f.latency_sources();
  EXPECT_DOUBLE_EQ(s.l1_ns(), 8 + 12 + 4 + 8);
  EXPECT_DOUBLE_EQ(s.l2_ns(), 0);
  EXPECT_DOUBLE_EQ(s.llc_ns(), 0);
  EXPECT_DOUBLE_EQ(s.dram_local_ns(), 100);
  EXPECT_DOUBLE_EQ(s.dram_remote_node_ns(), 0);
  EXPECT_DOUBLE_EQ(s.dram_remote_socket_ns(), 200);
  EXPECT_DOUBLE_EQ(s.dram_cpu_less_ns(), 0);
  EXPECT_DOUBLE_EQ(s.coherence_ns(), 400);
  EXPECT_DOUBLE_EQ(s.compute_ns(), 0);
  EXPECT_DOUBLE_EQ(s.copy_ns(), 0);
  EXPECT_DOUBLE_EQ(Sum(s), f.latency().total_ns());
  // Only faults ran: the total is theirs.
  EXPECT_DOUBLE_EQ(r.latency_sources().coherence_ns(), 400);
  EXPECT_DOUBLE_EQ(Sum(r.latency_sources()), 732);
  unlink(trace.c_str());
}

// The same faults on tiny-2s with a timing model of 50 cycles (50 ns) of non-memory work
// per operation and one outstanding miss (serial): the memory parts stay, compute is 4 x 50.
TEST(LatencySources, NonMemoryWorkIsCompute) {
  const std::string trace = FaultTrace("sources-compute");
  Replay replay(trace, "page64");
  replay.job.machine.mutable_timing()->set_cycles_per_operation(50);
  replay.topology = std::make_unique<hw::MachineTopology>(replay.job.machine);
  replay.copier = replay::NewAnalyticCopier(*replay.topology);
  const result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 732 + 4 * 50);
  EXPECT_DOUBLE_EQ(f.latency_sources().compute_ns(), 200);
  EXPECT_DOUBLE_EQ(f.latency_sources().coherence_ns(), 400);
  EXPECT_DOUBLE_EQ(f.latency_sources().dram_remote_socket_ns(), 200);
  EXPECT_DOUBLE_EQ(f.latency_sources().dram_local_ns(), 100);
  EXPECT_DOUBLE_EQ(f.latency_sources().l1_ns(), 32);
  unlink(trace.c_str());
}

// A migration node 0 -> node 1 (Replayer.MigrationChargesTheDataCopy): metadata 112 ns
// (source struct page from local DRAM 100, three L1 hits 12) and the copy, 609.6 ns.
TEST(LatencySources, MigrationCopyIsCopy) {
  const uint64_t src = 100, dst = kNode1 + 100;
  const std::string trace =
      WriteTrace("sources-migrate", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
                 {Alloc(1000, 0, dst, 0, trace::OWNER_ANON), Migrate(2000, 0, src, dst, 0)});
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  const auto& m = KindOf(r, "migrate");
  EXPECT_DOUBLE_EQ(m.latency_sources().dram_local_ns(), 100);
  EXPECT_DOUBLE_EQ(m.latency_sources().l1_ns(), 12);
  EXPECT_DOUBLE_EQ(m.latency_sources().copy_ns(), 609.6);
  EXPECT_DOUBLE_EQ(Sum(m.latency_sources()), m.latency().total_ns());
  const auto& a = KindOf(r, "alloc");
  EXPECT_GT(a.latency().total_ns(), 0);
  EXPECT_DOUBLE_EQ(Sum(a.latency_sources()), a.latency().total_ns());
  EXPECT_DOUBLE_EQ(r.latency_sources().copy_ns(), 609.6);
  EXPECT_DOUBLE_EQ(Sum(r.latency_sources()), a.latency().total_ns() + m.latency().total_ns());
  unlink(trace.c_str());
}

// The CSV carries them exactly, after every older column.
TEST(LatencySources, CsvColumnsComeLast) {
  const std::string trace = FaultTrace("sources-csv");
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  const std::vector<std::string> head =
      absl::StrSplit(absl::StripSuffix(report::CsvHeader(), "\n"), ',');
  const std::vector<std::string> row =
      absl::StrSplit(absl::StripSuffix(report::CsvRow(r), "\n"), ',');
  ASSERT_EQ(head.size(), row.size());
  auto column = [&](const std::string& name) -> std::string {
    for (size_t i = 0; i < head.size(); ++i) {
      if (head[i] == name) return row[i];
    }
    ADD_FAILURE() << "no column " << name;
    return "";
  };
  EXPECT_EQ(column("latency_coherence_ns"), "400");
  EXPECT_EQ(column("latency_dram_remote_socket_ns"), "200");
  EXPECT_EQ(column("fault_latency_l1_ns"), "32");
  EXPECT_EQ(column("fault_latency_dram_local_ns"), "100");
  EXPECT_EQ(column("alloc_latency_l1_ns"), "0");
  // 10 total columns and 10 per kind of 7 close the row, after events_per_second.
  const size_t added = 10 + 7 * 10;
  ASSERT_GT(head.size(), added);
  EXPECT_EQ(head[head.size() - added - 1], "events_per_second");
  EXPECT_EQ(head[head.size() - added], "latency_l1_ns");
  EXPECT_EQ(head.back(), "compaction_latency_copy_ns");
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
