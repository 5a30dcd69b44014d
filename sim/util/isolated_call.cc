#include "sim/util/isolated_call.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/util/status_macros.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEMSIM_ISOLATION_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define MEMSIM_ISOLATION_SANITIZER 1
#endif
#endif

namespace memsim {

// Frames on the pipe: one type byte, a 4-byte length (host order: both ends are this
// process image), then the payload.
namespace {

constexpr char kFrameMessage = 'M';
constexpr char kFrameStatus = 'S';       // the callback's status: 4-byte code, message
constexpr char kFrameOutOfMemory = 'O';  // empty; the child exits right after
constexpr size_t kFrameHeaderBytes = 5;
constexpr size_t kSinkFlushBytes = 64 << 10;

// Exit codes of the child that are ours (anything else is the callback's or a library's).
constexpr int kExitOutOfMemory = 121;
constexpr int kExitParentGone = 122;

using Clock = std::chrono::steady_clock;

// Writes all of `data`; false if the reader has gone (EPIPE) or on another error.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The pipe's write end, for the new-handler (which may not allocate).
int g_out_of_memory_fd = -1;

void OnOutOfMemory() {
  // The sink writes only whole frames, and the handler runs only inside an allocation, so
  // the pipe is at a frame boundary here.
  char frame[kFrameHeaderBytes] = {kFrameOutOfMemory, 0, 0, 0, 0};
  WriteAll(g_out_of_memory_fd, frame, sizeof frame);
  ::_exit(kExitOutOfMemory);
}

// Bytes the process has mapped now (/proc/self/statm, first field in pages), read without
// allocating; 0 if unknown. Unused in a sanitizer build (no address-space limit there).
[[maybe_unused]] uint64_t MappedBytes() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  uint64_t pages = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    pages = pages * 10 + static_cast<uint64_t>(buf[i] - '0');
  }
  return pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string Bytes(uint64_t b) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = static_cast<double>(b);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  // Two literal formats: clang checks absl::StrFormat's format at compile time.
  if (v == static_cast<double>(static_cast<uint64_t>(v)))
    return absl::StrFormat("%.0f %s", v, units[u]);
  return absl::StrFormat("%.1f %s", v, units[u]);
}

// waitpid() through EINTR; -1 if there is no such child (SIGCHLD ignored by someone).
int Reap(pid_t pid, int* status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, status, 0);
    if (r == pid) return 0;
    if (r < 0 && errno != EINTR) return -1;
  }
}

// After the pipe's EOF the child is exiting: give it a moment to become a zombie before
// making sure with SIGKILL (a library could close the pipe and keep running).
int ReapExiting(pid_t pid, int* status) {
  for (int i = 0; i < 2000; ++i) {
    const pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return 0;
    if (r < 0 && errno != EINTR) return -1;
    const timespec ms = {0, 1000000};
    ::nanosleep(&ms, nullptr);
  }
  ::kill(pid, SIGKILL);
  return Reap(pid, status);
}

std::string Seconds(double s) { return absl::StrCat(s, " s"); }

}  // namespace

// The child's side: never returns.
class IsolatedCallChild {
 public:
  [[noreturn]] static void Run(int fd, pid_t parent, const IsolationLimits& limits,
                               const std::function<absl::Status(IsolatedSink&)>& child) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExitParentGone);  // the parent died before prctl
    // The parent's handlers (cleanup on Ctrl-C, ...) are not the child's business; a
    // Ctrl-C reaches the whole process group and kills the child by default.
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGUSR1, SIGUSR2}) {
      ::signal(sig, SIG_DFL);
    }
    ::signal(SIGPIPE, SIG_IGN);  // a parent that stopped reading gives EPIPE: exit then
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::prctl(PR_SET_DUMPABLE, 0);
    const rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
#ifndef MEMSIM_ISOLATION_SANITIZER
    if (limits.memory_bytes > 0) {
      const rlim_t as = static_cast<rlim_t>(MappedBytes() + limits.memory_bytes);
      const rlimit lim = {as, as};
      ::setrlimit(RLIMIT_AS, &lim);
    }
