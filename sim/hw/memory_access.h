// One access to simulated physical memory: what a memmap model emits for a kernel operation
// (memmap::AccessBuffer) and what the memory system serves (MemorySystem::AccessBatch), so
// the replay engine hands a model's accesses to the caches without converting them.
// Header-only and free of dependencies on purpose: the memmap models (plain C++, no
// SimGrid) use it without linking the hw library.
#ifndef MEMSIM_SIM_HW_MEMORY_ACCESS_H_
#define MEMSIM_SIM_HW_MEMORY_ACCESS_H_

#include <cstdint>

namespace memsim::hw {

enum class AccessKind : uint8_t {
  kRead = 0,
  kWrite = 1,
  kAtomic = 2,  // locked read-modify-write (refcount, mapcount, cmpxchg)
};

struct MemoryAccess {
  uint64_t address = 0;  // simulated physical byte address
  uint32_t bytes = 0;    // contiguous bytes from address; 0 counts as 1
  AccessKind kind = AccessKind::kRead;
  // The access's address (or whether it happens at all) depends on data of the access
  // before it in the same operation: a pointer chase (memdesc word -> descriptor, a list's
  // next pointer). It cannot start before that one completes. false: it may overlap with
  // the accesses before it (a scanner's successive struct pages), up to the core's
  // outstanding-miss limit (config::Timing). The default keeps an operation serial.
  bool depends_on_previous = true;
  bool operator==(const MemoryAccess&) const = default;
};
static_assert(sizeof(MemoryAccess) == 16);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MEMORY_ACCESS_H_
