// Helpers shared by the benchmarks.
#ifndef MEMSIM_TESTS_BENCH_BENCH_UTIL_H_
#define MEMSIM_TESTS_BENCH_BENCH_UTIL_H_

#include <cstdint>
#include <string>

namespace memsim::bench {

// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
uint64_t PeakRssBytes();

// A path inside this process's temporary directory ("$TMPDIR/memsim-bench.XXXXXX", else under
// /tmp), made on first use and removed with its contents at exit. Not created itself.
std::string TmpPath(const std::string& name);

}  // namespace memsim::bench

#endif  // MEMSIM_TESTS_BENCH_BENCH_UTIL_H_
