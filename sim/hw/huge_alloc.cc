#include "sim/hw/huge_alloc.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace memsim::hw {
namespace {

constexpr size_t kHuge = size_t{2} << 20;
constexpr size_t kHostLine = 64;
constexpr size_t kMapped = size_t{64} << 10;  // mapped (zeroed) from here up
constexpr size_t kPage = 4096;

size_t RoundUp(size_t bytes, size_t unit) { return (bytes + unit - 1) / unit * unit; }

}  // namespace

void* AllocateHuge(size_t bytes) {
  if (bytes < kMapped) {
    return std::aligned_alloc(kHostLine, bytes == 0 ? kHostLine : RoundUp(bytes, kHostLine));
  }
  if (bytes < kHuge) {
    void* p = mmap(nullptr, RoundUp(bytes, kPage), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
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

void* AllocateHugeZeroed(size_t bytes) {
  void* p = AllocateHuge(bytes);
  if (p != nullptr && bytes < kMapped) std::memset(p, 0, bytes);
  return p;
}

void FreeHuge(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kMapped) {
    std::free(p);
  } else if (bytes < kHuge) {
    munmap(p, RoundUp(bytes, kPage));
  } else {
    munmap(p, RoundUp(bytes, kHuge));
  }
}

}  // namespace memsim::hw
