// Child processes for sweeps: points run in forked workers (and each generated trace in a
// process of its own), because a SimGrid engine lives once per process and a crashing point
// must not take the sweep down.
#ifndef MEMSIM_SIM_SWEEP_PROCESS_POOL_H_
#define MEMSIM_SIM_SWEEP_PROCESS_POOL_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace memsim::sweep {

struct ProcessTask {
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::string log_path;           // the child's stdout and stderr are appended here
  // If set, the child runs this instead of exec'ing argv: a fork of this process, so it
  // skips the program's start (loading ~80 shared libraries, reading its configs) but is
  // still a process of its own (a crash kills only it). Its return value is the exit
  // status. REQUIRES (for run): this process has no other threads and no SimGrid engine.
  std::function<int()> run;
};

struct ProcessOutcome {
  bool ok = false;
  std::string what;  // "exit status 1", "killed by signal 9"; empty when ok
};

// Runs `tasks` with at most `jobs` (>= 1) at a time, in order of their index, and calls
// `on_done(index, outcome)` in the parent as each one ends. Children die with the parent
// (PR_SET_PDEATHSIG), so killing a sweep leaves no orphan points running.
absl::Status RunProcesses(const std::vector<ProcessTask>& tasks, int jobs,
                          const std::function<void(size_t, const ProcessOutcome&)>& on_done);

// A forked child that reports to its parent through a pipe.
struct ReportingChild {
  pid_t pid = -1;
  int report_fd = -1;  // the pipe's read end (the parent's to close)
};

// Forks a child that runs `run(fd)`, fd the pipe's write end, with its stdout and stderr
// appended to `log_path`; its return value is the exit status. The child dies with the
// parent (PR_SET_PDEATHSIG). REQUIRES: as for ProcessTask::run.
absl::StatusOr<ReportingChild> ForkReporting(const std::function<int(int report_fd)>& run,
                                             const std::string& log_path);

// Waits for child `pid` to end.
ProcessOutcome WaitFor(pid_t pid);

// Runs one program to completion and returns its stdout (stderr passes through).
// Non-zero exit or a signal is an error naming the program.
absl::StatusOr<std::string> RunAndCapture(const std::vector<std::string>& argv);

// The path of the running executable (/proc/self/exe, resolved).
absl::StatusOr<std::string> SelfExecutable();

// The last non-empty line of a child's log, to quote in an error; empty if none.
std::string LastLineOf(const std::string& log_path);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_PROCESS_POOL_H_