#endif
    if (limits.cpu_seconds > 0) {
      // SIGXCPU at the soft limit; the hard limit (SIGKILL) a second later in case the
      // signal is caught or ignored.
      const rlimit lim = {static_cast<rlim_t>(limits.cpu_seconds),
                          static_cast<rlim_t>(limits.cpu_seconds + 1)};
      ::setrlimit(RLIMIT_CPU, &lim);
    }
    g_out_of_memory_fd = fd;
    std::set_new_handler(&OnOutOfMemory);

    IsolatedSink sink(fd);
    const absl::Status status = child(sink);
    std::string payload(4, '\0');
    const uint32_t code = static_cast<uint32_t>(status.code());
    std::memcpy(payload.data(), &code, 4);
    payload.append(status.message().data(), status.message().size());
    sink.Frame(kFrameStatus, payload);
    sink.Flush();
    ::_exit(0);
  }
};

IsolatedSink::IsolatedSink(int fd) : fd_(fd) { buffer_.reserve(kSinkFlushBytes + 4096); }

void IsolatedSink::Send(std::string_view message) { Frame(kFrameMessage, message); }

void IsolatedSink::Frame(char type, std::string_view payload) {
  MEMSIM_CHECK(payload.size() <= kMaxMessageBytes, "isolated call: message too large");
  char header[kFrameHeaderBytes];
  header[0] = type;
  const uint32_t size = static_cast<uint32_t>(payload.size());
  std::memcpy(header + 1, &size, 4);
  if (buffer_.size() + kFrameHeaderBytes + payload.size() > kSinkFlushBytes) Flush();
  if (payload.size() >= kSinkFlushBytes) {
    // Large: straight to the pipe, without a copy.
    if (!WriteAll(fd_, header, sizeof header) || !WriteAll(fd_, payload.data(), payload.size())) {
      ::_exit(kExitParentGone);
    }
    return;
  }
  buffer_.append(header, sizeof header);
  buffer_.append(payload.data(), payload.size());
}

void IsolatedSink::Flush() {
  if (buffer_.empty()) return;
  if (!WriteAll(fd_, buffer_.data(), buffer_.size())) ::_exit(kExitParentGone);
  buffer_.clear();
}

std::string DescribeSignal(int signal_number) {
  const char* abbrev = ::sigabbrev_np(signal_number);
  const char* descr = ::sigdescr_np(signal_number);
  return absl::StrCat("signal ", signal_number, " (SIG", abbrev != nullptr ? abbrev : "?", ": ",
                      descr != nullptr ? descr : "unknown signal", ")");
}

bool IsolationCanLimitMemory() {
#ifdef MEMSIM_ISOLATION_SANITIZER
  return false;
#else
  return true;
#endif
}

