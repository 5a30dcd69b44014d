// A host-side prefetch hint that the compiler keeps. The simulator fetches the state of
// upcoming accesses early (MemorySystem); a function made only of __builtin_prefetch and
// loads looks pure to GCC's interprocedural analysis, which then deletes its calls.
#ifndef MEMSIM_SIM_HW_HOST_PREFETCH_H_
#define MEMSIM_SIM_HW_HOST_PREFETCH_H_

namespace memsim::hw {

inline void HostPrefetch(const void* p) {
  __builtin_prefetch(p);
  asm volatile("" : : "r"(p));  // a visible side effect: callers are not pure
}

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HOST_PREFETCH_H_
