// A capture recorded on the project VM with tools/record replays on that VM's own hwloc
// topology with no event dropped, once the nodes are sized by the recorder's metadata; without
// it the replay fails with the count instead of dropping events silently. Also: import takes
// the recorder's metadata into the header, and --from=perf is a format of the binary.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/result.pb.h"
#include "sim/report/result_format.h"
#include "sim/trace/trace_reader.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::memsim::test_util::CmdResult;
using ::memsim::test_util::Memsim;
using ::memsim::test_util::Slurp;

std::string Src(const std::string& rel) { return std::string(MEMSIM_SOURCE_DIR) + "/" + rel; }
std::string Tmp(const std::string& name) { return test_util::TmpPath("own_" + name); }

uint64_t Counter(const google::protobuf::RepeatedPtrField<result::Counter>& list,
                 const std::string& name) {
  for (const result::Counter& c : list) {
    if (c.name() == name) return c.value();
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

// traces/gcc-build-ftrace.ftrace.zst: `tools/record --only-command` of a g++ -c, 72,202 lines;
// traces/vm.lstopo.xml: `lstopo --of xml` (hwloc 2.9.0) of the same VM.
class OwnMachine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    trace_ = new std::string(Tmp("gcc.mtrace"));
    CmdResult r = Memsim(absl::StrCat("import --from=ftrace ",
                                      Src("traces/gcc-build-ftrace.ftrace.zst"), " -o ", *trace_));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("recorder metadata from " + Src("traces/gcc-build-ftrace.metadata.txt")),
              std::string::npos)
        << r.out;
  }
  static void TearDownTestSuite() { delete trace_; }
  static std::string* trace_;
};
std::string* OwnMachine::trace_ = nullptr;

