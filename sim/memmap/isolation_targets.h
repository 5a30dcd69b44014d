// IsolationTargets: which blocks a compaction scan of [start, end) isolated, when the trace
// says only how many pages (mm_compaction_isolate_{migrate,free}pages nr_taken). The rule
// (docs/memmap-models.md, "Compaction isolation"): the first blocks in pfn order, under the
// replayed state, that the scanner would take, until nr_taken pages are reached:
//   migrate scanner (isolate_migratepages_block): allocated folios on the LRU (anon, file,
//     KSM), whose head lies in the range;
//   free scanner (isolate_freepages_block): free buddy blocks whose head lies in the range
//     and that end inside it (a free block is taken whole, __isolate_free_page).
// Blocks on per-CPU lists are neither (not PageBuddy, not on the LRU). The replayed state is
// not changed: the migrations that follow are their own events.
#ifndef MEMSIM_SIM_MEMMAP_ISOLATION_TARGETS_H_
#define MEMSIM_SIM_MEMMAP_ISOLATION_TARGETS_H_

#include <cstdint>
#include <vector>

#include "proto/trace.pb.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/phys_mem.h"

namespace memsim::memmap {

class IsolationTargets {
 public:
  // Whether the migrate scanner isolates a folio of this owner (it is on an LRU list).
  static bool OnLru(trace::OwnerType owner) {
    return owner == trace::OWNER_ANON || owner == trace::OWNER_FILE || owner == trace::OWNER_KSM;
  }
  // Appends to `out` (cleared first) the blocks isolated; returns their pages (may be
  // fewer than nr_taken when the state holds fewer eligible blocks, or more by the last
  // block's size).
  static uint64_t Find(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                       trace::ScannerKind scanner, uint64_t nr_taken,
                       std::vector<mm::BlockInfo>* out);
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_ISOLATION_TARGETS_H_
