// A binary buddy allocator over the physical memory of a MachineDesc, one per generated trace,
// so that the events a workload emits describe a consistent machine: no pfn is handed out
// twice, every free names a live block of the same order, a freed block merges with its free
// buddy up to order kMaxOrder (as __free_one_page() does).
//
// State is kept by extents: one ordered set of free block heads per node and order, and one
// ordered map of live blocks. Host memory grows with the number of blocks, never with RAM.
// Ordered containers also make every choice deterministic (no hash iteration order) and give
// the pfn-range queries compaction needs.
//
// Simplifications (docs/workloads.md): no per-CPU page lists, no migratetype free lists.
// Placement stands in for grouping by mobility: kLowest (movable) takes the lowest-addressed
// block of the smallest order that fits, as __rmqueue_smallest() prefers small blocks;
// kHighest (unmovable) takes the highest-addressed block that fits, of any order, so the two
// kinds cluster at opposite ends of a node as pageblock grouping tends to make them.
#ifndef MEMSIM_SIM_WORKLOAD_PHYS_ALLOCATOR_H_
#define MEMSIM_SIM_WORKLOAD_PHYS_ALLOCATOR_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "sim/trace/event.h"
#include "sim/workload/machine_desc.h"

namespace memsim::workload {

// What a live block holds; kept with the block so that snapshots and migrations know it.
struct BlockInfo {
  OwnerType owner = trace::OWNER_UNKNOWN;
  int32_t migratetype = -1;  // kernel MIGRATE_*
  uint64_t gfp_flags = 0;    // of the allocation that made the block
};

struct LiveBlock {
  uint32_t order = 0;
  BlockInfo info;
};

class PhysAllocator {
 public:
  enum class Placement { kLowest, kHighest };

  // All memory of every node starts free, as kMaxOrder blocks.
  // REQUIRES: every node's start and end are multiples of 2^kMaxOrder.
  explicit PhysAllocator(const MachineDesc& machine);

  // Takes a block of 2^order pages from node `node` (an index into machine.nodes): the
  // smallest free order that fits, split down, the unused halves returned to the free sets.
  // Returns the block's first pfn, or kNoPfn if the node has no free block that large.
  uint64_t Allocate(uint32_t node, uint32_t order, Placement placement, const BlockInfo& info);
  // Takes exactly [pfn, pfn + 2^order). Returns false (and changes nothing) unless that range
  // lies inside one free block. REQUIRES: pfn aligned to 2^order.
  bool AllocateAt(uint64_t pfn, uint32_t order, const BlockInfo& info);
  // Returns a live block and merges it with free buddies. A free that names no live block of
  // this order is a bug in the workload: it CHECK-fails.
  void Free(uint64_t pfn, uint32_t order);

  const LiveBlock* FindLive(uint64_t pfn) const;
  // True if `node` has a free block of order >= `order`.
  bool HasFreeBlock(uint32_t node, uint32_t order) const;
  uint64_t free_pages(uint32_t node) const { return nodes_[node].free_pages; }
  uint64_t node_pages(uint32_t node) const { return nodes_[node].end - nodes_[node].start; }
  uint64_t live_blocks() const { return live_.size(); }
  const MachineDesc& machine() const { return machine_; }

  // Live blocks with their first pfn in [lo, hi), in pfn order: f(pfn, const LiveBlock&).
  template <typename F>
  void ForEachLiveIn(uint64_t lo, uint64_t hi, F&& f) const {
    for (auto it = live_.lower_bound(lo); it != live_.end() && it->first < hi; ++it) {
      f(it->first, it->second);
    }
  }
  // Free blocks with their first pfn in [lo, hi), sorted by pfn: (pfn, order) pairs.
  void FreeBlocksIn(uint64_t lo, uint64_t hi,
                    std::vector<std::pair<uint64_t, uint32_t>>* out) const;

  // The whole state as snapshot runs (trace::SnapshotChunk), sorted by pfn: free blocks as
  // OWNER_FREE with the /proc/kpageflags BUDDY bit, live blocks with their owner's flags.
  std::vector<SnapshotRun> SnapshotRuns() const;

 private:
  struct Node {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t free_pages = 0;
    uint32_t nonempty_orders = 0;  // bit k: free[k] is not empty
    absl::btree_set<uint64_t> free[kMaxOrder + 1];
  };

  void InsertFree(Node& node, uint64_t pfn, uint32_t order);
  void EraseFree(Node& node, uint64_t pfn, uint32_t order);
  Node& NodeOf(uint64_t pfn);

  MachineDesc machine_;
  std::vector<Node> nodes_;
  absl::btree_map<uint64_t, LiveBlock> live_;
};

// /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) a block's head page shows.
uint64_t KpageflagsFor(OwnerType owner, uint32_t order);

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_PHYS_ALLOCATOR_H_
