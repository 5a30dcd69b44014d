// `memsim sweep` end to end: the table's rows and exact figures, jobs-independence and
// determinism, resumption after the sweep is killed, failed points, and bad specs.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/report/result_format.h"
#include "sim/sweep/sweep_table.h"
#include "sim/util/output_file.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::memsim::test_util::CmdResult;
using ::memsim::test_util::Exists;
using ::memsim::test_util::Memsim;
using ::memsim::test_util::Slurp;
using ::memsim::test_util::TmpPath;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kMachine = MEMSIM_SOURCE_DIR "/tests/replay/testdata/tiny-2s.textproto";

// 2 models x 2 THP shares of a small generated anon trace on the 2-socket, 2 GiB test machine.
std::string SmallSpec(int num_events) {
  return absl::StrCat(R"spec(
name: "small"
base {
  gen { workload: "anon" flags { key: "num_events" value: ")spec",
                      num_events, R"spec(" }
        flags { key: "nodes" value: "2" } flags { key: "node_mem" value: "1GiB" } }
  machine: ")spec",
                      kMachine, R"spec("
  replay { back_to_back: true }
}
axis { name: "model" path: "model" values: "page64" values: "memdesc" }
axis { name: "thp_share" label: "THP share" path: "gen.thp_share" values: "0" values: "1" }
plot { x: "thp_share" metric: "fault_mean_ns" breakeven: true }
)spec");
}

std::string WriteSpec(const std::string& name, const std::string& text) {
  const std::string path = TmpPath(name + ".textproto");
  EXPECT_TRUE(WriteFileAtomically(path, text).ok());
  return path;
}

std::vector<std::vector<std::string>> Rows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
    rows.push_back(absl::StrSplit(line, ','));
  }
  return rows;
}

std::string Column(const std::vector<std::vector<std::string>>& rows, size_t row,
                   const std::string& name) {
  for (size_t c = 0; c < rows[0].size(); ++c) {
    if (rows[0][c] == name) return rows[row][c];
  }
  ADD_FAILURE() << "no column " << name;
  return "";
}

class SweepCli : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
  }
  std::string Dir(const std::string& name) {
    dirs_.push_back(TmpPath(name));
    std::filesystem::remove_all(dirs_.back());
    return dirs_.back();
  }
  std::vector<std::string> dirs_;
};

TEST_F(SweepCli, GridTableWithHandCheckedOverhead) {
  const std::string spec = WriteSpec("grid", SmallSpec(2000));
  const std::string dir = Dir("grid");
  auto r = Memsim(absl::StrCat("sweep ", spec, " --out=", dir, " --jobs=2 --noplot"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("sweep small: 4 points ok, 0 failed"));
  const auto rows = Rows(Slurp(dir + "/results.csv"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(Slurp(dir + "/results.csv"), StartsWith("point,status,model,thp_share,events,"));
  const char* want[4][3] = {
      {"0", "page64", "0"}, {"1", "page64", "1"}, {"2", "memdesc", "0"}, {"3", "memdesc", "1"}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i + 1][0], want[i][0]);
    EXPECT_EQ(rows[i + 1][1], "ok");
    EXPECT_EQ(rows[i + 1][2], want[i][1]);
    EXPECT_EQ(rows[i + 1][3], want[i][2]);
    EXPECT_EQ(Column(rows, i + 1, "error"), "");
  }
  // 2 GiB of RAM = 524,288 pages: 64 B each with struct page, an 8-byte word with memdesc.
  EXPECT_EQ(Column(rows, 1, "overhead_static_bytes"), "33554432");
  EXPECT_EQ(Column(rows, 1, "overhead_final_percent"), "1.5625");
  EXPECT_EQ(Column(rows, 3, "overhead_static_bytes"), "4194304");
  // The same generated trace (same THP share) gives the same events under both models.
  EXPECT_EQ(Column(rows, 1, "events"), Column(rows, 3, "events"));
  EXPECT_EQ(Column(rows, 1, "fault_count"), Column(rows, 3, "fault_count"));
  // JSON lines: one object per point, axes typed.
  const std::string jsonl = Slurp(dir + "/results.jsonl");
  EXPECT_THAT(
      jsonl,
      StartsWith(
          R"({"point":0,"status":"ok","axes":{"model":"page64","thp_share":0},"metrics":{"events":)"));
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 4);
  const std::string meta = Slurp(dir + "/sweep.json");
  EXPECT_THAT(meta, HasSubstr(R"("label": "THP share")"));
  EXPECT_THAT(meta, HasSubstr(R"("file": "fault_mean_ns-vs-thp_share")"));
}

