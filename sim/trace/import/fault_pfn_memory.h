// FaultPfnMemory: which pfn each task's faulting page got, so that a later fault of the same
// task at the same page reaches the same folio (a repeat fault: the page was mapped, then
// unmapped by reclaim, mprotect or munmap, or a fault on a page another path mapped) while
// that page has not been freed or reallocated since. Keyed by (pid, virtual page): the
// ftrace pid is the thread id, so threads of one process do not share entries.
#ifndef MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_
#define MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_

#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace memsim {

class FaultPfnMemory {
 public:
  // Task `pid` faulted at `address` and got `pfn`.
  void Remember(int32_t pid, uint64_t address, uint64_t pfn);
  // The pfn task `pid` got for the page of `address`, kNoPfn (~0) if none or forgotten.
  uint64_t Recall(int32_t pid, uint64_t address) const;
  // Pages [start, end) were freed or reallocated: their entries no longer hold.
  void Forget(uint64_t start, uint64_t end);
  size_t size() const { return by_page_.size(); }

 private:
  using Key = std::pair<int32_t, uint64_t>;  // (pid, virtual page number)
  absl::flat_hash_map<Key, uint64_t> by_page_;
  absl::flat_hash_map<uint64_t, Key> by_pfn_;  // the last page that got each pfn
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_
