// Allocation of large, randomly accessed tables (cache sets, the line directory) on
// transparent huge pages: the simulator's own TLB misses dominate a miss-heavy stream.
#ifndef MEMSIM_SIM_HW_HUGE_ALLOC_H_
#define MEMSIM_SIM_HW_HUGE_ALLOC_H_

#include <cstddef>

namespace memsim::hw {

// Like malloc (release with std::free); 2 MiB-aligned and advised MADV_HUGEPAGE when
// `bytes` is at least 2 MiB, else aligned to a 64-byte host cache line. Returns nullptr when out of memory.
void* AllocateHuge(size_t bytes);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HUGE_ALLOC_H_
