#include "tests/bench/bench_util.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace memsim::bench {

uint64_t PeakRssBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

namespace {

class ProcessTempDir {
 public:
  ProcessTempDir() : owner_(getpid()) {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/memsim-bench.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      std::perror(("mkdtemp " + templ).c_str());
      std::exit(1);  // a benchmark binary, not library code: nothing to measure without it
    }
    path_ = buf.data();
  }
  ~ProcessTempDir() {
    if (getpid() != owner_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  pid_t owner_;
  std::string path_;
};

}  // namespace

std::string TmpPath(const std::string& name) {
  static const ProcessTempDir dir;
  return dir.path() + "/" + name;
}

}  // namespace memsim::bench
