#include "tests/bench/bench_util.h"

#include <sys/resource.h>

namespace memsim::bench {

uint64_t PeakRssBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

}  // namespace memsim::bench
