// Temporary directories for tests: under $TMPDIR (else /tmp), unique per process, removed
// with everything in them when the owner goes away. ctest runs each test case in its own
// process, so TmpPath() gives every test case its own directory and a run leaves nothing.
#ifndef MEMSIM_TESTS_TESTING_TEMP_DIR_H_
#define MEMSIM_TESTS_TESTING_TEMP_DIR_H_

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace memsim::test_util {

class ScopedTempDir {
 public:
  // Creates "$TMPDIR/memsim-test.XXXXXX". A failure is a test failure, not a silent fixed path.
  ScopedTempDir() : owner_(getpid()) {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/memsim-test.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp(" << templ << ") failed";
      return;
    }
    path_ = buf.data();
  }
  // Removed only by the process that made it: a forked child that exits must not take it.
  ~ScopedTempDir() {
    if (path_.empty() || getpid() != owner_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // "<dir>/<name>" (not created).
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  pid_t owner_;
  std::string path_;
};

// This process's directory, made on first use and removed at exit.
inline const ScopedTempDir& ProcessTempDir() {
  static const ScopedTempDir dir;
  return dir;
}

// The names in `dir`, sorted (to check what a test left behind).
inline std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A path inside this process's temporary directory (not created).
inline std::string TmpPath(const std::string& name) { return ProcessTempDir().File(name); }

}  // namespace memsim::test_util

#endif  // MEMSIM_TESTS_TESTING_TEMP_DIR_H_
