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

// The struct-page stand-in of ScanStructsNs(): 64-byte records laid out like the kernel's
// struct page (Linux 6.18, include/linux/mm_types.h): flags at byte 0, compound_head at 8,
// mapping at 24, page_type (the _mapcount union) at 48. InitScanStructs() makes every record
// an in-use, non-LRU, non-compound page with no type, which isolate_migratepages_block()
// examines and rejects one by one (the common case of an nr_taken=0 pageblock).
inline constexpr size_t kScanFlagsOffset = 0;
inline constexpr size_t kScanCompoundHeadOffset = 8;
inline constexpr size_t kScanMappingOffset = 24;
inline constexpr size_t kScanPageTypeOffset = 48;
void InitScanStructs(unsigned char* buffer, size_t structs);

// Walks `structs` consecutive 64-byte records ascending, `passes` times, doing per record
// what the compaction migrate scanner does per pfn of a block it cannot isolate from
// (mm/compaction.c, isolate_migratepages_block(): PageBuddy on page_type, PageCompound on
// flags and compound_head, PageLRU on flags, __PageMovable on mapping); ns per record.
// On a buffer that fits the L1d this is the scanner's non-memory work per pfn.
// REQUIRES: the records were written by InitScanStructs().
double ScanStructsNs(const unsigned char* buffer, size_t structs, int passes);

// Copies `pages` 4 KiB pages from `src` to `dst` (memcpy, ascending), as a migration's
// folio_copy() does one page; ns per page. With buffers far larger than the caches every
// page is read from and written to DRAM. REQUIRES: both hold `pages` pages, no overlap.
double PageCopyNs(unsigned char* dst, const unsigned char* src, size_t pages);

// The page-table half of migrating `pages` mapped base pages, without moving them: maps
// them privately (4 KiB pages, guarded by PROT_NONE neighbours so the mapping is one VMA
// that never splits or merges), writes each, then times `round_trips` pairs of
// mprotect(PROT_READ) (every PTE rewritten read-only, then one TLB flush of the range, which
// reaches any other CPU running this process; above x86's single-page flush ceiling of 33
// pages it is a full flush, as migrate_pages_batch()'s batched flush is) and
// mprotect(PROT_READ | PROT_WRITE) (PTEs rewritten writable; x86 does not flush for a
// permission upgrade), stopping early after `max_seconds` of wall time. If `toucher_cpu`
// >= 0 a second thread pinned there reads every page in a loop meanwhile, so that its TLB
// holds them and each flush is a shootdown by IPI; the calling thread runs on `cpu` (< 0:
// where it is). Timed by the calling thread's CPU time, which includes the system calls'
// kernel time and the wait for the other CPU's acknowledgement. Returns ns per round trip,
// or a negative value when the mapping fails, a thread cannot be pinned or no round trip
// completed. The process's own memory only: nothing outside it changes.
double PteRemapNs(int cpu, int toucher_cpu, size_t pages, uint64_t round_trips, double max_seconds);

// `ops` lock-prefixed fetch-and-add on one 8-byte word (a line in L1); ns per operation.
double AtomicRmwNs(uint64_t* word, uint64_t ops);

// One line ping-ponged between two threads pinned to `cpu_a` and `cpu_b` for `round_trips`
// round trips or until `max_seconds` have passed; ns one way (half a round trip).
// Returns a negative value when a thread cannot be pinned or no round trip completed.
double CoreToCoreNs(int cpu_a, int cpu_b, uint64_t round_trips, double max_seconds);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MEMORY_KERNELS_H_
