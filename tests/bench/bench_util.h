// Helpers shared by the benchmarks.
#ifndef MEMSIM_TESTS_BENCH_BENCH_UTIL_H_
#define MEMSIM_TESTS_BENCH_BENCH_UTIL_H_

#include <cstdint>

namespace memsim::bench {

// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
uint64_t PeakRssBytes();

}  // namespace memsim::bench

#endif  // MEMSIM_TESTS_BENCH_BENCH_UTIL_H_
