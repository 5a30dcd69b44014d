// OutputFile on every kind of target: regular files atomically (nothing left behind on
// success, failure or a signal), symlinks written through, FIFOs, device nodes and /dev/fd
// written directly, directories and inputs refused. Device nodes and FIFOs are made in a
// temporary directory; the system's are never touched.
#include "sim/util/output_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "sim/util/temp_file_registry.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using ::memsim::test_util::DirEntries;
using ::memsim::test_util::ScopedTempDir;

std::string Read(const std::string& path) {
  auto s = ReadFileToString(path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

void Write(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomically(path, text).ok());
}

using Names = std::vector<std::string>;

TEST(OutputFile, NewRegularFileAppearsOnlyOnCommitWithNoTemporaryName) {
  ScopedTempDir dir;
  const std::string path = dir.File("out.json");
  auto f = OutputFile::Create(path);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE((*f)->atomic());
  ASSERT_TRUE((*f)->Append("hello").ok());
  EXPECT_EQ(DirEntries(dir.path()), Names{});  // O_TMPFILE: no name while writing
  ASSERT_TRUE((*f)->Commit().ok());
  EXPECT_EQ(Read(path), "hello");
  EXPECT_EQ(DirEntries(dir.path()), Names{"out.json"});
}

TEST(OutputFile, ReplacedFileChangesAtOnceAndKeepsItsMode) {
  ScopedTempDir dir;
  const std::string path = dir.File("out.csv");
  Write(path, "old");
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  auto f = OutputFile::Create(path);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("new contents").ok());
  EXPECT_EQ(Read(path), "old");
  ASSERT_TRUE((*f)->Commit().ok());
  EXPECT_EQ(Read(path), "new contents");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(DirEntries(dir.path()), Names{"out.csv"});
}

TEST(OutputFile, ReplacedFileKeepsItsOwnerWhenRootWritesIt) {
  if (geteuid() != 0) GTEST_SKIP() << "only root can give a file to another user";
  ScopedTempDir dir;
  const std::string path = dir.File("theirs.json");
  Write(path, "old");
  ASSERT_EQ(chown(path.c_str(), 1234, 5678), 0);
  Write(path, "new");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(Read(path), "new");
}

TEST(OutputFile, AbandonedFileLeavesTargetUntouchedAndNothingElse) {
  ScopedTempDir dir;
  const std::string path = dir.File("out.json");
  Write(path, "old");
  {
    auto f = OutputFile::Create(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }
  EXPECT_EQ(Read(path), "old");
  EXPECT_EQ(DirEntries(dir.path()), Names{"out.json"});
}

TEST(OutputFile, FailedCommitLeavesNothingBehind) {
  ScopedTempDir dir;
  const std::string path = dir.File("out.json");
  auto f = OutputFile::Create(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("bytes").ok());
  // The target became a directory meanwhile: the rename fails.
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  absl::Status s = (*f)->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "Is a directory")) << s;
  EXPECT_EQ(DirEntries(dir.path()), Names{"out.json"});
  EXPECT_EQ(DirEntries(path), Names{});
}

TEST(OutputFile, NamedFallbackTemporaryIsRecognisableAndRemovedOnCommit) {
  ScopedTempDir dir;
  const std::string path = dir.File("out.json");
  OutputOptions o;
  o.named_temp_for_test = true;
  auto f = OutputFile::Create(path, o);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("x").ok());
  Names during = DirEntries(dir.path());
  ASSERT_EQ(during.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(during[0], ".out.json.memsim-tmp." + std::to_string(getpid())))
      << during[0];
  EXPECT_EQ(TempFileRegistry::Count(), 1);
  ASSERT_TRUE((*f)->Commit().ok());
  EXPECT_EQ(TempFileRegistry::Count(), 0);
  EXPECT_EQ(DirEntries(dir.path()), Names{"out.json"});
  EXPECT_EQ(Read(path), "x");
}

