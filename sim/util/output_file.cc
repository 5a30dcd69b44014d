#include "sim/util/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/util/temp_file_registry.h"

namespace memsim {

namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's own limit (MAXSYMLINKS)

// A status for a failed system call: the code follows errno (ENOENT -> NotFound, EACCES ->
// PermissionDenied, ...) except that it is never InvalidArgument, which the CLI reserves for
// usage errors; writes that fail are DataLoss.
absl::Status ErrnoStatus(int err, const std::string& message, bool writing) {
  const std::string text = absl::StrCat(message, ": ", std::strerror(err));
  if (writing) return absl::DataLossError(text);
  absl::StatusCode code = absl::ErrnoToStatusCode(err);
  if (code == absl::StatusCode::kInvalidArgument) code = absl::StatusCode::kFailedPrecondition;
  return absl::Status(code, text);
}

// The descriptor a path names without opening anything: "-" and /dev/stdout are 1,
// /dev/stderr 2, /dev/fd/N and /proc/self/fd/N (or /proc/<our pid>/fd/N) are N. Else -1.
int FdOfPath(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const std::string& prefix : {std::string("/dev/fd/"), std::string("/proc/self/fd/"),
                                    absl::StrCat("/proc/", getpid(), "/fd/")}) {
    if (!absl::StartsWith(path, prefix)) continue;
    const std::string digits = path.substr(prefix.size());
    int fd = -1;
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos &&
        absl::SimpleAtoi(digits, &fd)) {
      return fd;
    }
  }
  return -1;
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string TempDirectory() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

// ".<name>.memsim-tmp.<pid>.<n>" beside `target`: recognisable, and unique in this process.
std::string TempNameFor(const std::string& target) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(Dirname(target), "/.", Basename(target), ".memsim-tmp.", getpid(), ".",
                      counter.fetch_add(1));
}

struct Target {
  enum Kind { kFd, kDevice, kRegular, kNew };
  Kind kind;
  std::string path;  // the final path, symlinks resolved
  int fd = -1;       // kFd
  mode_t mode = 0;   // kRegular: the permission bits to keep
  uid_t uid = 0;     // kRegular: the owner to keep (when we may)
  gid_t gid = 0;
};

absl::StatusOr<Target> ResolveTarget(const std::string& path) {
  std::string cur = path;
  for (int hop = 0;; ++hop) {
    if (int fd = FdOfPath(cur); fd >= 0) return Target{Target::kFd, cur, fd};
    struct stat st {};
    if (lstat(cur.c_str(), &st) != 0) {
      if (errno == ENOENT) return Target{Target::kNew, cur};
      return ErrnoStatus(errno, absl::StrCat("cannot write ", path), false);
    }
    if (S_ISLNK(st.st_mode)) {
      if (hop == kMaxSymlinkHops) {
        return ErrnoStatus(ELOOP, absl::StrCat("cannot write ", path), false);
      }
      char buf[PATH_MAX];
      const ssize_t n = readlink(cur.c_str(), buf, sizeof buf);
      if (n < 0 || n == static_cast<ssize_t>(sizeof buf)) {
        return ErrnoStatus(n < 0 ? errno : ENAMETOOLONG,
                           absl::StrCat("cannot read the symlink ", cur), false);
      }
      std::string link(buf, static_cast<size_t>(n));
      cur = link[0] == '/' ? link : absl::StrCat(Dirname(cur), "/", link);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", path, ": it is a directory"));
    }
    if (S_ISREG(st.st_mode)) {
      return Target{Target::kRegular, cur, -1, st.st_mode & 07777, st.st_uid, st.st_gid};
    }
    return Target{Target::kDevice, cur};
  }
}

// fstat() for "-" (stdin for an input, stdout for an output), else stat() (symlinks and
// /dev/fd/N followed by the kernel).
bool StatOf(const std::string& path, bool input, struct stat* st) {
  if (path == "-") return fstat(input ? 0 : 1, st) == 0;
  return stat(path.c_str(), st) == 0;
}

}  // namespace

