// Where memsim writes, as users name it (issue 13): "-", /dev/stdout, device nodes, symlinks,
// the input itself, a full disk (/dev/full) and a kill mid-import. Device nodes and FIFOs are
// made in a temporary directory; of the system's nodes only /dev/full is written to, and
// /dev/null only after the same run left a private null node a device.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/report/result_format.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::memsim::test_util::CmdResult;
using ::memsim::test_util::DirEntries;
using ::memsim::test_util::MemsimBin;
using ::memsim::test_util::ScopedTempDir;
using ::memsim::test_util::Shell;
using ::memsim::test_util::Slurp;

std::string Machine() {
  return absl::StrCat(MEMSIM_SOURCE_DIR, "/configs/machines/skylake-sp-2s-gold6140.textproto");
}

// A small synthetic trace in `dir` (2 nodes of 64 MiB, 2000 events).
std::string MakeTrace(const ScopedTempDir& dir) {
  const std::string t = dir.File("t.mtrace");
  CmdResult r = Shell(absl::StrCat(MemsimBin(),
                                   " gen --workload=anon --nodes=2 --node_mem=64MiB --cpus=4 "
                                   "--num_events=2000 --seed=1 -o ",
                                   t, " 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return t;
}

// `memsim replay` of `trace` with `tail` appended (flags and redirections).
CmdResult Replay(const std::string& trace, const std::string& tail) {
  return Shell(absl::StrCat(MemsimBin(), " replay --trace=", trace, " --machine=", Machine(),
                            " --model=page64 ", tail));
}

// The result with the host-dependent fields (wall time, host name) cleared.
std::string Canonical(const std::string& json) {
  auto parsed = report::ResultFromJson(json);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << json.substr(0, 200);
  if (!parsed.ok()) return "";
  auto out = report::ResultToJson(report::WithoutHostFields(*parsed));
  return out.ok() ? *out : "";
}

using Names = std::vector<std::string>;

TEST(OutputPaths, ReplayOutDashWritesTheResultToStdout) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  const std::string file = dir.File("r.json");
  ASSERT_EQ(Replay(t, "--out=" + file + " 2>/dev/null").exit_code, 0);
  CmdResult r = Replay(t, "--out=- 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(Canonical(r.out), Canonical(Slurp(file)));
  EXPECT_FALSE(test_util::Exists(dir.File("-")));
}

TEST(OutputPaths, ReplayOutDevStdoutWritesTheResultToStdout) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  CmdResult dash = Replay(t, "--out=- 2>/dev/null");
  ASSERT_EQ(dash.exit_code, 0);
  CmdResult r = Replay(t, "--out=/dev/stdout 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(Canonical(r.out), Canonical(dash.out));
  // Into a file the shell opened, /dev/stdout is written in place (no rename over it).
  const std::string file = dir.File("via-shell.json");
  ASSERT_EQ(Replay(t, "--out=/dev/stdout 2>/dev/null >" + file).exit_code, 0);
  EXPECT_EQ(Canonical(Slurp(file)), Canonical(dash.out));
}

TEST(OutputPaths, ReplayOutNullDeviceWorksAndTheNodeStaysADevice) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  const std::string null = dir.File("null");
  if (mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod needs CAP_MKNOD: " << strerror(errno);
  }
  CmdResult r = Replay(t, absl::StrCat("--out=", null, " --csv=", null, " 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  struct stat st {};
  ASSERT_EQ(lstat(null.c_str(), &st), 0);
  ASSERT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(DirEntries(dir.path()), (Names{"null", "t.mtrace"}));
  // Safe now to name the system's own /dev/null, as users do.
  r = Replay(t, "--out=/dev/null 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  ASSERT_EQ(lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(OutputPaths, ReplayOutSymlinkWritesItsTarget) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  ASSERT_EQ(mkdir(dir.File("results").c_str(), 0755), 0);
  const std::string link = dir.File("latest.json");
  ASSERT_EQ(symlink("results/run1.json", link.c_str()), 0);
  CmdResult r = Replay(t, "--out=" + link + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  struct stat st {};
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(Canonical(Slurp(dir.File("results/run1.json"))), "");
  EXPECT_EQ(DirEntries(dir.File("results")), Names{"run1.json"});
}

TEST(OutputPaths, ReplayOutThatIsTheTraceIsRefusedAndTheTraceKept) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  const std::string before = Slurp(t);
  ASSERT_FALSE(before.empty());
  CmdResult r = Replay(t, "--out=" + t + " 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      r.out, absl::StrCat("memsim replay: refusing to write ", t, ": it is the input ", t)))
      << r.out;
  const std::string link = dir.File("alias.mtrace");
  ASSERT_EQ(symlink("t.mtrace", link.c_str()), 0);
  r = Replay(t, "--csv=" + link + " 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "refusing to write " + link)) << r.out;
  EXPECT_EQ(Slurp(t), before);
}

TEST(OutputPaths, ImportOutputThatIsTheInputIsRefusedAndTheInputKept) {
  ScopedTempDir dir;
  const std::string in = dir.File("in.ftrace.zst");
  std::filesystem::copy_file(absl::StrCat(MEMSIM_SOURCE_DIR, "/traces/mixed-compaction.ftrace.zst"),
                             in);
  const std::string before = Slurp(in);
  CmdResult r = Shell(absl::StrCat(MemsimBin(), " import --from=ftrace ", in, " -o ", in, " 2>&1"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "memsim import: refusing to write " + in)) << r.out;
  EXPECT_EQ(Slurp(in), before);
  EXPECT_EQ(DirEntries(dir.path()), Names{"in.ftrace.zst"});
}

TEST(OutputPaths, MachineImportHwlocOutputThatIsTheInputIsRefused) {
  ScopedTempDir dir;
  const std::string xml = dir.File("topo.xml");
  CmdResult r = Shell(absl::StrCat("echo '<topology/>' >", xml, "; ", MemsimBin(),
                                   " machine import-hwloc ", xml, " -o ", xml, " 2>&1"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "refusing to write " + xml)) << r.out;
  EXPECT_EQ(Slurp(xml), "<topology/>\n");
}

// The message every command gives when stdout is full.
constexpr char kFull[] = "error writing to stdout: No space left on device";

TEST(OutputPaths, ReplayToFullStdoutFails) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  CmdResult r = Replay(t, "2>&1 >/dev/full");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("memsim replay: ", kFull))) << r.out;
  r = Replay(t, "--out=/dev/stdout 2>&1 >/dev/full");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, "memsim replay: error writing to /dev/stdout: No space"))
      << r.out;
}

TEST(OutputPaths, InspectToFullStdoutFails) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  for (const char* flags : {"", "--json", "--events"}) {
    CmdResult r = Shell(absl::StrCat(MemsimBin(), " inspect ", flags, " ", t, " 2>&1 >/dev/full"));
    EXPECT_EQ(r.exit_code, 1) << flags;
    EXPECT_EQ(r.out, absl::StrCat("memsim inspect: ", kFull, "\n")) << flags;
  }
}

