// A sweep's points run in batches by forked workers (sim/sweep/point_worker.h): a point's
// result must not depend on the points its worker ran before it, a worker that dies hands
// its unfinished points to a new one, and no point starts after SimGrid's engine ran.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/memmap/builtin_models.h"
#include "sim/report/result_format.h"
#include "sim/sweep/sweep_runner.h"
#include "sim/sweep/sweep_table.h"
#include "sim/util/output_file.h"
#include "tests/replay/replay_test_util.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::Migrate;
using testing::TinyMachinePath;
using testing::WriteTrace;

// One migration alone on the machine: its copy gets SimGrid's lone-flow time in closed form
// (the platform's route costs), and the engine never runs.
std::string LoneCopyTrace() {
  const uint64_t src = 100, dst = 262144 + 100;
  return WriteTrace("pw_lone", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
                    {Alloc(1000, 0, dst, 0, trace::OWNER_ANON), Migrate(2000, 0, src, dst, 0)});
}

// Two 2 MiB copies at the same time from the two sockets over one link: they overlap, so
// they run in SimGrid's engine (tests/replay/replay_simgrid_test.cc,
// ConcurrentCopiesShareTheLink).
std::string ConcurrentCopiesTrace() {
  const uint64_t s1 = 512, s2 = 1024, d1 = 262144 + 512, d2 = 262144 + 1024;
  return WriteTrace(
      "pw_two", {SnapshotRun{s1, 1024, trace::OWNER_ANON, 9, 0}},
      {Alloc(1000, 0, d1, 9, trace::OWNER_ANON), Alloc(1000, 1, d2, 9, trace::OWNER_ANON),
       Migrate(10'001'000, 0, s1, d1, 9), Migrate(10'001'000, 1, s2, d2, 9)});
}

// A spec over the trace and the metadata cache share (which the SimGrid platform does not
// read), with the listed (trace, share) points.
std::string Spec(const std::vector<std::pair<std::string, std::string>>& points) {
  std::string spec =
      absl::StrCat(R"spec(name: "worker"
base { trace: ")spec",
                   LoneCopyTrace(), R"spec(" machine: ")spec", TinyMachinePath(),
                   R"spec(" model: "page64"
       replay { pfn_mapping: "proportional" cpu_mapping: "spread" } }
axis { name: "trace" path: "trace" values: ")spec",
                   LoneCopyTrace(), R"spec(" values: ")spec", ConcurrentCopiesTrace(), R"spec(" }
axis { name: "share" path: "machine.metadata_cache_share" values: "0.05" values: "0.1" values: "0.2" }
)spec");
  for (const auto& [trace, share] : points) {
    absl::StrAppend(&spec, "point { values: \"", trace == "lone" ? LoneCopyTrace() : "",
                    trace == "two" ? ConcurrentCopiesTrace() : "", "\" values: \"", share,
                    "\" }\n");
  }
  return spec;
}

// A point's result JSON without the host fields (wall time, rate, peak RSS, finish time).
std::string ResultWithoutHostFields(const std::string& dir, uint32_t index) {
  absl::StatusOr<std::string> json = ReadFileToString(sweep::PointResultPath(dir, index));
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok()) return "";
  absl::StatusOr<result::Result> r = report::ResultFromJson(*json);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  r->mutable_run()->clear_wall_seconds();
  r->mutable_run()->clear_events_per_second();
  r->mutable_run()->clear_host_peak_rss_bytes();
  r->mutable_run()->clear_finished_at();
  absl::StatusOr<std::string> out = report::ResultToJson(*r);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : "";
}

class PointWorkerTest : public ::testing::Test {
 protected:
  // Runs the sweep of `spec` into a new directory with one job; `before_point` runs in the
  // worker before each point. Returns the directory.
  std::string RunSweep(const std::string& name, const std::string& spec,
                       std::function<void(uint32_t)> before_point = nullptr) {
    const std::string dir = tmp_.File(name);
    const std::string spec_path = tmp_.File(name + ".textproto");
    EXPECT_TRUE(WriteFileAtomically(spec_path, spec).ok());
    sweep::SweepRunner::Options o;
    o.jobs = 1;
    o.before_point = std::move(before_point);
    sweep::SweepRunner runner(memmap::BuiltinModels(), std::move(o));
    const absl::Status s = runner.Run(spec_path, dir);
    EXPECT_TRUE(s.ok()) << s;
    return dir;
  }

  // A before_point hook that appends "index pid" to a file, and the pid of each point read
  // back from it.
  std::function<void(uint32_t)> RecordPids() {
    const std::string path = pids_path_;
    return [path](uint32_t index) {
      const std::string line = absl::StrCat(index, " ", getpid(), "\n");
      const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        (void)!write(fd, line.data(), line.size());
        close(fd);
      }
    };
  }
  std::map<uint32_t, int> Pids() {
    std::map<uint32_t, int> pids;
    absl::StatusOr<std::string> text = ReadFileToString(pids_path_);
    EXPECT_TRUE(text.ok()) << text.status();
    for (absl::string_view line : absl::StrSplit(text.ok() ? *text : "", '\n', absl::SkipEmpty())) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
      uint32_t index = 0;
      int pid = 0;
      EXPECT_TRUE(f.size() == 2 && absl::SimpleAtoi(f[0], &index) && absl::SimpleAtoi(f[1], &pid));
      pids[index] = pid;  // the last process that started the point
    }
    return pids;
  }

  test_util::ScopedTempDir tmp_;
  std::string pids_path_ = tmp_.File("pids.txt");
};

