// A set of pfns kept as disjoint, coalesced half-open ranges [start, end): the blocks the
// imported trace has shown freed and not yet reallocated. Memory grows with the number of
// separate free ranges, not with the number of pages.
#ifndef MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_
#define MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_

#include <cstddef>
#include <cstdint>

#include "absl/container/btree_map.h"

namespace memsim {

class FreeRangeSet {
 public:
  // True if every pfn of [start, end) is in the set. REQUIRES: start < end.
  bool Contains(uint64_t start, uint64_t end) const;
  // True if any pfn of [start, end) is in the set.
  bool Overlaps(uint64_t start, uint64_t end) const;
  enum class Coverage { kNone, kPartial, kFull };
  // How much of [start, end) is in the set, in one lookup. REQUIRES: start < end.
  Coverage Cover(uint64_t start, uint64_t end) const;
  // Adds [start, end), merging with touching or overlapping ranges.
  void Insert(uint64_t start, uint64_t end);
  // Removes [start, end), splitting ranges that straddle it.
  void Erase(uint64_t start, uint64_t end);
  size_t num_ranges() const { return ranges_.size(); }

 private:
  absl::btree_map<uint64_t, uint64_t> ranges_;  // start -> end
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_FREE_RANGE_SET_H_
