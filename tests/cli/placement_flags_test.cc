// The placement flags of `memsim replay` and `compare`: --placement (default kernel), its old
// name --pfn_mapping, --cpu_mapping, and what the result records.
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/report/result_format.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::memsim::test_util::CmdResult;
using ::memsim::test_util::Memsim;
using ::memsim::test_util::Slurp;

std::string Tmp(const std::string& name) {
  return ::memsim::test_util::TmpPath("placement_" + name);
}

const std::string& Skylake() {
  static const std::string path =
      std::string(MEMSIM_SOURCE_DIR) + "/configs/machines/skylake-sp-2s-gold6140.textproto";
  return path;
}

// A small synthetic trace of `nodes` nodes of 256 MiB, 4 CPUs.
std::string GenTrace(const std::string& name, int nodes) {
  const std::string t = Tmp(name + ".mtrace");
  CmdResult g =
      Memsim(absl::StrCat("gen --workload=", nodes > 1 ? "numa" : "anon", " --nodes=", nodes,
                          " --node_mem=256MiB --cpus=4", " --num_events=2000 -o ", t));
  EXPECT_EQ(g.exit_code, 0) << g.out;
  return t;
}

result::RunInfo ReplayRun(const std::string& trace, const std::string& flags) {
  const std::string out = Tmp("r.json");
  CmdResult r = Memsim(absl::StrCat("replay --trace=", trace, " --machine=", Skylake(),
                                    " --model=page64 --out=", out, " ", flags));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto parsed = report::ResultFromJson(Slurp(out));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  unlink(out.c_str());
  return parsed.ok() ? parsed->run() : result::RunInfo();
}

TEST(PlacementFlags, DefaultFollowsTheKernelAndRecordsWhatItResolvedTo) {
  const std::string one = GenTrace("one", 1);
  result::RunInfo run = ReplayRun(one, "");
  EXPECT_EQ(run.placement(), "kernel");
  EXPECT_EQ(run.pfn_mapping(), "pack");
  EXPECT_EQ(run.cpu_mapping(), "node");
  EXPECT_EQ(run.placement_detail(),
            "pack, cpus node (kcompactd rule): trace node 0 pfn 0x0-0x10000 -> node 0 pfn 0x0, "
            "4 trace CPUs -> cores 0-3");
  const std::string two = GenTrace("two", 2);
  run = ReplayRun(two, "");
  EXPECT_EQ(run.pfn_mapping(), "nodes");
  EXPECT_EQ(run.placement_detail(),
            "nodes, cpus node (kcompactd rule): trace node 0 pfn 0x0-0x10000 -> node 0 pfn 0x0, "
            "trace node 1 pfn 0x10000-0x20000 -> node 1 pfn 0x3000000, 4 trace CPUs -> cores "
            "0-19; CPU -> node map from the trace");
  run = ReplayRun(two, "--placement=replicate");
  EXPECT_EQ(run.placement(), "replicate");
  EXPECT_EQ(run.pfn_mapping(), "replicate");
  unlink(one.c_str());
  unlink(two.c_str());
}

TEST(PlacementFlags, OldFlagsKeepWorking) {
  const std::string one = GenTrace("old", 1);
  result::RunInfo run = ReplayRun(one, "--pfn_mapping=proportional --cpu_mapping=spread");
  EXPECT_EQ(run.placement(), "proportional");
  EXPECT_EQ(run.pfn_mapping(), "proportional");
  EXPECT_EQ(run.cpu_mapping(), "spread");
  run = ReplayRun(one, "--pfn_mapping=interleave");  // cpu mapping auto: spread, as before
  EXPECT_EQ(run.pfn_mapping(), "interleave");
  EXPECT_EQ(run.cpu_mapping(), "spread");
  unlink(one.c_str());
}

TEST(PlacementFlags, ConflictsAndUnknownNamesAreUsageErrors) {
  const std::string base =
      absl::StrCat("replay --trace=x.mtrace --machine=", Skylake(), " --model=page64 ");
  CmdResult r = Memsim(base + "--placement=pack --pfn_mapping=proportional");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--pfn_mapping is the old name of --placement"), std::string::npos) << r.out;
  r = Memsim(base + "--placement=replicate --cpu_mapping=spread");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("cannot place the copies of 'replicate'"), std::string::npos) << r.out;
  r = Memsim(base + "--placement=proportional --cpu_mapping=node");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("needs a placement that keeps nodes"), std::string::npos) << r.out;
  r = Memsim(base + "--placement=diagonal");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown placement 'diagonal'"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace memsim
