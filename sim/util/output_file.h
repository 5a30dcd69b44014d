// A file that appears under its final name only when complete: bytes go to a temporary
// file beside it, and Commit() flushes, fsyncs and renames. Destroyed uncommitted, the
// temporary is removed, so a failed run never leaves a half-written output.
#ifndef MEMSIM_SIM_UTIL_OUTPUT_FILE_H_
#define MEMSIM_SIM_UTIL_OUTPUT_FILE_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memsim {

class OutputFile {
 public:
  // Creates "<path>.tmp.<pid>" for writing. "-" writes to stdout directly.
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  absl::Status Append(std::string_view bytes);
  // Bytes appended so far.
  uint64_t size() const { return size_; }
  // Flushes, fsyncs and renames onto the final path. REQUIRES: not yet committed.
  absl::Status Commit();
  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::string tmp_path, std::FILE* f);
  std::string path_;
  std::string tmp_path_;  // empty for stdout
  std::FILE* file_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

// Writes `contents` to `path` atomically (OutputFile + Commit).
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Reads a whole (small) file, e.g. a config.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_OUTPUT_FILE_H_
