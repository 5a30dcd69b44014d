#include "sim/workload/trace_generator.h"

#include <unistd.h>

#include "gtest/gtest.h"
#include "sim/trace/trace_reader.h"
#include "sim/util/output_file.h"
#include "sim/workload/builtin_workloads.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::Generate;
using testing::TempPath;

WorkloadParams SmallFor(const std::string& name) {
  WorkloadParams p;
  p.node_mem_bytes = 32 << 20;
  p.cpus = 4;
  p.events = 20000;
  p.seed = 42;
  if (name == "anon" || name == "numa") p.footprint_bytes = 8 << 20;
  if (name == "pagecache") p.file_size_bytes = 4 << 20;
  return p;
}

const WorkloadRegistry& Registry() {
  static WorkloadRegistry* r = [] {
    auto* reg = new WorkloadRegistry;
    RegisterBuiltinWorkloads(*reg);
    return reg;
  }();
  return *r;
}

class GeneratorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratorTest, RoundTripGivesIdenticalEventsAndHeader) {
  const std::string name = GetParam();
  const WorkloadParams p = SmallFor(name);
  testing::VectorSink memory = Generate(name, p);
  const std::string path = TempPath(name + ".mtrace");
  auto result = GenerateTraceFile(Registry(), name, p, path, "memsim gen --test");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->events, memory.events.size());
  EXPECT_EQ(result->snapshot_runs, memory.runs.size());

  auto reader = TraceReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const trace::TraceHeader& h = (*reader)->header();
  EXPECT_EQ(h.source(), "gen:" + name);
  EXPECT_EQ(h.clock(), "synthetic");
  EXPECT_EQ(h.num_cpus(), 4u);
  EXPECT_EQ(h.page_size_bytes(), 4096u);
  EXPECT_EQ(h.produced_by(), "memsim gen --test");
  ASSERT_EQ(h.nodes_size(), 2);
  EXPECT_EQ(h.nodes(1).node_id(), 1u);
  EXPECT_EQ(h.nodes(1).start_pfn(), 8192u);
  EXPECT_EQ(h.nodes(1).end_pfn(), 16384u);
  EXPECT_EQ(h.attributes().at("workload"), name);
  EXPECT_EQ(h.attributes().at("seed"), "42");
  EXPECT_EQ(h.attributes().at("node_mem"), "32MiB");
  EXPECT_EQ(h.attributes().at("events"), "20000");
  EXPECT_EQ(h.attributes().at("duration_ns"), "20000000");

  std::vector<SnapshotRun> runs, batch;
  while (*(*reader)->NextSnapshotRuns(&batch)) runs.insert(runs.end(), batch.begin(), batch.end());
  EXPECT_EQ(runs, memory.runs);
  std::vector<Event> events, chunk;
  for (;;) {
    auto more = (*reader)->NextEvents(&chunk);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    events.insert(events.end(), chunk.begin(), chunk.end());
  }
  ASSERT_EQ(events.size(), memory.events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i], memory.events[i]) << i << ": " << DebugString(events[i]);
  }
  unlink(path.c_str());
}

TEST_P(GeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  const std::string name = GetParam();
  WorkloadParams p = SmallFor(name);
  p.events = 5000;
  const std::string a = TempPath(name + "_a.mtrace"), b = TempPath(name + "_b.mtrace"),
                    c = TempPath(name + "_c.mtrace");
  ASSERT_TRUE(GenerateTraceFile(Registry(), name, p, a, "x").ok());
  ASSERT_TRUE(GenerateTraceFile(Registry(), name, p, b, "x").ok());
  p.seed = 43;
  ASSERT_TRUE(GenerateTraceFile(Registry(), name, p, c, "x").ok());
  auto bytes_a = ReadFileToString(a), bytes_b = ReadFileToString(b), bytes_c = ReadFileToString(c);
  ASSERT_TRUE(bytes_a.ok() && bytes_b.ok() && bytes_c.ok());
  EXPECT_EQ(*bytes_a, *bytes_b);
  EXPECT_NE(*bytes_a, *bytes_c);
  unlink(a.c_str());
  unlink(b.c_str());
  unlink(c.c_str());
}

INSTANTIATE_TEST_SUITE_P(AllWorkloads, GeneratorTest,
                         ::testing::Values("anon", "pagecache", "slab", "numa", "fragment"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;  // the workload's name
                         });

TEST(WorkloadRegistry, UnknownNameListsTheKnownOnes) {
  auto w = Registry().Create("bogus", WorkloadParams());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(w.status().message(),
            "--workload: unknown workload 'bogus' (known: anon, pagecache, slab, numa, fragment, "
            "tiering)");
}

TEST(WorkloadRegistry, BadParametersAreReportedBeforeAnyFileIsWritten) {
  WorkloadParams p;
  p.thp_share = -1;
  const std::string path = TempPath("never.mtrace");
  auto r = GenerateTraceFile(Registry(), "anon", p, path, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--thp_share must be in [0, 1], got -1");
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace memsim::workload