// A child writes an output and waits; the parent kills it with `sig` mid-write.
void KillMidWrite(bool named, int sig) {
  struct sigaction old {};
  ASSERT_EQ(sigaction(sig, nullptr, &old), 0);
  if (old.sa_handler == SIG_IGN) {
    // Inherited as ignored (e.g. SIGINT in a background job): the registry leaves it so.
    GTEST_SKIP() << "signal " << sig << " is ignored in this process";
  }
  ScopedTempDir dir;
  const std::string path = dir.File("out.json");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    OutputOptions o;
    o.named_temp_for_test = named;
    auto f = OutputFile::Create(path, o);
    if (!f.ok() || !(*f)->Append(std::string(1 << 16, 'x')).ok()) _exit(3);
    if (write(ready[1], "r", 1) != 1) _exit(4);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  EXPECT_EQ(DirEntries(dir.path()).size(), named ? 1u : 0u);
  ASSERT_EQ(kill(child, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), sig);
  EXPECT_EQ(DirEntries(dir.path()), Names{});
}

TEST(OutputFile, SigtermMidWriteLeavesNothingWithNamedTemporary) { KillMidWrite(true, SIGTERM); }
TEST(OutputFile, SigintMidWriteLeavesNothingWithNamedTemporary) { KillMidWrite(true, SIGINT); }
TEST(OutputFile, SigkillMidWriteLeavesNothingWithAnonymousTemporary) {
  KillMidWrite(false, SIGKILL);
}

TEST(OutputFile, SymlinkIsWrittenThroughAndStaysALink) {
  ScopedTempDir dir;
  const std::string real = dir.File("real.json");
  const std::string link = dir.File("link.json");
  const std::string link2 = dir.File("link2.json");
  Write(real, "old");
  ASSERT_EQ(symlink("real.json", link.c_str()), 0);  // relative, resolved against its directory
  ASSERT_EQ(symlink(link.c_str(), link2.c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(link2, "new").ok());
  struct stat st {};
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(lstat(link2.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(Read(real), "new");
  EXPECT_EQ(DirEntries(dir.path()), (Names{"link.json", "link2.json", "real.json"}));
}

TEST(OutputFile, DanglingSymlinkCreatesItsTarget) {
  ScopedTempDir dir;
  const std::string link = dir.File("link.json");
  ASSERT_EQ(symlink("made.json", link.c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(link, "made").ok());
  struct stat st {};
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(Read(dir.File("made.json")), "made");
}

TEST(OutputFile, SymlinkLoopIsAnError) {
  ScopedTempDir dir;
  const std::string a = dir.File("a");
  ASSERT_EQ(symlink("b", a.c_str()), 0);
  ASSERT_EQ(symlink("a", dir.File("b").c_str()), 0);
  auto f = OutputFile::Create(a);
  EXPECT_FALSE(f.ok());
  EXPECT_TRUE(absl::StrContains(f.status().message(), "Too many levels of symbolic links"))
      << f.status();
}

TEST(OutputFile, FifoIsWrittenDirectly) {
  ScopedTempDir dir;
  const std::string fifo = dir.File("pipe");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = Read(fifo); });
  absl::Status s = WriteFileAtomically(fifo, "through the pipe\n");
  reader.join();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(received, "through the pipe\n");
  struct stat st {};
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(DirEntries(dir.path()), Names{"pipe"});
}

// A character device node like /dev/null (1,3) or /dev/full (1,7), in `dir`.
bool MakeCharDevice(const std::string& path, unsigned minor) {
  return mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0;
}

TEST(OutputFile, CharacterDeviceIsWrittenDirectlyAndStaysADevice) {
  ScopedTempDir dir;
  const std::string null = dir.File("null");
  if (!MakeCharDevice(null, 3)) GTEST_SKIP() << "mknod needs CAP_MKNOD: " << strerror(errno);
  auto f = OutputFile::Create(null);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE((*f)->atomic());
  ASSERT_TRUE((*f)->Append("discarded").ok());
  ASSERT_TRUE((*f)->Commit().ok());
  struct stat st {};
  ASSERT_EQ(lstat(null.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(DirEntries(dir.path()), Names{"null"});
}

TEST(OutputFile, FullDeviceIsAnErrorNamingThePath) {
  ScopedTempDir dir;
  const std::string full = dir.File("full");
  if (!MakeCharDevice(full, 7)) GTEST_SKIP() << "mknod needs CAP_MKNOD: " << strerror(errno);
  absl::Status s = WriteFileAtomically(full, "no room");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "error writing to " + full + ": No space left on device");
}

TEST(OutputFile, DevFdIsWrittenDirectly) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  absl::Status s = WriteFileAtomically("/dev/fd/" + std::to_string(p[1]), "via fd");
  EXPECT_TRUE(s.ok()) << s;
  close(p[1]);
  char buf[16] = {};
  EXPECT_EQ(read(p[0], buf, sizeof buf), 6);
  EXPECT_EQ(std::string(buf), "via fd");
  close(p[0]);
}

TEST(OutputFile, DirectoryIsAnError) {
  ScopedTempDir dir;
  auto f = OutputFile::Create(dir.path());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.status().message(), "cannot write " + dir.path() + ": it is a directory");
}

TEST(OutputFile, UnwritableDirectoryIsAnError) {
  ScopedTempDir dir;
  const std::string path = dir.File("missing/out.json");
  auto f = OutputFile::Create(path);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(f.status().message(), "cannot create " + path + ": No such file or directory");
}

TEST(OutputFile, OutputThatIsAnInputIsRefusedAndTheInputKept) {
  ScopedTempDir dir;
  const std::string in = dir.File("in.mtrace");
  Write(in, "input bytes");
  OutputOptions o;
  o.inputs = {dir.File("other"), in};
  auto f = OutputFile::Create(in, o);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(f.status().message(), "refusing to write " + in + ": it is the input " + in))
      << f.status();
  EXPECT_EQ(Read(in), "input bytes");
  EXPECT_EQ(DirEntries(dir.path()), Names{"in.mtrace"});
}

