// IsolatedCall: a callback in a child process under limits; its crash, hang or runaway
// allocation comes back as a Status naming the file and how the child died.
#include "sim/util/isolated_call.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using ::testing::HasSubstr;

// No child of this process is left, running or zombie.
void ExpectNoChildren() {
  int status;
  errno = 0;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

IsolationLimits Fast() {
  IsolationLimits l;
  l.memory_bytes = uint64_t{256} << 20;
  l.cpu_seconds = 10;
  l.idle_timeout_seconds = 10;
  return l;
}

absl::Status Ignore(std::string_view) { return absl::OkStatus(); }

TEST(IsolatedCallTest, MessagesArriveWholeAndInOrder) {
  std::vector<std::string> got;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(),
      [](IsolatedSink& sink) {
        sink.Send("first");
        sink.Send("");
        sink.Send(std::string("a\0b", 3));
        return absl::OkStatus();
      },
      [&](std::string_view m) {
        got.emplace_back(m);
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got, (std::vector<std::string>{"first", "", std::string("a\0b", 3)}));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, CallbackStatusComesBackUnchanged) {
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(),
      [](IsolatedSink&) { return absl::DataLossError("in.dat: byte 12: bad size"); }, Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "in.dat: byte 12: bad size");
  ExpectNoChildren();
}

