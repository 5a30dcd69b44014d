#include "sim/hw/huge_alloc.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

namespace memsim::hw {
namespace {

constexpr size_t kHuge = size_t{2} << 20;
constexpr size_t kHostLine = 64;
constexpr size_t kMapped = size_t{64} << 10;  // mapped (zeroed) from here up
constexpr size_t kPage = 4096;

size_t RoundUp(size_t bytes, size_t unit) { return (bytes + unit - 1) / unit * unit; }

// RecycleHugeMappings: freed mappings by their mapped size, and /proc/self/pagemap.
bool recycle = false;
int pagemap_fd = -1;
std::multimap<size_t, void*>* kept = nullptr;

// Zeroes the pages of [p, p + bytes) that were ever written (present or swapped out); the
// others read as zero already. False if pagemap cannot be read.
bool ZeroTouchedPages(void* p, size_t bytes) {
  const size_t pages = bytes / kPage;
  std::vector<uint64_t> entries(pages);
  const off_t offset = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / kPage * 8);
  if (pread(pagemap_fd, entries.data(), pages * 8, offset) != static_cast<ssize_t>(pages * 8)) {
    return false;
  }
  constexpr uint64_t kPresentOrSwapped = uint64_t{3} << 62;
  char* base = static_cast<char*>(p);
  for (size_t i = 0; i < pages; ++i) {
    if ((entries[i] & kPresentOrSwapped) == 0) continue;
    size_t j = i + 1;
    while (j < pages && (entries[j] & kPresentOrSwapped) != 0) ++j;
    std::memset(base + i * kPage, 0, (j - i) * kPage);
    i = j;
  }
  return true;
}

// A kept mapping of `mapped` bytes, zeroed; nullptr if none.
void* Reuse(size_t mapped) {
  if (!recycle) return nullptr;
  auto it = kept->find(mapped);
  if (it == kept->end()) return nullptr;
  void* p = it->second;
  kept->erase(it);
  if (ZeroTouchedPages(p, mapped)) return p;
  munmap(p, mapped);
  return nullptr;
}

// Mappings kept at most: a worker's points on machines of different sizes must not pile up
// the tables of every size they used.
constexpr size_t kMaxKept = 256;

void Unmap(void* p, size_t mapped) {
  if (recycle && kept->size() < kMaxKept) {
    kept->emplace(mapped, p);
  } else {
    munmap(p, mapped);
  }
}

}  // namespace

void RecycleHugeMappings() {
  if (recycle) return;
  pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (pagemap_fd < 0) return;
  kept = new std::multimap<size_t, void*>();  // lives as long as the process
  recycle = true;
}

void* AllocateHuge(size_t bytes) {
  if (bytes < kMapped) {
    return std::aligned_alloc(kHostLine, bytes == 0 ? kHostLine : RoundUp(bytes, kHostLine));
  }
  if (void* p = Reuse(RoundUp(bytes, bytes < kHuge ? kPage : kHuge)); p != nullptr) return p;
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
    Unmap(p, RoundUp(bytes, kPage));
  } else {
    Unmap(p, RoundUp(bytes, kHuge));
  }
}

}  // namespace memsim::hw
