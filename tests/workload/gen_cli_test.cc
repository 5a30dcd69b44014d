// End to end: runs the built `memsim gen` ($MEMSIM_BIN, set by ctest).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "sim/trace/trace_reader.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

struct RunResult {
  int exit_code;
  std::string output;  // stdout + stderr
};

RunResult RunMemsim(const std::string& args) {
  const char* bin = std::getenv("MEMSIM_BIN");
  std::string cmd = std::string(bin ? bin : "memsim") + " " + args + " 2>&1";
  RunResult r{-1, ""};
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.output.append(buf, n);
  int status = pclose(f);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(GenCli, WritesAReadableTrace) {
  if (std::getenv("MEMSIM_BIN") == nullptr) GTEST_SKIP() << "MEMSIM_BIN not set";
  const std::string path = testing::TempPath("cli.mtrace");
  RunResult r = RunMemsim(
      "gen --workload=anon --node_mem=64MiB --num_events=5000 --thp_share=0.25 "
      "--seed=9 -o " +
      path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("events"), std::string::npos);
  auto reader = TraceReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->header().source(), "gen:anon");
  EXPECT_EQ((*reader)->header().attributes().at("thp_share"), "0.25");
  EXPECT_EQ((*reader)->header().produced_by(),
            "memsim gen --workload=anon --nodes=2 --node_mem=64MiB --cpus=8 --num_events=5000 "
            "--duration= --seed=9 --footprint= --thp_share=0.25");
  unlink(path.c_str());
}

TEST(GenCli, BadFlagValueNamesTheFlag) {
  if (std::getenv("MEMSIM_BIN") == nullptr) GTEST_SKIP() << "MEMSIM_BIN not set";
  const std::string never = testing::TempPath("never.mtrace");
  RunResult r = RunMemsim("gen --workload=anon --thp_share=2 -o " + never);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("memsim gen: --thp_share must be in [0, 1], got 2"), std::string::npos)
      << r.output;
  r = RunMemsim("gen --workload=anon --node_mem=4XB -o " + never);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--node_mem: cannot parse '4XB'"), std::string::npos) << r.output;
  r = RunMemsim("gen --workload=nope -o " + never);
  EXPECT_EQ(r.exit_code, 2);  // an unknown name on a flag is a usage error
  EXPECT_NE(r.output.find("unknown workload 'nope'"), std::string::npos) << r.output;
}

TEST(GenCli, HelpListsWorkloadsAndFlags) {
  if (std::getenv("MEMSIM_BIN") == nullptr) GTEST_SKIP() << "MEMSIM_BIN not set";
  RunResult r = RunMemsim("gen --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"anon", "pagecache", "slab", "numa", "fragment", "--thp_share",
                        "--fragmentation", "--imbalance", "--file_size", "--node_mem"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace memsim::workload