absl::Status IsolatedCall(const std::string& file, const std::string& parser,
                          const IsolationLimits& limits,
                          const std::function<absl::Status(IsolatedSink& sink)>& child,
                          const std::function<absl::Status(std::string_view message)>& on_message) {
  const std::string who = absl::StrCat(file, ": ", parser);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat(who, ": pipe: ", std::strerror(errno)));
  }
  std::fflush(nullptr);  // else the child could write the parent's buffered output again
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat(who, ": fork: ", std::strerror(err)));
  }
  if (pid == 0) {
    ::close(fds[0]);
    IsolatedCallChild::Run(fds[1], parent, limits, child);
  }
  ::close(fds[1]);
  const int fd = fds[0];

  const Clock::time_point start = Clock::now();
  Clock::time_point last_data = start;
  std::string buffer;  // unparsed bytes from buffer[begin]
  size_t begin = 0;
  bool have_status = false, out_of_memory = false;
  absl::Status child_status;
  absl::Status abort_status;  // set when the parent stops the child
  std::string read_chunk(256 << 10, '\0');

  for (;;) {
    int wait_ms = -1;
    const Clock::time_point now = Clock::now();
    auto bound = [&](double seconds, Clock::time_point from) {
      if (seconds <= 0) return;
      const auto end = from + std::chrono::duration<double>(seconds);
      const int64_t ms =
          std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(end - now).count());
      if (wait_ms < 0 || ms < wait_ms) wait_ms = static_cast<int>(std::min<int64_t>(ms, 1 << 30));
    };
    bound(limits.timeout_seconds, start);
    bound(limits.idle_timeout_seconds, last_data);
    pollfd p = {fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      abort_status = absl::InternalError(absl::StrCat(who, ": poll: ", std::strerror(errno)));
      break;
    }
    if (ready == 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (limits.timeout_seconds > 0 && elapsed >= limits.timeout_seconds) {
        abort_status = absl::DeadlineExceededError(absl::StrCat(
            who, " did not finish within ", Seconds(limits.timeout_seconds),
            " and was killed (it runs in a child process); the file is probably malformed"));
      } else {
        abort_status = absl::DeadlineExceededError(absl::StrCat(
            who, " made no progress for ", Seconds(limits.idle_timeout_seconds),
            " and was killed (it runs in a child process): an endless loop on a malformed "
            "file?"));
      }
      break;
    }
    const ssize_t n = ::read(fd, read_chunk.data(), read_chunk.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      abort_status = absl::InternalError(absl::StrCat(who, ": read: ", std::strerror(errno)));
      break;
    }
    if (n == 0) break;  // the child closed its end: it exited
    last_data = Clock::now();
    buffer.append(read_chunk.data(), static_cast<size_t>(n));
    while (abort_status.ok() && buffer.size() - begin >= kFrameHeaderBytes) {
      uint32_t size;
      std::memcpy(&size, buffer.data() + begin + 1, 4);
      if (buffer.size() - begin - kFrameHeaderBytes < size) break;
      const char type = buffer[begin];
      const std::string_view payload(buffer.data() + begin + kFrameHeaderBytes, size);
      if (type == kFrameMessage) {
        abort_status = on_message(payload);
      } else if (type == kFrameStatus && size >= 4) {
        uint32_t code;
        std::memcpy(&code, payload.data(), 4);
        child_status = absl::Status(static_cast<absl::StatusCode>(code),
                                    absl::string_view(payload.data() + 4, payload.size() - 4));
        have_status = true;
      } else if (type == kFrameOutOfMemory) {
        out_of_memory = true;
      } else {
        abort_status = absl::InternalError(absl::StrCat(who, ": garbled reply from the child"));
      }
      begin += kFrameHeaderBytes + size;
    }
    if (!abort_status.ok()) break;
    if (begin > buffer.size() / 2) {
      buffer.erase(0, begin);
      begin = 0;
    }
  }
  ::close(fd);

  int wstatus = 0;
  if (!abort_status.ok()) {
    ::kill(pid, SIGKILL);
    Reap(pid, &wstatus);
    return abort_status;
  }
  // After the status frame the child only calls _exit(): wait for it. Else it is dying, or
  // a library closed the pipe; give it a moment, then SIGKILL.
  if ((have_status ? Reap(pid, &wstatus) : ReapExiting(pid, &wstatus)) != 0) {
    if (have_status) return child_status;
    return absl::InternalError(absl::StrCat(who, ": lost track of the child process"));
  }
  if (have_status && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return child_status;
  if (out_of_memory || (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kExitOutOfMemory)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(who, " ran out of its memory limit of ", Bytes(limits.memory_bytes),
                     " (it runs in a child process): a size in the file is probably implausible"));
  }
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    if (sig == SIGXCPU) {
      return absl::DeadlineExceededError(absl::StrCat(
          who, " used up its CPU-time limit of ", limits.cpu_seconds,
          " s and was killed (it runs in a child process): an endless loop on a malformed file?"));
    }
    if (sig == SIGKILL) {
      return absl::ResourceExhaustedError(
          absl::StrCat(who, " was killed by ", DescribeSignal(sig),
                       " (the kernel's out-of-memory killer, or the hard CPU-time limit of ",
                       limits.cpu_seconds + 1, " s)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(who, " crashed with ", DescribeSignal(sig),
                     " while reading it (in a child process; memsim itself is unharmed): the "
                     "file is probably malformed"));
  }
  if (WIFEXITED(wstatus)) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, " exited with status ", WEXITSTATUS(wstatus),
        " before giving an answer (in a child process): the file is probably malformed"));
  }
  return absl::InternalError(absl::StrCat(who, ": the child process ended abnormally"));
}

absl::StatusOr<std::string> IsolatedCallForResult(
    const std::string& file, const std::string& parser, const IsolationLimits& limits,
    const std::function<absl::StatusOr<std::string>()>& child) {
  std::string result;
  RETURN_IF_ERROR(IsolatedCall(
      file, parser, limits,
      [&child](IsolatedSink& sink) -> absl::Status {
        absl::StatusOr<std::string> r = child();
        if (!r.ok()) return r.status();
        sink.Send(*r);
        return absl::OkStatus();
      },
      [&result](std::string_view message) {
        result.assign(message.data(), message.size());
        return absl::OkStatus();
      }));
  return result;
}

}  // namespace memsim
