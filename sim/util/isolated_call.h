// Runs a parser that cannot be trusted with a malformed file (a C library such as libtracecmd
// or libhwloc) in a forked child process under memory, CPU and wall-clock limits, so that a
// segfault, an abort, a runaway allocation or an endless loop in it becomes an absl::Status
// naming the file instead of the end of memsim.
//
// The child runs a callback that sends messages (serialized results: protobufs or any bytes)
// through a pipe; the parent receives each one whole and in order while the child is still
// running, so results of any size stream through without a deadlock and without being held
// twice in memory.
#ifndef MEMSIM_SIM_UTIL_ISOLATED_CALL_H_
#define MEMSIM_SIM_UTIL_ISOLATED_CALL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memsim {

struct IsolationLimits {
  // Address space the child may map beyond what it inherits from the parent (RLIMIT_AS set
  // to inherited + this), bytes; 0: no limit. Not applied in AddressSanitizer,
  // ThreadSanitizer or MemorySanitizer builds, which reserve terabytes of shadow memory.
  uint64_t memory_bytes = uint64_t{4} << 30;
  // CPU time of the child (RLIMIT_CPU: SIGXCPU at the limit), seconds; 0: no limit.
  uint64_t cpu_seconds = 60;
  // The parent kills the child (SIGKILL) when it has sent no message for this long,
  // seconds; 0: never. Children that work for long send progress messages.
  double idle_timeout_seconds = 60;
  // The parent kills the child when it runs longer than this in all, seconds; 0: never.
  double timeout_seconds = 0;
};

// The child's end of the pipe. Messages are buffered and written in large chunks.
class IsolatedSink {
 public:
  explicit IsolatedSink(int fd);
  IsolatedSink(const IsolatedSink&) = delete;
  IsolatedSink& operator=(const IsolatedSink&) = delete;

  // Queues one message (at most kMaxMessageBytes); the parent's on_message receives it whole.
  // If the parent has gone away the child exits at once.
  void Send(std::string_view message);
  // Writes what is queued.
  void Flush();

  static constexpr uint64_t kMaxMessageBytes = uint64_t{1} << 30;

 private:
  friend class IsolatedCallChild;
  void Frame(char type, std::string_view payload);
  int fd_;
  std::string buffer_;
};

// Runs `child(sink)` in a forked child process under `limits` and passes every message it
// sends to `on_message(message)` in the parent, in order. `file` names the input in errors
// and `parser` the library ("libtracecmd").
//
// Returns OK when the child's callback returned OK and every on_message did. Otherwise:
//  - the callback's own non-OK status, code and message unchanged;
//  - the first non-OK status of on_message (the child is killed at once);
//  - kInvalidArgument "<file>: <parser> crashed (signal 11, SIGSEGV: Segmentation fault)
//    ..." when the child dies by a signal, or exits without an answer (a library calling
//    exit());
//  - kResourceExhausted "<file>: <parser> ran out of its 4 GiB memory limit ..." when an
//    allocation of C++ code in the child fails (C code usually reports a failed malloc as an
//    error of its own, or crashes);
//  - kDeadlineExceeded "<file>: <parser> ... killed after N s ..." on a timeout or the CPU
//    limit.
// No child is left behind: it is reaped on every path, and dies with the parent
// (PR_SET_PDEATHSIG).
//
// In the child: stdout is redirected to stderr (so a library's printing cannot corrupt
// memsim's own stdout output), core dumps are off, and the child leaves with _exit() — no
// atexit handler or destructor of the parent's objects runs, and no stdio buffer inherited
// from the parent is flushed (the parent flushes them before forking).
// REQUIRES: no other thread of the caller holds a lock the callback needs (fork copies only
// the calling thread); the callback must not use the parent's open files.
absl::Status IsolatedCall(const std::string& file, const std::string& parser,
                          const IsolationLimits& limits,
                          const std::function<absl::Status(IsolatedSink& sink)>& child,
                          const std::function<absl::Status(std::string_view message)>& on_message);

// The common case of one result: the child computes bytes (a serialized protobuf), the
// parent gets them back.
absl::StatusOr<std::string> IsolatedCallForResult(
    const std::string& file, const std::string& parser, const IsolationLimits& limits,
    const std::function<absl::StatusOr<std::string>()>& child);

// "signal 11 (SIGSEGV: Segmentation fault)".
std::string DescribeSignal(int signal_number);

// False in sanitizer builds, where IsolationLimits::memory_bytes is not applied.
bool IsolationCanLimitMemory();

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_ISOLATED_CALL_H_
