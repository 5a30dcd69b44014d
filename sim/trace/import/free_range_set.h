// A set of pfns: the blocks the imported trace has shown freed and not yet reallocated.
//
// Pfns below kBitmapPfns (1 TiB of 4 KiB pages) are kept in a bitmap, one bit a pfn, in
// 4096-pfn chunks allocated on first insertion (at most 32 MiB in all, a few hundred KiB for
// a machine of tens of GiB): an order-0 insert, erase or lookup is one word. Pfns from
// kBitmapPfns on are kept as disjoint, coalesced half-open ranges [start, end) in an ordered
// map, whose memory grows with the number of separate ranges. Every operation below splits
// its range at kBitmapPfns and combines the two parts, so the set behaves as one.
#ifndef MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_
#define MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"

namespace memsim {

class FreeRangeSet {
 public:
  static constexpr uint64_t kBitmapPfns = uint64_t{1} << 28;

  FreeRangeSet();
  ~FreeRangeSet();
  FreeRangeSet(FreeRangeSet&&) noexcept;
  FreeRangeSet& operator=(FreeRangeSet&&) noexcept;

  // True if every pfn of [start, end) is in the set. REQUIRES: start < end.
  bool Contains(uint64_t start, uint64_t end) const;
  // True if any pfn of [start, end) is in the set. REQUIRES: start < end.
  bool Overlaps(uint64_t start, uint64_t end) const;
  enum class Coverage { kNone, kPartial, kFull };
  // How much of [start, end) is in the set, in one pass. REQUIRES: start < end, or
  // start >= kBitmapPfns. start >= end is a block whose end wrapped past 2^64 (the assembler
  // passes a free of pfn ~0 on): the answer is that of the set kept wholly as ranges, kFull
  // if the last range starting at or below `start` ends at or after `end`.
  Coverage Cover(uint64_t start, uint64_t end) const;
  // Adds [start, end), merging with touching or overlapping ranges. start >= end: kept as an
  // inert range of the ordered map (it holds no pfn; only Cover from the same start sees it).
  void Insert(uint64_t start, uint64_t end);
  // Removes [start, end), splitting ranges that straddle it. start >= end: no change.
  void Erase(uint64_t start, uint64_t end);
  // Start loading the bitmap word of `pfn` (a hint to the cache: no effect on the answers).
  void Prefetch(uint64_t pfn) const {
    const uint64_t c = pfn / kChunkPfns;
    if (pfn < kBitmapPfns && c < chunks_.size() && chunks_[c] != nullptr) {
      __builtin_prefetch(&chunks_[c]->words[pfn % kChunkPfns / 64]);
    }
  }
  // The set as disjoint, coalesced ranges in ascending order (inert ones last). O(size of the
  // set): for tests and debugging.
  std::vector<std::pair<uint64_t, uint64_t>> Ranges() const;
  size_t num_ranges() const { return Ranges().size(); }

 private:
  static constexpr uint64_t kChunkPfns = 4096;
  static constexpr uint64_t kChunkWords = kChunkPfns / 64;
  struct Chunk {
    uint64_t words[kChunkWords] = {};
  };

  // The bitmap part, [start, end) within [0, kBitmapPfns), start < end.
  Coverage BitmapCover(uint64_t start, uint64_t end) const;
  void BitmapSet(uint64_t start, uint64_t end);
  void BitmapClear(uint64_t start, uint64_t end);
  // The highest pfn in the bitmap + 1, 0 if it is empty.
  uint64_t BitmapEnd() const;

  // The ordered-map part (pfns >= kBitmapPfns, and the inert ranges).
  Coverage MapCover(uint64_t start, uint64_t end) const;
  void MapInsert(uint64_t start, uint64_t end);
  void MapErase(uint64_t start, uint64_t end);

  std::vector<std::unique_ptr<Chunk>> chunks_;  // by pfn / kChunkPfns, grown on demand
  absl::btree_map<uint64_t, uint64_t> ranges_;  // start -> end
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_
