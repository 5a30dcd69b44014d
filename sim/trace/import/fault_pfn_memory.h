// FaultPfnMemory: which pfn each task's faulting page got, so that a later fault of the same
// task at the same page reaches the same folio (a repeat fault: the page was mapped, then
// unmapped by reclaim, mprotect or munmap, or a fault on a page another path mapped) while
// that page has not been freed or reallocated since. Keyed by (pid, virtual page): the
// ftrace pid is the thread id, so threads of one process do not share entries. A pfn is
// remembered for one page at a time (the last to get it).
//
// Every alloc and free of the trace forgets its pfns, so Forget must be cheap: instead of
// finding and erasing the entries of the pfns (two hash lookups, each a cache miss, per
// remembered page freed), it clears the pfns' bits in a bitmap of the pfns some page may
// hold, and an entry holds only while its pfn's bit is set and its pfn's version number is
// the entry's (Remember gives the pfn a new version, so the page that held it before no
// longer does). Bits and versions live in chunks of 4096 pfns, allocated when a pfn in them
// is first remembered (16.5 KiB each, for each 16 MiB of RAM the trace's faults reached), for
// pfns below kDirectPfns; above it in a hash map. Entries that no longer hold are swept out
// when the table has doubled.
#ifndef MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_
#define MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace memsim {

class FaultPfnMemory {
 public:
  static constexpr uint64_t kDirectPfns = uint64_t{1} << 28;

  FaultPfnMemory();
  ~FaultPfnMemory();

  // Task `pid` faulted at `address` and got `pfn`.
  void Remember(int32_t pid, uint64_t address, uint64_t pfn);
  // The pfn task `pid` got for the page of `address`, kNoPfn (~0) if none or forgotten.
  uint64_t Recall(int32_t pid, uint64_t address) const;
  // Pages [start, end) were freed or reallocated: their entries no longer hold.
  void Forget(uint64_t start, uint64_t end);
  // Start loading what Recall or Remember of this page, and Forget of this pfn, will read
  // (a hint to the cache: no effect on the answers).
  void PrefetchPage(int32_t pid, uint64_t address) const {
    by_page_.prefetch(Key{pid, address >> 12});
  }
  void PrefetchPfn(uint64_t pfn) const {
    const uint64_t c = pfn >> kChunkShift;
    if (pfn < kDirectPfns && c < chunks_.size() && chunks_[c] != nullptr) {
      const uint64_t i = pfn & (kChunkPfns - 1);
      __builtin_prefetch(&chunks_[c]->held[i / 64]);
      __builtin_prefetch(&chunks_[c]->version[i]);
    }
  }
  // Pages remembered and not forgotten. O(entries): for tests.
  size_t size() const;

 private:
  using Key = std::pair<int32_t, uint64_t>;  // (pid, virtual page number)
  struct Entry {
    uint64_t pfn;
    uint32_t version;  // the pfn's version when remembered (odd)
  };
  static constexpr int kChunkShift = 12;
  static constexpr uint64_t kChunkPfns = uint64_t{1} << kChunkShift;
  struct Chunk {
    uint64_t held[kChunkPfns / 64] = {};  // bit set: some page may hold the pfn
    uint32_t version[kChunkPfns] = {};
  };
  struct High {
    bool held = false;
    uint32_t version = 0;
  };

  bool Holds(const Entry& e) const;
  // Erases the entries that no longer hold.
  void Sweep();
  // Restarts `pfn`'s version (about to wrap around 2^32) from 0, erasing the entries of the
  // pfn other than `keep`'s.
  void Renumber(uint64_t pfn, const Key& keep, uint32_t& version);

  absl::flat_hash_map<Key, Entry> by_page_;
  std::vector<std::unique_ptr<Chunk>> chunks_;  // by pfn / kChunkPfns, grown on demand
  absl::flat_hash_map<uint64_t, High> high_;    // pfns from kDirectPfns on
  size_t sweep_at_;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_FAULT_PFN_MEMORY_H_