TEST_F(SweepCli, SameTableWithOneOrTwoJobsAndOnReRun) {
  const std::string spec = WriteSpec("det", SmallSpec(1500));
  const std::string a = Dir("det_a"), b = Dir("det_b");
  ASSERT_EQ(Memsim(absl::StrCat("sweep ", spec, " --out=", a, " --jobs=2 --noplot")).exit_code, 0);
  ASSERT_EQ(Memsim(absl::StrCat("sweep ", spec, " --out=", b, " --jobs=1 --noplot")).exit_code, 0);
  EXPECT_EQ(Slurp(a + "/results.csv"), Slurp(b + "/results.csv"));
  EXPECT_EQ(Slurp(a + "/results.jsonl"), Slurp(b + "/results.jsonl"));
  // Re-running a finished sweep runs nothing and rewrites the same table.
  auto again = Memsim(absl::StrCat("sweep ", spec, " --out=", a, " --jobs=2 --noplot"));
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_THAT(again.out, HasSubstr("4 points (4 already finished)"));
  EXPECT_EQ(Slurp(a + "/results.csv"), Slurp(b + "/results.csv"));
}

TEST_F(SweepCli, KilledHalfWayThenResumedGivesTheSameTable) {
  const std::string spec = WriteSpec("kill", SmallSpec(60000));
  const std::string whole = Dir("kill_whole"), killed = Dir("kill_killed");
  ASSERT_EQ(Memsim(absl::StrCat("sweep ", spec, " --out=", whole, " --jobs=1 --noplot")).exit_code,
            0);

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string bin = ::memsim::test_util::MemsimBin();
    freopen("/dev/null", "w", stderr);
    execl(bin.c_str(), bin.c_str(), "sweep", spec.c_str(), ("--out=" + killed).c_str(), "--jobs=1",
          "--noplot", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill the sweep (SIGKILL: no clean-up) once its first point has finished.
  const std::string first = killed + "/points/000000.json";
  for (int i = 0; i < 600 && !Exists(first); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(Exists(first));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(Exists(killed + "/results.csv"));
  EXPECT_FALSE(Exists(killed + "/points/000003.json"));

  auto resumed = Memsim(absl::StrCat("sweep ", spec, " --out=", killed, " --jobs=2 --noplot"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_THAT(resumed.out, ::testing::ContainsRegex("4 points \\([1-3] already finished\\)"));
  EXPECT_EQ(Slurp(killed + "/results.csv"), Slurp(whole + "/results.csv"));
  EXPECT_EQ(Slurp(killed + "/results.jsonl"), Slurp(whole + "/results.jsonl"));
}

TEST_F(SweepCli, FailedPointIsRecordedAndTheSweepGoesOn) {
  const std::string trace = TmpPath("fail.mtrace");
  ASSERT_EQ(Memsim(absl::StrCat(
                       "gen --workload=anon --num_events=500 --nodes=2 --node_mem=1GiB -o ", trace))
                .exit_code,
            0);
  // A second file that exists but is not a trace: its point fails when it runs.
  const std::string bogus = TmpPath("bogus.mtrace");
  ASSERT_TRUE(WriteFileAtomically(bogus, "not a trace").ok());
  const std::string spec = WriteSpec(
      "fail",
      absl::StrCat("name: \"fail\" base { machine: \"", kMachine, "\" model: \"page64\" }\n",
                   "axis { name: \"trace\" path: \"trace\" values: \"", trace, "\" values: \"",
                   bogus, "\" values: \"/nonexistent.mtrace\" }\n"));
  const std::string dir = Dir("fail");
  CmdResult r = Memsim(absl::StrCat("sweep ", spec, " --out=", dir, " --jobs=2 --noplot"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 points ok, 2 failed"));
  const auto rows = Rows(Slurp(dir + "/results.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1][1], "ok");
  EXPECT_EQ(rows[2][1], "failed");
  EXPECT_THAT(Column(rows, 2, "error"), HasSubstr(bogus));
  EXPECT_EQ(Column(rows, 2, "events"), "");
  EXPECT_EQ(rows[3][1], "failed");
  EXPECT_THAT(Column(rows, 3, "error"), HasSubstr("trace /nonexistent.mtrace does not exist"));

  // Mend the bogus trace: a re-run keeps the recorded failure, --retry_failed runs it again.
  ASSERT_TRUE(WriteFileAtomically(bogus, Slurp(trace)).ok());
  r = Memsim(absl::StrCat("sweep ", spec, " --out=", dir, " --noplot"));
  EXPECT_THAT(r.out, HasSubstr("1 points ok, 2 failed"));
  r = Memsim(absl::StrCat("sweep ", spec, " --out=", dir, " --noplot --retry_failed"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("2 points ok, 1 failed"));
  const auto retried = Rows(Slurp(dir + "/results.csv"));
  EXPECT_EQ(retried[2][1], "ok");
  EXPECT_EQ(Column(retried, 2, "events"), Column(retried, 1, "events"));
  std::remove(trace.c_str());
  std::remove(bogus.c_str());
}

TEST_F(SweepCli, BadSpecsAndDirectoriesFailClearly) {
  const std::string dir = Dir("bad");
  const std::string syntax = WriteSpec("syntax", "name: \"x\"\nbase { machin: \"m\" }\n");
  auto r = Memsim(absl::StrCat("sweep ", syntax, " --out=", dir));
  EXPECT_EQ(r.exit_code, 1);  // the spec's content is bad: a data error
  EXPECT_THAT(r.out, HasSubstr(syntax + ":2:"));
  EXPECT_THAT(r.out, HasSubstr("machin"));

  const std::string path = WriteSpec(
      "path", SmallSpec(100) + "axis { name: \"llc\" path: \"machine.llc.size\" values: \"1\" }\n");
  r = Memsim(absl::StrCat("sweep ", path, " --out=", dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(path + ": axis 2 'llc': field path 'llc.size'"));
  EXPECT_FALSE(Exists(dir + "/manifest.textproto"));

  // A directory that holds another sweep is not overwritten.
  const std::string one = WriteSpec("one", SmallSpec(100));
  ASSERT_EQ(Memsim(absl::StrCat("sweep ", one, " --out=", dir, " --jobs=2 --noplot")).exit_code, 0);
  const std::string two = WriteSpec("two", SmallSpec(200));
  r = Memsim(absl::StrCat("sweep ", two, " --out=", dir, " --noplot"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("holds a different sweep"));

  // --collect names the points that have not finished.
  std::filesystem::remove(dir + "/points/000002.json");
  r = Memsim(absl::StrCat("sweep --collect ", dir, " --noplot"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("1 of 4 points have not finished (2)"));
  r = Memsim(absl::StrCat("sweep --collect /nonexistent"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("/nonexistent/manifest.textproto"));
}

// The shipped capture (compaction, migrations, its kpageflags snapshot) on every shipped
// machine with every model, as the shipped sweep configs/sweeps/every-machine.textproto: every
// point runs, the results agree on what the trace is, and every inconsistency the replay
// finds is attributed to a cause.
TEST_F(SweepCli, ShippedCaptureOnEveryMachineWithEveryModelHasNoUnexplainedInconsistency) {
  const std::string dir = Dir("every");
  auto r = Memsim(absl::StrCat("sweep configs/sweeps/every-machine.textproto --out=", dir,
                               " --jobs=2 --noplot"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("20 points ok, 0 failed"));
  uint64_t events = 0;
  for (uint32_t i = 0; i < 20; ++i) {
    auto result = report::ResultFromJson(Slurp(sweep::PointResultPath(dir, i)));
    ASSERT_TRUE(result.ok()) << result.status();
    if (i == 0) events = result->num_events();
    EXPECT_EQ(result->num_events(), events) << "point " << i;
    uint64_t contradictions = 0, attributed = 0;
    for (const auto& c : result->inconsistencies()) {
      if (c.name().rfind("snapshot_", 0) != 0) contradictions += c.value();
    }
    for (const auto& c : result->inconsistency_causes()) {
      // 7 partial frees hit destinations inferred for compaction sources without a pte
      // trail (a guessed page the kernel had left free; docs/trace-import.md, "Measured").
      EXPECT_EQ(c.unexplained(), c.name() == "partial_free" ? 7u : 0u)
          << "point " << i << ": " << c.name();
      attributed += c.stale_snapshot() + c.missing_events() + c.no_initial_state();
    }
    EXPECT_GT(attributed, 0u) << "point " << i;  // the capture has some: see docs/results.md
    EXPECT_LE(attributed, contradictions) << "point " << i;
  }
  EXPECT_GT(events, 40000u);
}

}  // namespace
}  // namespace memsim