TEST(OutputPaths, MachineShowToFullStdoutFails) {
  CmdResult r = Shell(absl::StrCat(MemsimBin(), " machine show ", Machine(), " 2>&1 >/dev/full"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, absl::StrCat("memsim machine: ", kFull, "\n"));
}

TEST(OutputPaths, ImportToDashOnFullStdoutFails) {
  ScopedTempDir dir;
  CmdResult r = Shell(absl::StrCat(MemsimBin(), " import --from=ftrace ", MEMSIM_SOURCE_DIR,
                                   "/traces/mixed-compaction.ftrace.zst -o - 2>&1 >/dev/full"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("memsim import: ", kFull))) << r.out;
}

TEST(OutputPaths, GenSummaryToFullStdoutFails) {
  ScopedTempDir dir;
  CmdResult r = Shell(absl::StrCat(
      MemsimBin(), " gen --workload=anon --nodes=2 --node_mem=64MiB --num_events=100 -o ",
      dir.File("g.mtrace"), " 2>&1 >/dev/full"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, absl::StrCat("memsim gen: ", kFull, "\n"));
}

TEST(OutputPaths, GenOutputToFullDeviceFails) {
  CmdResult r =
      Shell(absl::StrCat(MemsimBin(),
                         " gen --workload=anon --nodes=2 --node_mem=64MiB --num_events=100 "
                         "-o /dev/full 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      absl::StrContains(r.out, "memsim gen: error writing to /dev/full: No space left on device"))
      << r.out;
}

TEST(OutputPaths, CompareToFullStdoutFails) {
  ScopedTempDir dir;
  const std::string t = MakeTrace(dir);
  CmdResult r = Shell(absl::StrCat(MemsimBin(), " compare --trace=", t, " --machine=", Machine(),
                                   " --models=page64 2>&1 >/dev/full"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("memsim compare: ", kFull))) << r.out;
}

TEST(OutputPaths, VersionAndHelpToFullStdoutFail) {
  CmdResult r = Shell(MemsimBin() + " --version 2>&1 >/dev/full");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, absl::StrCat("memsim: ", kFull, "\n"));
  r = Shell(MemsimBin() + " replay --help 2>&1 >/dev/full");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, absl::StrCat("memsim replay: ", kFull, "\n"));
}

TEST(OutputPaths, ImportKilledMidWayLeavesNothingBehind) {
  ScopedTempDir dir;
  const std::string fifo = dir.File("in.ftrace");
  const std::string out = dir.File("out.mtrace");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string bin = MemsimBin();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGTERM, SIG_DFL);  // even if this test runs with SIGTERM ignored
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(bin.c_str(), bin.c_str(), "import", "--from=ftrace", fifo.c_str(), "-o", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // memsim opens its output before its input: once the FIFO is open, the import is under way.
  const int w = open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(w, 0);
  const std::string line =
      "            bash-11903   [000] .....  1224.604443: mm_page_alloc: page=000000005bc3ab7c "
      "pfn=0x131d14 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n";
  for (int i = 0; i < 100; ++i) ASSERT_EQ(write(w, line.data(), line.size()), line.size());
  ASSERT_EQ(kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  close(w);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_EQ(DirEntries(dir.path()), Names{"in.ftrace"});
}

}  // namespace
}  // namespace memsim
