// Output files that behave as in every Unix tool (docs/architecture.md, "Outputs").
//
// What OutputFile::Create(path) does depends on what `path` is:
// - a regular file, or a path that does not exist yet: written atomically. The bytes go to an
//   anonymous file (O_TMPFILE) in the target's directory; Commit() flushes and fsyncs it,
//   links it as ".<name>.memsim-tmp.<pid>.<n>" beside the target and renames that over the
//   target. Until then no name exists, so an interrupted or killed run (even by SIGKILL)
//   leaves nothing behind. Where the filesystem lacks O_TMPFILE, the temporary is created
//   under that name at once and registered with TempFileRegistry, which removes it on
//   SIGINT/SIGTERM/SIGHUP/SIGPIPE. A replaced file keeps its permission bits.
// - a symlink: resolved (through every hop) and its final target written as above; the link
//   stays a link. A dangling link creates its target, as the shell's `>` does.
// - a character or block device, a FIFO or a socket: opened and written directly (no
//   temporary, no rename, no fsync), so `--out=/dev/null` leaves /dev/null a device.
// - "-", "/dev/stdout", "/dev/stderr", "/dev/fd/N", "/proc/self/fd/N": the open descriptor
//   is written directly (stdout's FILE for 1, stderr's for 2).
// - a directory: an error.
// Every write, flush, fsync and close is checked; errors name the path and the errno text.
#ifndef MEMSIM_SIM_UTIL_OUTPUT_FILE_H_
#define MEMSIM_SIM_UTIL_OUTPUT_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memsim {

struct OutputOptions {
  // Files the run reads. An output that is one of them (same device and inode, symlinks
  // followed) is refused before anything is written: see RefuseIfInput().
  std::vector<std::string> inputs;
  // Tests only: use a named temporary (the fallback for filesystems without O_TMPFILE).
  bool named_temp_for_test = false;
};

class OutputFile {
 public:
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path,
                                                            const OutputOptions& options = {});
  // Uncommitted: an atomic output is discarded (the target is untouched); a direct one is
  // flushed and closed as it is.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  absl::Status Append(std::string_view bytes);
  // Bytes appended so far.
  uint64_t size() const { return size_; }
  // Flushes; for an atomic output also fsyncs, renames into place and fsyncs the directory.
  // REQUIRES: not yet committed.
  absl::Status Commit();
  // The path as given.
  const std::string& path() const { return path_; }
  // True when written through a temporary and rename (a regular file or a new path).
  bool atomic() const { return !target_.empty(); }
  // A directory on the same filesystem as the output, for scratch files that should not
  // fill another one: the target's directory when atomic, else $TMPDIR (or /tmp).
  const std::string& scratch_dir() const { return scratch_dir_; }

 private:
  OutputFile() = default;
  absl::Status Error(const std::string& what, int err) const;

  std::string path_;         // as given
  std::string target_;       // the file renamed over on Commit (symlinks resolved); "" if direct
  std::string scratch_dir_;  // see scratch_dir()
  std::string temp_name_;    // the named fallback temporary, "" with O_TMPFILE
  int registry_token_ = -1;  // TempFileRegistry entry of temp_name_
  std::FILE* file_ = nullptr;
  bool owns_file_ = true;  // false for stdout/stderr
  uint64_t size_ = 0;
  bool committed_ = false;
};

// InvalidArgument naming both paths if `output` is the same file (st_dev, st_ino) as one of
// `inputs`, symlinks and /dev/fd paths followed. Paths that do not exist are not compared;
// empty input paths are skipped.
absl::Status RefuseIfInput(const std::string& output, const std::vector<std::string>& inputs);

// Writes `contents` to `path` as OutputFile does (atomically where the target is a regular
// file) and commits.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                 const OutputOptions& options = {});

// Opens an anonymous read-write scratch file in `dir` (O_TMPFILE; else mkstemp and unlink at
// once): it has no name, so nothing is left behind however the process ends.
absl::StatusOr<std::FILE*> OpenScratchFile(const std::string& dir);

// Writes to stdout and flushes; DataLoss "error writing to stdout: <errno text>" on failure.
absl::Status WriteStdout(std::string_view bytes);
// Flushes stdout and checks its error flag (for the end of a run that printed with printf).
absl::Status FlushStdout();

// Reads a whole (small) file, e.g. a config.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_OUTPUT_FILE_H_