// Each point of a batch gives, host fields aside, the bytes it gives alone (a one-point
// sweep: a fresh worker): the third point (lone copy, share 0.2) after two points on other
// machines (other shares), and the fourth, whose overlapping copies run SimGrid's engine,
// after three points that built and used the same platform.
TEST_F(PointWorkerTest, PointInABatchGivesTheResultItGivesAlone) {
  const std::vector<std::pair<std::string, std::string>> points = {
      {"lone", "0.05"}, {"lone", "0.1"}, {"lone", "0.2"}, {"two", "0.05"}, {"two", "0.1"}};
  const std::string batch = RunSweep("batch", Spec(points), RecordPids());
  const std::map<uint32_t, int> pids = Pids();
  ASSERT_EQ(pids.size(), 5u);
  // Points 0-3 ran in one worker; point 3 ran the engine, so point 4 had a new one.
  EXPECT_EQ(pids.at(1), pids.at(0));
  EXPECT_EQ(pids.at(2), pids.at(0));
  EXPECT_EQ(pids.at(3), pids.at(0));
  EXPECT_NE(pids.at(4), pids.at(3));
  for (uint32_t i = 0; i < points.size(); ++i) {
    ASSERT_EQ(sweep::StateOf(batch, i), sweep::PointState::kOk) << i;
    const std::string alone = RunSweep(absl::StrCat("alone", i), Spec({points[i]}));
    EXPECT_EQ(ResultWithoutHostFields(batch, i), ResultWithoutHostFields(alone, 0))
        << "point " << i;
  }
  // The overlapping copies took longer than the lone one: they shared the link.
  absl::StatusOr<std::string> lone = ReadFileToString(sweep::PointResultPath(batch, 0));
  absl::StatusOr<std::string> two = ReadFileToString(sweep::PointResultPath(batch, 3));
  ASSERT_TRUE(lone.ok() && two.ok());
  auto lone_r = report::ResultFromJson(*lone);
  auto two_r = report::ResultFromJson(*two);
  ASSERT_TRUE(lone_r.ok() && two_r.ok());
  EXPECT_TRUE(lone_r->run().simgrid());
  EXPECT_GT(testing::KindOf(*two_r, "migrate").latency().max_ns(),
            2 * testing::KindOf(*lone_r, "migrate").latency().max_ns());
}

// After a point that ran SimGrid's engine, the next point starts in a new process, even
// when its platform is the same: the engine's clock has moved.
TEST_F(PointWorkerTest, NoPointStartsAfterTheEngineRan) {
  const std::string dir =
      RunSweep("engine", Spec({{"two", "0.05"}, {"two", "0.1"}, {"lone", "0.05"}, {"lone", "0.1"}}),
               RecordPids());
  const std::map<uint32_t, int> pids = Pids();
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_NE(pids.at(1), pids.at(0));
  EXPECT_NE(pids.at(2), pids.at(1));
  EXPECT_EQ(pids.at(3), pids.at(2));  // the lone copies run no engine: one worker
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(sweep::StateOf(dir, i), sweep::PointState::kOk);
}

// A worker killed before its third point: the points it had not finished run in a new
// worker, and the table is the one of a sweep nothing killed.
TEST_F(PointWorkerTest, WorkerKilledMidBatchLeavesTheRestToANewOne) {
  const std::vector<std::pair<std::string, std::string>> points = {
      {"lone", "0.05"}, {"lone", "0.1"}, {"lone", "0.2"}, {"two", "0.05"}};
  const std::string whole = RunSweep("whole", Spec(points));
  const std::string killed_once = tmp_.File("killed-once");
  auto record = RecordPids();
  const std::string dir = RunSweep("killed", Spec(points), [&](uint32_t index) {
    record(index);
    if (index == 2 && access(killed_once.c_str(), F_OK) != 0) {
      EXPECT_TRUE(WriteFileAtomically(killed_once, "").ok());
      kill(getpid(), SIGKILL);
    }
  });
  const std::map<uint32_t, int> pids = Pids();
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_EQ(pids.at(1), pids.at(0));
  EXPECT_NE(pids.at(2), pids.at(1));  // point 2 ran again, in a new worker
  EXPECT_EQ(pids.at(3), pids.at(2));
  for (const char* file : {"/results.csv", "/results.jsonl"}) {
    absl::StatusOr<std::string> a = ReadFileToString(whole + file);
    absl::StatusOr<std::string> b = ReadFileToString(dir + file);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*b, *a) << file;
  }
  EXPECT_EQ(ResultWithoutHostFields(dir, 2), ResultWithoutHostFields(whole, 2));
}

// A point that kills every worker it runs in fails as it would alone (it killed a fresh
// worker); the points after it run in another worker.
TEST_F(PointWorkerTest, PointThatKillsAFreshWorkerIsRecordedAsFailed) {
  const std::string dir = RunSweep(
      "crash", Spec({{"lone", "0.05"}, {"lone", "0.1"}, {"lone", "0.2"}}), [](uint32_t index) {
        if (index == 1) {
          std::fprintf(stderr, "about to crash\n");
          std::fflush(stderr);
          kill(getpid(), SIGKILL);
        }
      });
  EXPECT_EQ(sweep::StateOf(dir, 0), sweep::PointState::kOk);
  EXPECT_EQ(sweep::StateOf(dir, 1), sweep::PointState::kFailed);
  EXPECT_EQ(sweep::StateOf(dir, 2), sweep::PointState::kOk);
  absl::StatusOr<std::string> error = ReadFileToString(sweep::PointErrorPath(dir, 1));
  ASSERT_TRUE(error.ok());
  EXPECT_NE(error->find("point process killed by signal 9"), std::string::npos) << *error;
  EXPECT_NE(error->find("about to crash"), std::string::npos) << *error;
}

}  // namespace
}  // namespace memsim
