#include "sim/hw/huge_alloc.h"

#include <sys/mman.h>

#include <cstdlib>

namespace memsim::hw {

void* AllocateHuge(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  constexpr size_t kHostLine = 64;
  if (bytes < kHuge) {
    // aligned_alloc wants a multiple of the alignment.
    return std::aligned_alloc(kHostLine, bytes == 0 ? kHostLine : (bytes + kHostLine - 1) / kHostLine * kHostLine);
  }
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);  // advisory: failure is harmless
  return p;
}

}  // namespace memsim::hw
