#include "sim/hw/huge_alloc.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace memsim::hw {
namespace {

constexpr size_t kHuge = size_t{2} << 20;
constexpr size_t kHostLine = 64;

size_t RoundUp(size_t bytes, size_t unit) { return (bytes + unit - 1) / unit * unit; }

}  // namespace

void* AllocateHuge(size_t bytes) {
  if (bytes < kHuge) {
    return std::aligned_alloc(kHostLine, bytes == 0 ? kHostLine : RoundUp(bytes, kHostLine));
  }
  // Map one huge page more than needed and trim to a 2 MiB-aligned range.
  const size_t rounded = RoundUp(bytes, kHuge);
  void* raw =
      mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = RoundUp(start, kHuge);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + rounded + kHuge;
  if (end > aligned + rounded) {
    munmap(reinterpret_cast<void*>(aligned + rounded), end - (aligned + rounded));
  }
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, rounded, MADV_HUGEPAGE);  // advisory: failure is harmless
  return p;
}

void FreeHuge(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kHuge) {
    std::free(p);
  } else {
    munmap(p, RoundUp(bytes, kHuge));
  }
}

}  // namespace memsim::hw
