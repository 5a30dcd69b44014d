#include "sim/cli/huge_page_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace memsim::cli {

void ReserveHugePageHeap(size_t bytes) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  // glibc's largest mmap threshold on 64-bit hosts (HEAP_MAX_SIZE / 2); setting it also stops
  // the threshold adapting, and the trim threshold keeps the heap's top.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(1u << 30));
  const uintptr_t start = reinterpret_cast<uintptr_t>(sbrk(0));
  // The next growth of the heap takes `bytes` more than it needs: one allocation too large
  // for the current top makes it grow.
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  void* grow = std::malloc(1 << 20);
  // The block is used only for its side effect: keep the compiler from eliding the pair.
  asm volatile("" : : "r"(grow) : "memory");
  mallopt(M_TOP_PAD, 0);
  const uintptr_t end = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t from = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t to = end & ~(kHugePage - 1);
  if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  std::free(grow);
}

}  // namespace memsim::cli