TEST(IsolatedCallTest, SegfaultNamesFileParserAndSignal) {
  absl::Status s = IsolatedCall(
      "/data/in.dat", "testlib", Fast(),
      [](IsolatedSink& sink) {
        sink.Send("partial");
        raise(SIGSEGV);
        return absl::OkStatus();
      },
      Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("/data/in.dat: testlib crashed with signal 11 (SIGSEGV: "
                                     "Segmentation fault)"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, AbortNamesSigabrt) {
  absl::Status s = IsolatedCall(
      "in.xml", "testlib", Fast(), [](IsolatedSink&) -> absl::Status { std::abort(); }, Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("in.xml: testlib crashed with signal 6 (SIGABRT: Aborted)"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, LibraryCallingExitIsAnError) {
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(), [](IsolatedSink&) -> absl::Status { std::exit(3); }, Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("in.dat: testlib exited with status 3 before giving an answer"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, SilentEndlessLoopIsKilledAfterTheIdleTimeout) {
  IsolationLimits limits = Fast();
  limits.idle_timeout_seconds = 0.25;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", limits,
      [](IsolatedSink&) -> absl::Status {
        for (;;) pause();
      },
      Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("in.dat: testlib made no progress for 0.25 s and was killed"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, ChattyEndlessLoopIsKilledAfterTheTotalTimeout) {
  IsolationLimits limits = Fast();
  limits.timeout_seconds = 0.5;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", limits,
      [](IsolatedSink& sink) -> absl::Status {
        for (;;) {
          sink.Send("tick");
          sink.Flush();
          usleep(10000);
        }
      },
      Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("in.dat: testlib did not finish within 0.5 s"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, BusyLoopHitsTheCpuLimit) {
  IsolationLimits limits = Fast();
  limits.cpu_seconds = 1;
  limits.idle_timeout_seconds = 0;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", limits,
      [](IsolatedSink&) -> absl::Status {
        volatile uint64_t x = 0;
        for (;;) x = x + 1;
      },
      Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("in.dat: testlib used up its CPU-time limit of 1 s"));
  ExpectNoChildren();
}

TEST(IsolatedCallTest, AllocationPastTheLimitIsAMemoryError) {
  if (!IsolationCanLimitMemory()) GTEST_SKIP() << "sanitizer build: no RLIMIT_AS";
  IsolationLimits limits = Fast();
  limits.memory_bytes = uint64_t{64} << 20;
  absl::Status s = IsolatedCall(
      "huge.dat", "testlib", limits,
      [](IsolatedSink& sink) {
        // A size read from a file: 1 GiB, far past 64 MiB.
        std::vector<char> buffer(size_t{1} << 30, 'x');
        sink.Send(std::string_view(buffer.data(), 1));
        return absl::OkStatus();
      },
      Ignore);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("huge.dat: testlib ran out of its memory limit of 64 MiB"));
  ExpectNoChildren();
}

// Deterministic bytes of every value, 8 MiB and a few more: larger than any pipe buffer,
// so it only arrives if the parent reads while the child writes.
std::string BigPayload() {
  std::string s((size_t{8} << 20) + 12345, '\0');
  uint64_t x = 0x9E3779B97F4A7C15;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

TEST(IsolatedCallTest, LargeResultRoundTripsExactly) {
  const std::string expected = BigPayload();
  absl::StatusOr<std::string> r = IsolatedCallForResult(
      "in.dat", "testlib", Fast(), [&]() -> absl::StatusOr<std::string> { return expected; });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), expected.size());
  EXPECT_TRUE(*r == expected);
  ExpectNoChildren();
}

TEST(IsolatedCallTest, ManySmallMessagesRoundTripExactly) {
  const std::string big = BigPayload();
  std::string got;
  size_t messages = 0;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(),
      [&](IsolatedSink& sink) {
        // Sizes 0..999 bytes, cycling: frames straddle every chunk boundary.
        size_t at = 0;
        for (size_t i = 0; at < big.size(); ++i) {
          const size_t n = std::min(big.size() - at, i % 1000);
          sink.Send(std::string_view(big).substr(at, n));
          at += n;
        }
        return absl::OkStatus();
      },
      [&](std::string_view m) {
        got.append(m.data(), m.size());
        ++messages;
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(messages, 10000u);
  EXPECT_TRUE(got == big);
  ExpectNoChildren();
}

TEST(IsolatedCallTest, ParentErrorStopsTheChild) {
  int seen = 0;
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(),
      [](IsolatedSink& sink) -> absl::Status {
        for (;;) sink.Send("record");
      },
      [&](std::string_view) {
        ++seen;
        return seen == 3 ? absl::InvalidArgumentError("in.dat: record 3 is malformed")
                         : absl::OkStatus();
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "in.dat: record 3 is malformed");
  EXPECT_EQ(seen, 3);
  ExpectNoChildren();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t g_test_pid = 0;
std::string* g_atexit_marker = nullptr;

void MarkIfChild() {
  if (getpid() == g_test_pid || g_atexit_marker == nullptr) return;
  if (std::FILE* f = std::fopen(g_atexit_marker->c_str(), "w")) std::fclose(f);
}

// The child leaves with _exit(): the parent's atexit handlers do not run in it, and a
// stdio buffer the parent had not flushed is written once, not twice.
TEST(IsolatedCallTest, ChildRunsNoAtexitHandlerAndDuplicatesNoOutput) {
  g_test_pid = getpid();
  static std::string marker = test_util::TmpPath("atexit-ran-in-child");
  g_atexit_marker = &marker;
  std::atexit(&MarkIfChild);
  const std::string out_path = test_util::TmpPath("buffered.txt");
  std::FILE* out = std::fopen(out_path.c_str(), "w");
  ASSERT_NE(out, nullptr);
  std::fputs("written by the parent\n", out);  // buffered, not yet flushed
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(), [](IsolatedSink&) { return absl::OkStatus(); }, Ignore);
  ASSERT_TRUE(s.ok()) << s;
  std::fclose(out);
  EXPECT_EQ(ReadFile(out_path), "written by the parent\n");
  EXPECT_FALSE(std::ifstream(marker).good());
  ExpectNoChildren();
}

// What a library prints on stdout goes to stderr: `memsim import -o -` writes the trace to
// stdout, and the child must not mix into it.
TEST(IsolatedCallTest, ChildStdoutDoesNotReachTheParentsStdout) {
  const std::string out_path = test_util::TmpPath("stdout.txt");
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  const int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  dup2(fd, STDOUT_FILENO);
  close(fd);
  absl::Status s = IsolatedCall(
      "in.dat", "testlib", Fast(),
      [](IsolatedSink&) {
        const char msg[] = "library chatter\n";
        if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0) return absl::InternalError("write");
        return absl::OkStatus();
      },
      Ignore);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(ReadFile(out_path), "");
  ExpectNoChildren();
}

TEST(IsolatedCallTest, DescribeSignal) {
  EXPECT_EQ(DescribeSignal(SIGSEGV), "signal 11 (SIGSEGV: Segmentation fault)");
  EXPECT_EQ(DescribeSignal(SIGBUS), "signal 7 (SIGBUS: Bus error)");
}

}  // namespace
}  // namespace memsim
