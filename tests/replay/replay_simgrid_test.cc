// The replay with migration copies carried by SimGrid. SimGrid 3.32 allows one engine per
// process, so each scenario runs in a forked child that reports the migrate latency total.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "sim/hw/sim_platform.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::KindOf;
using testing::Migrate;
using testing::Replay;
using testing::WriteTrace;

// Runs the replay of `trace` with SimGrid in a child; returns its migrate latency total.
double MigrateTotalWithSimGrid(const std::string& trace, uint64_t quantum_ns = 1'000'000) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Replay replay(trace, "page64");
    replay.job.options.quantum_ns = quantum_ns;
    auto platform = hw::SimPlatform::Create(*replay.topology);
    if (!platform.ok()) _exit(2);
    auto copier = replay::NewSimGridCopier(platform->get());
    auto r = replay::RunReplayJob(replay.job, replay.models, copier.get());
    if (!r.ok() || !r->run().simgrid()) _exit(3);
    double total = KindOf(*r, "migrate").latency().total_ns();
    if (write(fds[1], &total, sizeof total) != sizeof total) _exit(4);
    _exit(0);
  }
  close(fds[1]);
  double total = -1;
  EXPECT_EQ(read(fds[0], &total, sizeof total), static_cast<ssize_t>(sizeof total));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return total;
}

double MigrateTotalAnalytic(const std::string& trace) {
  Replay replay(trace, "page64");
  return KindOf(replay.Run(), "migrate").latency().total_ns();
}

// One copy alone: SimGrid's time equals the analytic 200 + 409.6 ns within 1 %.
TEST(ReplaySimGrid, LoneCopyMatchesTheAnalyticTime) {
  const uint64_t src = 100, dst = 262144 + 100;
  const std::string trace =
      WriteTrace("sg_one", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
                 {Alloc(1000, 0, dst, 0, trace::OWNER_ANON), Migrate(2000, 0, src, dst, 0)});
  const double analytic = MigrateTotalAnalytic(trace);
  const double simgrid = MigrateTotalWithSimGrid(trace);
  EXPECT_DOUBLE_EQ(analytic, 112 + 609.6);
  EXPECT_NEAR(simgrid, analytic, analytic * 0.01);
  unlink(trace.c_str());
}

// Two 2 MiB copies node 0 -> node 1 at the same time from the two sockets share the 10 GB/s
// link: each takes about twice its lone 200 + 209715.2 ns, while the analytic copier charges
// each as if alone. The destination allocations come 10 ms earlier, so that both cores are
// idle and the copies start within a few hundred ns of each other.
TEST(ReplaySimGrid, ConcurrentCopiesShareTheLink) {
  const uint64_t s1 = 512, s2 = 1024, d1 = 262144 + 512, d2 = 262144 + 1024;
  const std::string trace = WriteTrace(
      "sg_two", {SnapshotRun{s1, 1024, trace::OWNER_ANON, 9, 0}},
      {Alloc(1000, 0, d1, 9, trace::OWNER_ANON), Alloc(1000, 1, d2, 9, trace::OWNER_ANON),
       Migrate(10'001'000, 0, s1, d1, 9), Migrate(10'001'000, 1, s2, d2, 9)});
  const double analytic = MigrateTotalAnalytic(trace);
  const double simgrid = MigrateTotalWithSimGrid(trace);
  const double lone_copy = 200 + 2097152 / 10e9 * 1e9;  // 209915.2 ns
  EXPECT_GT(analytic, 2 * lone_copy);
  EXPECT_LT(analytic, 2 * lone_copy + 20000);  // metadata is small next to the copies
  // Shared: each copy moves 2 MiB at 5 GB/s: 419430.4 ns more than alone, both together.
  EXPECT_NEAR(simgrid - analytic, 2 * 209715.2, 0.02 * 2 * 209715.2);
  unlink(trace.c_str());
}

// Regression: quanta used to follow the furthest core's clock, so a core busy far beyond
// trace time (512 remote struct-page writes, ~100 us) moved the quantum past another core's
// migration, whose copy then started before its batch and SimGrid refused it.
TEST(ReplaySimGrid, BusyCoreDoesNotPushAnotherCoresCopyBeforeItsQuantum) {
  const uint64_t src = 100, dst = 262144 + 100;
  const std::string trace =
      WriteTrace("sg_lag", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
                 {Alloc(1000, 1, dst, 0, trace::OWNER_ANON),
                  Alloc(1000, 0, 262144 + 4096, 9, trace::OWNER_ANON),  // core 0: node 1 is remote
                  Alloc(1500, 0, 262144 + 8192, 0, trace::OWNER_ANON),  // starts ~100 us in
                  Migrate(2000, 1, src, dst, 0)});
  const double simgrid = MigrateTotalWithSimGrid(trace, /*quantum_ns=*/10'000);
  EXPECT_NEAR(simgrid, MigrateTotalAnalytic(trace), 0.01 * simgrid);
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
