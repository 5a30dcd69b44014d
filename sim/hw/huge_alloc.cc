#include "sim/hw/huge_alloc.h"

#include <sys/mman.h>

#include <cstdlib>

namespace memsim::hw {

void* AllocateHuge(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  if (bytes < kHuge) return std::malloc(bytes == 0 ? 1 : bytes);
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);  // advisory: failure is harmless
  return p;
}

}  // namespace memsim::hw