TEST_F(OwnMachine, HeaderHasTheRecordersFacts) {
  auto reader = TraceReader::Open(*trace_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const trace::TraceHeader& h = (*reader)->header();
  EXPECT_EQ(h.source(), "ftrace");
  EXPECT_EQ(h.kernel_version(), "6.18.44-fc-v1045");
  EXPECT_EQ(h.hostname(), "vm");
  EXPECT_EQ(h.clock(), "mono");
  EXPECT_FALSE(h.attributes().contains("clock_assumed"));
  ASSERT_EQ(h.nodes_size(), 1);
  EXPECT_EQ(h.nodes(0).end_pfn(), 6553600u);
  EXPECT_EQ(h.zones_size(), 3);
  EXPECT_FALSE(h.truncated());

  const std::string bare = Tmp("bare.mtrace");
  CmdResult r = Memsim(absl::StrCat("import --from=ftrace --no-metadata ",
                                    Src("traces/gcc-build-ftrace.ftrace.zst"), " -o ", bare));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto bare_reader = TraceReader::Open(bare);
  ASSERT_TRUE(bare_reader.ok());
  EXPECT_EQ((*bare_reader)->header().clock(), "local");
  EXPECT_EQ((*bare_reader)->header().kernel_version(), "");
  EXPECT_EQ((*bare_reader)->header().nodes_size(), 0);
}

TEST_F(OwnMachine, ReplaysOnItsOwnTopologySizedByTheMetadata) {
  const std::string machine = Tmp("vm.textproto");
  CmdResult r = Memsim(absl::StrCat("machine import-hwloc ", Src("traces/vm.lstopo.xml"),
                                    " --metadata=", Src("traces/gcc-build-ftrace.metadata.txt"),
                                    " -o ", machine));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string text = Slurp(machine);
  EXPECT_NE(text.find("memory_bytes: 26843545600\n"), std::string::npos) << text;  // from pfn 0
  EXPECT_NE(text.find("end_pfn: 6553600\n"), std::string::npos) << text;
  for (const char* mapping : {"identity", "proportional"}) {
    SCOPED_TRACE(mapping);
    const std::string out = Tmp(absl::StrCat(mapping, ".json"));
    r = Memsim(absl::StrCat("replay --trace=", *trace_, " --machine=", machine,
                            " --model=memdesc --pfn_mapping=", mapping, " --out=", out));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto result = report::ResultFromJson(Slurp(out));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(Counter(result->counters(), "unmapped_pfn_events"), 0u);
    EXPECT_EQ(Counter(result->inconsistencies(), "out_of_range"), 0u);
    EXPECT_GT(result->num_events(), 0u);
  }
}

TEST_F(OwnMachine, EventsOutsideTheMachineAreAnErrorUnlessAllowed) {
  // Sized by hwloc's local_memory alone (pfns 0 .. 2,611,646): the capture's pfns reach
  // 6,553,600.
  const std::string machine = Tmp("vm_bare.textproto");
  CmdResult r =
      Memsim(absl::StrCat("machine import-hwloc ", Src("traces/vm.lstopo.xml"), " -o ", machine));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string args = absl::StrCat("replay --trace=", *trace_, " --machine=", machine,
                                        " --model=memdesc --pfn_mapping=identity --out=");
  r = Memsim(args + Tmp("bare.json"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("0 event(s) with pfns outside the machine's nodes (unmapped_pfn_events) "
                       "and 1503 outside physical memory (out_of_range)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--allow_out_of_range"), std::string::npos) << r.out;
  EXPECT_FALSE(test_util::Exists(Tmp("bare.json")));
  // compare checks the same, once for all its models.
  r = Memsim(absl::StrCat("compare --trace=", *trace_, " --machine=", machine,
                          " --models=page64,memdesc --pfn_mapping=identity"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("and 1503 outside physical memory (out_of_range)"), std::string::npos)
      << r.out;
  r = Memsim(absl::StrCat("compare --trace=", *trace_, " --machine=", machine,
                          " --models=page64,memdesc --pfn_mapping=identity --allow_out_of_range"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("compare: warning: 0 event(s) with pfns outside"), std::string::npos)
      << r.out;

  const std::string out = Tmp("allowed.json");
  r = Memsim(args + out + " --allow_out_of_range");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("were dropped (--allow_out_of_range)"), std::string::npos) << r.out;
  auto result = report::ResultFromJson(Slurp(out));
  ASSERT_TRUE(result.ok()) << result.status();
  // Identity mapping hands every pfn to physical memory, which counts those beyond it.
  EXPECT_EQ(Counter(result->counters(), "unmapped_pfn_events"), 0u);
  EXPECT_EQ(Counter(result->inconsistencies(), "out_of_range"), 1503u);
}

TEST(OwnMachineImport, PerfScriptTextAndTruncationWarning) {
  const std::string out = Tmp("perf.mtrace");
  CmdResult r = Memsim(
      absl::StrCat("import --from=perf ", Src("traces/gcc-build-perf.perf.zst"), " -o ", out));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto reader = TraceReader::Open(out);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->header().source(), "perf");
  EXPECT_EQ((*reader)->header().clock(), "mono");
  EXPECT_EQ((*reader)->header().attributes().at("recorded.format"), "perf");

  // The same capture declared truncated by its metadata: import and replay warn.
  const std::string meta = Tmp("truncated.metadata.txt");
  {
    std::string text = Slurp(Src("traces/gcc-build-perf.metadata.txt"));
    text += "truncated=1\n";
    FILE* f = std::fopen(meta.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  const std::string cut = Tmp("cut.mtrace");
  r = Memsim(absl::StrCat("import --from=perf --metadata=", meta, " ",
                          Src("traces/gcc-build-perf.perf.zst"), " -o ", cut));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: the recorder says the capture is truncated"), std::string::npos)
      << r.out;
  r = Memsim(absl::StrCat("replay --trace=", cut, " --machine=", MEMSIM_SOURCE_DIR,
                          "/configs/machines/skylake-sp-2s-gold6140.textproto",
                          " --model=memdesc --out=", Tmp("cut.json")));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("replay: warning: the recorder says the capture is truncated"),
            std::string::npos)
      << r.out;
  // The result says so too (Result.warnings), so a compare footer or a notebook sees it.
  auto result = report::ResultFromJson(Slurp(Tmp("cut.json")));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->warnings_size(), 1);
  EXPECT_EQ(result->warnings(0),
            "the recorder says the capture is truncated (stopped at its size bound or "
            "interrupted): the trace ends before the recorded run did");
}

}  // namespace
}  // namespace memsim
