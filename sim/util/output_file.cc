#include "sim/util/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace memsim {

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<OutputFile>(new OutputFile(path, "", stdout));
  }
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot create ", tmp, " (for ", path, "): ", std::strerror(errno)));
  }
  return std::unique_ptr<OutputFile>(new OutputFile(path, std::move(tmp), f));
}

OutputFile::OutputFile(std::string path, std::string tmp_path, std::FILE* f)
    : path_(std::move(path)), tmp_path_(std::move(tmp_path)), file_(f) {}

OutputFile::~OutputFile() {
  if (tmp_path_.empty()) {
    if (file_ != nullptr) std::fflush(file_);
    return;
  }
  if (!committed_) {
    if (file_ != nullptr) std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

absl::Status OutputFile::Append(std::string_view bytes) {
  if (bytes.empty()) return absl::OkStatus();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return absl::DataLossError(
        absl::StrCat("write to ", path_, " failed at byte ", size_, ": ", std::strerror(errno)));
  }
  size_ += bytes.size();
  return absl::OkStatus();
}

absl::Status OutputFile::Commit() {
  if (committed_) return absl::FailedPreconditionError("OutputFile committed twice");
  committed_ = true;
  if (tmp_path_.empty()) {
    std::fflush(file_);
    return absl::OkStatus();
  }
  bool ok = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok || std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    std::string err = std::strerror(errno);
    std::remove(tmp_path_.c_str());
    return absl::DataLossError(absl::StrCat("cannot finish writing ", path_, ": ", err));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  auto out = OutputFile::Create(path);
  if (!out.ok()) return out.status();
  absl::Status s = (*out)->Append(contents);
  if (!s.ok()) return s;
  return (*out)->Commit();
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