absl::Status RefuseIfInput(const std::string& output, const std::vector<std::string>& inputs) {
  struct stat out {};
  if (output.empty() || !StatOf(output, false, &out)) return absl::OkStatus();
  // A terminal or /dev/null may be read and written in one run without harm.
  if (S_ISCHR(out.st_mode)) return absl::OkStatus();
  for (const std::string& input : inputs) {
    struct stat in {};
    if (input.empty() || !StatOf(input, true, &in)) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refusing to write ", output, ": it is the input ", input,
          " (the same file); writing it would destroy the input. Choose another output path."));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path,
                                                               const OutputOptions& options) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  absl::Status refuse = RefuseIfInput(path, options.inputs);
  if (!refuse.ok()) return refuse;
  absl::StatusOr<Target> target = ResolveTarget(path);
  if (!target.ok()) return target.status();
  std::unique_ptr<OutputFile> out(new OutputFile());
  out->path_ = path;
  const std::string shown = path == "-" ? "stdout" : path;
  switch (target->kind) {
    case Target::kFd: {
      out->scratch_dir_ = TempDirectory();
      struct stat st {};
      if (fstat(target->fd, &st) != 0) {
        return ErrnoStatus(errno, absl::StrCat("cannot write ", shown), false);
      }
      if (target->fd == 1 || target->fd == 2) {
        out->file_ = target->fd == 1 ? stdout : stderr;
        out->owns_file_ = false;
        return out;
      }
      const int fd = fcntl(target->fd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0 || (out->file_ = fdopen(fd, "wb")) == nullptr) {
        const int err = errno;
        if (fd >= 0) close(fd);
        return ErrnoStatus(err, absl::StrCat("cannot write ", shown), false);
      }
      return out;
    }
    case Target::kDevice: {
      out->scratch_dir_ = TempDirectory();
      const int fd = open(target->path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0 || (out->file_ = fdopen(fd, "wb")) == nullptr) {
        const int err = errno;
        if (fd >= 0) close(fd);
        return ErrnoStatus(err, absl::StrCat("cannot open ", target->path), false);
      }
      return out;
    }
    case Target::kRegular:
    case Target::kNew:
      break;
  }
  out->target_ = target->path;
  out->scratch_dir_ = Dirname(target->path);
  const std::string for_path =
      target->path == path ? "" : absl::StrCat(" (the target of ", path, ")");
  int fd = -1;
  int err = 0;
  if (!options.named_temp_for_test) {
    fd = open(out->scratch_dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    err = errno;
  }
  if (fd < 0 && (options.named_temp_for_test || err == EOPNOTSUPP || err == EISDIR)) {
    // No O_TMPFILE here: a named temporary, removed on a fatal signal.
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      out->temp_name_ = TempNameFor(target->path);
      fd = open(out->temp_name_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
      err = errno;
      if (fd < 0 && err != EEXIST) break;
    }
    if (fd >= 0) {
      out->registry_token_ = TempFileRegistry::Register(out->temp_name_);
    } else {
      out->temp_name_.clear();
    }
  }
  if (fd < 0) {
    return ErrnoStatus(err, absl::StrCat("cannot create ", target->path, for_path), false);
  }
  // A replaced file keeps its owner (root can give it back; others own what they write, as
  // with any tool that writes atomically) and then its permissions.
  if (target->kind == Target::kRegular) {
    const bool chown_ok = geteuid() != 0 || fchown(fd, target->uid, target->gid) == 0;
    if (!chown_ok || fchmod(fd, target->mode) != 0) {
      err = errno;
      close(fd);  // the destructor removes a named temporary
      return ErrnoStatus(err, absl::StrCat("cannot set the owner and mode of ", target->path),
                         false);
    }
  }
  out->file_ = fdopen(fd, "wb");
  if (out->file_ == nullptr) {
    err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("cannot write ", target->path), false);
  }
  return out;
}

OutputFile::~OutputFile() {
  if (committed_) return;
  if (file_ != nullptr) {
    if (owns_file_) {
      std::fclose(file_);
    } else {
      std::fflush(file_);
    }
  }
  if (!temp_name_.empty()) unlink(temp_name_.c_str());
  TempFileRegistry::Unregister(registry_token_);
}