TEST(OutputFile, OutputThatIsAnInputThroughSymlinkOrHardLinkIsRefused) {
  ScopedTempDir dir;
  const std::string in = dir.File("in.mtrace");
  Write(in, "input bytes");
  ASSERT_EQ(symlink("in.mtrace", dir.File("sym").c_str()), 0);
  ASSERT_EQ(link(in.c_str(), dir.File("hard").c_str()), 0);
  EXPECT_EQ(RefuseIfInput(dir.File("sym"), {in}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RefuseIfInput(in, {dir.File("sym")}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RefuseIfInput(dir.File("hard"), {in}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Read(in), "input bytes");
}

TEST(OutputFile, OtherFilesAndNewPathsAreNotInputs) {
  ScopedTempDir dir;
  const std::string in = dir.File("in.mtrace");
  Write(in, "input bytes");
  Write(dir.File("old.json"), "old");
  EXPECT_TRUE(RefuseIfInput(dir.File("old.json"), {in, ""}).ok());
  EXPECT_TRUE(RefuseIfInput(dir.File("new.json"), {in}).ok());
}

TEST(OutputFile, ScratchFileHasNoName) {
  ScopedTempDir dir;
  auto f = OpenScratchFile(dir.path());
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(std::fwrite("scratch", 1, 7, *f), 7u);
  EXPECT_EQ(DirEntries(dir.path()), Names{});
  ASSERT_EQ(std::fseek(*f, 0, SEEK_SET), 0);
  char buf[8] = {};
  EXPECT_EQ(std::fread(buf, 1, 7, *f), 7u);
  EXPECT_EQ(std::string(buf), "scratch");
  std::fclose(*f);
}

}  // namespace
}  // namespace memsim
