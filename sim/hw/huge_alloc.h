// Allocation of large, randomly accessed tables (cache sets, the line directory) on
// transparent huge pages: the simulator's own TLB misses dominate a miss-heavy stream.
#ifndef MEMSIM_SIM_HW_HUGE_ALLOC_H_
#define MEMSIM_SIM_HW_HUGE_ALLOC_H_

#include <cstddef>

namespace memsim::hw {

// `bytes` of memory aligned to a 64-byte host cache line, or nullptr when out of memory.
// From 64 KiB up it is fresh zeroed memory mapped for it (so pages nothing touches are
// never backed: the caches of cores a replay leaves idle cost no host memory); from 2 MiB
// up it is 2 MiB-aligned and advised MADV_HUGEPAGE before anything touches it (heap memory
// may already be backed by small pages, which the advice does not replace). Release with
// FreeHuge(p, bytes).
void* AllocateHuge(size_t bytes);
// As AllocateHuge, zeroed whatever the size.
void* AllocateHugeZeroed(size_t bytes);
void FreeHuge(void* p, size_t bytes);

// From now on, FreeHuge keeps the mappings it is given (64 KiB and up) and AllocateHuge of
// the same size reuses one, its touched pages zeroed (found in /proc/self/pagemap), instead
// of unmapping and mapping again: a sweep worker replays point after point, and the unmap
// (a TLB shootdown) and the page faults of fresh mappings were most of what a point cost.
// Memory handed out is zero either way.
void RecycleHugeMappings();

// A std::unique_ptr deleter for AllocateHuge() memory.
struct HugeDeleter {
  size_t bytes = 0;
  void operator()(unsigned char* p) const { FreeHuge(p, bytes); }
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HUGE_ALLOC_H_