absl::Status OutputFile::Error(const std::string& what, int err) const {
  return ErrnoStatus(err, absl::StrCat(what, " ", path_ == "-" ? "stdout" : path_), true);
}

absl::Status OutputFile::Append(std::string_view bytes) {
  if (committed_) return absl::FailedPreconditionError("OutputFile: append after Commit");
  if (bytes.empty()) return absl::OkStatus();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Error("error writing to", errno);
  }
  size_ += bytes.size();
  return absl::OkStatus();
}

absl::Status OutputFile::Commit() {
  if (committed_) return absl::FailedPreconditionError("OutputFile committed twice");
  committed_ = true;
  std::FILE* f = file_;
  file_ = nullptr;
  if (!atomic()) {
    bool ok = std::fflush(f) == 0 && !std::ferror(f);
    int err = errno;
    if (owns_file_) {
      if (std::fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
      }
    }
    return ok ? absl::OkStatus() : Error("error writing to", err != 0 ? err : EIO);
  }
  // From here on, any failure removes the temporary and leaves the target as it was.
  auto fail = [&](const std::string& what, int err) {
    if (f != nullptr) std::fclose(f);
    if (!temp_name_.empty()) unlink(temp_name_.c_str());
    TempFileRegistry::Unregister(registry_token_);
    return Error(what, err);
  };
  if (std::fflush(f) != 0 || std::ferror(f)) return fail("error writing to", errno ? errno : EIO);
  if (fsync(fileno(f)) != 0) return fail("cannot fsync", errno);
  if (temp_name_.empty()) {
    // Give the anonymous file a name beside the target, then rename that into place.
    const std::string proc = absl::StrCat("/proc/self/fd/", fileno(f));
    int err = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string name = TempNameFor(target_);
      int rc = linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW);
      if (rc != 0 && errno == ENOENT) {  // no /proc: needs CAP_DAC_READ_SEARCH
        rc = linkat(fileno(f), "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH);
      }
      err = errno;
      if (rc == 0) {
        temp_name_ = std::move(name);
        registry_token_ = TempFileRegistry::Register(temp_name_);
        break;
      }
      if (err != EEXIST) break;
    }
    if (temp_name_.empty()) return fail("cannot link the temporary file for", err);
  }
  const int close_rc = std::fclose(f);
  f = nullptr;
  if (close_rc != 0) return fail("error closing", errno);
  if (std::rename(temp_name_.c_str(), target_.c_str()) != 0) {
    return fail(absl::StrCat("cannot rename ", temp_name_, " to ", target_, " for"), errno);
  }
  TempFileRegistry::Unregister(registry_token_);
  registry_token_ = -1;
  temp_name_.clear();
  // The rename is durable once the directory is.
  const int dir = open(scratch_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    const bool synced = fsync(dir) == 0 || errno == EINVAL;
    const int err = errno;
    close(dir);
    if (!synced)
      return Error(absl::StrCat("cannot fsync the directory ", scratch_dir_, " of"), err);
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                 const OutputOptions& options) {
  auto out = OutputFile::Create(path, options);
  if (!out.ok()) return out.status();
  absl::Status s = (*out)->Append(contents);
  if (!s.ok()) return s;
  return (*out)->Commit();
}

absl::StatusOr<std::FILE*> OpenScratchFile(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    std::string templ = dir + "/.memsim-scratch.XXXXXX";
    fd = mkostemp(templ.data(), O_CLOEXEC);
    if (fd >= 0) unlink(templ.c_str());
  }
  if (fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot create a scratch file in ", dir), false);
  }
  std::FILE* f = fdopen(fd, "w+b");
  if (f == nullptr) {
    const int err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("cannot create a scratch file in ", dir), false);
  }
  return f;
}

absl::Status WriteStdout(std::string_view bytes) {
  errno = 0;
  if ((!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) ||
      std::fflush(stdout) != 0) {
    return ErrnoStatus(errno != 0 ? errno : EIO, "error writing to stdout", true);
  }
  return absl::OkStatus();
}

absl::Status FlushStdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    if (errno == 0) return absl::DataLossError("error writing to stdout");
    return ErrnoStatus(errno, "error writing to stdout", true);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return ss.str();
}

}  // namespace memsim
