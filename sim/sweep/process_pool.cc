#include "sim/sweep/process_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sim/util/output_file.h"

namespace memsim::sweep {
namespace {

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

ProcessOutcome Outcome(int status) {
  ProcessOutcome o;
  if (WIFEXITED(status)) {
    o.ok = WEXITSTATUS(status) == 0;
    if (!o.ok) o.what = absl::StrCat("exit status ", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    o.what =
        absl::StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  } else {
    o.what = "ended abnormally";
  }
  return o;
}

// In a child: die with the parent, send output to the log.
void SetUpChild(const std::string& log_path, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(125);  // the parent died before prctl took effect
  if (!log_path.empty()) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
  }
}

// In the child: set up, then run or exec the task.
[[noreturn]] void ExecChild(const ProcessTask& task, pid_t parent) {
  SetUpChild(task.log_path, parent);
  if (task.run) {
    const int code = task.run();
    std::fflush(nullptr);
    _exit(code);  // not exit(): the parent's atexit handlers and static destructors are its own
  }
  std::vector<char*> argv = CArgv(task.argv);
  execv(argv[0], argv.data());
  std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

absl::Status RunProcesses(const std::vector<ProcessTask>& tasks, int jobs,
                          const std::function<void(size_t, const ProcessOutcome&)>& on_done) {
  if (jobs < 1) return absl::InvalidArgumentError("jobs must be >= 1");
  std::map<pid_t, size_t> running;
  size_t next = 0;
  const pid_t self = getpid();
  while (next < tasks.size() || !running.empty()) {
    while (next < tasks.size() && running.size() < static_cast<size_t>(jobs)) {
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
      if (pid == 0) ExecChild(tasks[next], self);
      running.emplace(pid, next++);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t index = it->second;
    running.erase(it);
    on_done(index, Outcome(status));
  }
  return absl::OkStatus();
}

absl::StatusOr<ReportingChild> ForkReporting(const std::function<int(int report_fd)>& run,
                                             const std::string& log_path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  const pid_t self = getpid();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    SetUpChild(log_path, self);
    const int code = run(fds[1]);
    std::fflush(nullptr);
    _exit(code);  // not exit(): the parent's atexit handlers and static destructors are its own
  }
  close(fds[1]);
  return ReportingChild{pid, fds[0]};
}

ProcessOutcome WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ProcessOutcome o;
      o.what = absl::StrCat("waitpid: ", std::strerror(errno));
      return o;
    }
  }
  return Outcome(status);
}

absl::StatusOr<std::string> RunAndCapture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> a = CArgv(argv);
    execvp(a[0], a.data());
    std::fprintf(stderr, "exec %s: %s\n", a[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ProcessOutcome o = Outcome(status);
  if (!o.ok) {
    return absl::InternalError(absl::StrCat(
        argv[0], " failed: ", o.what, out.empty() ? "" : absl::StrCat("; it printed: ", out)));
  }
  return out;
}

absl::StatusOr<std::string> SelfExecutable() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return absl::InternalError(absl::StrCat("readlink /proc/self/exe: ", std::strerror(errno)));
  return std::string(buf, n);
}

std::string LastLineOf(const std::string& log_path) {
  absl::StatusOr<std::string> text = ReadFileToString(log_path);
  if (!text.ok()) return "";
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(absl::StripAsciiWhitespace(lines.back()));
}

}  // namespace memsim::sweep
