#include "sim/memmap/isolation_targets.h"

namespace memsim::memmap {

uint64_t IsolationTargets::Find(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                                trace::ScannerKind scanner, uint64_t nr_taken,
                                std::vector<mm::BlockInfo>* out) {
  out->clear();
  uint64_t pages = 0;
  for (uint64_t p = start_pfn; p < end_pfn && pages < nr_taken;) {
    const mm::BlockInfo b = mem.Lookup(p);
    const uint64_t block_end = b.head_pfn + b.pages();
    if (b.state == mm::PageState::kHole || b.state == mm::PageState::kUnknown) {
      ++p;
      continue;
    }
    const bool head_here = b.head_pfn >= start_pfn;
    bool take = false;
    if (scanner == trace::SCANNER_FREE) {
      take = b.state == mm::PageState::kFree && head_here && block_end <= end_pfn;
    } else {
      take = b.state == mm::PageState::kAllocated && head_here && OnLru(b.owner);
    }
    if (take) {
      out->push_back(b);
      pages += b.pages();
    }
    p = block_end > p ? block_end : p + 1;
  }
  return pages;
}

}  // namespace memsim::memmap
