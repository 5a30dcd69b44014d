// The measuring loops of `memsim machine calibrate` (sim/hw/host_calibrator.h): each times
// one access pattern over a caller-provided buffer of 64-byte lines and returns ns per
// access, timed by the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) so that time slices
// lost to other work on a loaded host do not count; the core-to-core transfer, two threads,
// is timed by the wall clock. They are plain loops with a compiler barrier on every loaded value,
// so nothing is optimised out or vectorised; the caller repeats them and takes medians.
#ifndef MEMSIM_SIM_HW_MEMORY_KERNELS_H_
#define MEMSIM_SIM_HW_MEMORY_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memsim::hw {

inline constexpr size_t kKernelLineBytes = 64;

// A uniformly random cyclic permutation of 0..n-1 (Sattolo's algorithm): following
// next[i] from any start visits every index exactly once before returning to it.
// Deterministic for a given seed. REQUIRES: n >= 1.
std::vector<uint32_t> RandomCyclicPermutation(uint32_t n, uint64_t seed);

// Links line i of `buffer` to line next[i]: the first 8 bytes of each line hold the address
// of the next line. REQUIRES: buffer holds next.size() lines of 64 bytes, 8-byte aligned.
void LinkChase(unsigned char* buffer, const std::vector<uint32_t>& next);

// Follows the chain LinkChase() built for `steps` dependent loads from line `start`; ns per
// load (load-to-use latency for the level the buffer fits in).
double DependentChaseNs(unsigned char* buffer, uint32_t start, uint64_t steps);

// Reads the first word of each of `lines` consecutive lines, ascending, `passes` times;
// ns per line (prefetchers and overlapping misses at work).
double SequentialLineNs(const unsigned char* buffer, size_t lines, int passes);

// Reads every 8-byte word of `lines` consecutive lines with scalar loads, ascending; ns per
// word.
double SequentialWordNs(const unsigned char* buffer, size_t lines, int passes);

// Reads the first word of line order[i] for every i: independent loads the core can
// overlap up to its outstanding-miss limit; ns per line.
double IndependentReadNs(const unsigned char* buffer, const std::vector<uint32_t>& order);

// `ops` lock-prefixed fetch-and-add on one 8-byte word (a line in L1); ns per operation.
double AtomicRmwNs(uint64_t* word, uint64_t ops);

// One line ping-ponged between two threads pinned to `cpu_a` and `cpu_b` for `round_trips`
// round trips or until `max_seconds` have passed; ns one way (half a round trip).
// Returns a negative value when a thread cannot be pinned or no round trip completed.
double CoreToCoreNs(int cpu_a, int cpu_b, uint64_t round_trips, double max_seconds);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MEMORY_KERNELS_H_
