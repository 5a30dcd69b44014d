// Plain data shared by the physical-memory state (PhysMem) and the memmap models: node and
// zone layout, what a pfn belongs to, and what one kernel operation did to the buddy
// allocator. No behaviour here; see phys_mem.h.
#ifndef MEMSIM_SIM_MM_MM_TYPES_H_
#define MEMSIM_SIM_MM_MM_TYPES_H_

#include <cstdint>
#include <vector>

#include "proto/trace.pb.h"

namespace memsim::mm {

using trace::OwnerType;

inline constexpr uint32_t kPageShift = 12;
inline constexpr uint64_t kPageBytes = uint64_t{1} << kPageShift;
// Largest buddy order PhysMem accepts for max_order (a buddy block never crosses one of
// its 2^12-page windows).
inline constexpr uint32_t kMaxSupportedBuddyOrder = 12;
// Largest block order an allocation may have (1 GiB gigantic pages are order 18).
inline constexpr uint32_t kMaxBlockOrder = 30;

enum class ZoneKind : uint8_t { kDma = 0, kDma32 = 1, kNormal = 2, kMovable = 3 };

struct ZoneLayout {
  ZoneKind kind = ZoneKind::kNormal;
  uint64_t start_pfn = 0;
  uint64_t pages = 0;
};

// Where a node's memmap is asked to live (config::MemmapPlacement, resolved).
struct MemmapRequest {
  enum class Kind : uint8_t {
    kLocal = 0,          // boot memory: on the node
    kHotplug = 1,        // hot-added: on host_node
    kOnMemory = 2,       // memmap_on_memory: in each memory block, else on host_node
    kOnMemoryForce = 3,  // memmap_on_memory=force
  };
  Kind kind = Kind::kLocal;
  uint32_t host_node = 0;  // kHotplug and the fallback of kOnMemory*: index of the host node
  uint64_t memory_block_pages = 32768;                   // Machine.memory_block_bytes / 4 KiB
  uint64_t vmemmap_alignment_bytes = uint64_t{2} << 20;  // Machine.vmemmap_alignment_bytes
};

// One NUMA node's memory. The machine config (proto/machine.proto) is turned into these by
// the caller; mm does not depend on it.
struct NodeLayout {
  uint32_t node_id = 0;
  uint64_t start_pfn = 0;
  uint64_t pages = 0;
  // Empty: one ZONE_NORMAL covering the whole node. Otherwise zones inside the node,
  // non-overlapping; node pfns in no zone are holes (never allocatable).
  std::vector<ZoneLayout> zones;
  // Where the node's memmap lives (proto/machine.proto MemmapPlacement; resolved per model
  // by memmap::MemmapLayout, docs/machine-model.md "Where the memmap lives").
  MemmapRequest memmap;
};

enum class PageState : uint8_t {
  kHole = 0,       // outside every node/zone: no struct page, never allocatable
  kUnknown = 1,    // inside a zone, state not known (no snapshot, trace has not touched it)
  kFree = 2,       // in the buddy allocator
  kAllocated = 3,  // allocated; owner type and block order known
};

// A naturally aligned free block of 2^order pages on a buddy free list.
struct BuddyBlock {
  uint64_t pfn = 0;
  uint32_t order = 0;
  bool operator==(const BuddyBlock&) const = default;
};

// What a pfn belongs to. For kFree: the buddy block containing the pfn. For kAllocated: the
// naturally aligned allocated block (the folio, slab, ...). For kUnknown and kHole: the page.
struct BlockInfo {
  PageState state = PageState::kHole;
  uint64_t head_pfn = 0;
  uint32_t order = 0;
  OwnerType owner = trace::OWNER_UNKNOWN;
  uint32_t node = 0;  // index into the NodeLayout vector PhysMem was built from
  uint32_t zone = 0;  // global zone index (PhysMem::zone_info)
  uint64_t pages() const { return uint64_t{1} << order; }
  bool operator==(const BlockInfo&) const = default;
};

// A contiguous piece of memory as it was before an operation overwrote it: a whole
// allocated block (order = its order), or pages in another state (order 0 each).
struct Piece {
  uint64_t pfn = 0;
  uint64_t pages = 0;
  PageState state = PageState::kUnknown;
  uint32_t order = 0;
  OwnerType owner = trace::OWNER_UNKNOWN;
  uint32_t node = 0;
  bool operator==(const Piece&) const = default;
};

// Anomalies of one operation (bit mask); each also bumps a counter in MmStats.
enum Anomaly : uint32_t {
  kAnomalyNone = 0,
  kAnomalyMisaligned = 1u << 0,        // pfn not aligned to 2^order: op ignored
  kAnomalyOutOfRange = 1u << 1,        // touches a hole or no node: op ignored
  kAnomalyAllocOfAllocated = 1u << 2,  // alloc over allocated pages: they are displaced
  kAnomalyAllocFromUnknown = 1u << 3,  // alloc of pages never seen free (informational)
  kAnomalyDoubleFree = 1u << 4,        // free of pages already free
  kAnomalyFreeOfPretrace = 1u << 5,    // free of pages allocated before the trace began
  kAnomalyPartialFree = 1u << 6,       // free covers part of a larger allocated block
  kAnomalyMigrateSrcNotAllocated = 1u << 7,
  kAnomalyMigrateDstConflict = 1u << 8,  // destination allocated as something else
};

// One buddy check of __free_one_page: the buddy of the block being freed, at `order`.
struct BuddyCheck {
  uint64_t pfn = 0;
  uint32_t order = 0;
  bool merged = false;  // buddy was free: taken off its list and merged
  bool operator==(const BuddyCheck&) const = default;
};

// Per-CPU page lists (PerCpuPages, mm/page_alloc.c struct per_cpu_pages). A list entry is
// named by its pfn; kPcpHead stands for the list head in struct per_cpu_pages.
inline constexpr uint64_t kPcpHead = ~uint64_t{0};

// One list operation on a pcp list: list_add / list_add_tail (kAdd: the entry is linked
// between prev and next) or list_del (kDel: the entry is unlinked from between prev and next).
struct PcpListOp {
  enum Kind : uint8_t { kAdd, kDel };
  Kind kind = kAdd;
  uint64_t pfn = 0;
  uint64_t prev = kPcpHead;
  uint64_t next = kPcpHead;
  bool operator==(const PcpListOp&) const = default;
};

// A block free_pcppages_bulk moved from a pcp list back to the buddy: its list_del and the
// __free_one_page walk (checks [checks_begin, checks_end) of PcpOps::drain_checks).
struct DrainedBlock {
  BuddyBlock block;
  uint32_t node = 0;
  PcpListOp del;
  uint32_t checks_begin = 0;
  uint32_t checks_end = 0;
  BuddyBlock final_block;
};

// What one alloc or free did to the per-CPU lists of (cpu, zone). Empty (used = false) when
// the operation bypassed them (order not pcp-allowed, or pcp lists off).
struct PcpOps {
  bool used = false;
  uint32_t cpu = 0;
  uint32_t zone = 0;    // global zone index
  uint32_t pindex = 0;  // list index in struct per_cpu_pages (order_to_pindex)
  // zone->lock taken: rmqueue_bulk (first block of a refill batch) or free_pcppages_bulk.
  bool zone_lock = false;
  std::vector<PcpListOp> ops;         // in order: the list_add/list_del of the op's own block
  std::vector<DrainedBlock> drained;  // free_pcppages_bulk, in drain order
  std::vector<BuddyCheck> drain_checks;
  void Clear() {
    used = false;
    cpu = zone = pindex = 0;
    zone_lock = false;
    ops.clear();
    drained.clear();
    drain_checks.clear();
  }
};

// A block held on a pcp list: neither free in the buddy nor in use. PhysMem stores it as
// allocated with owner OWNER_FREE at its order, so the buddy never merges it.
inline bool IsPcpBlock(const BlockInfo& b) {
  return b.state == PageState::kAllocated && b.owner == trace::OWNER_FREE;
}

// Result of PhysMem::Alloc. Vectors are reused across calls (cleared, capacity kept).
struct AllocResult {
  uint32_t anomalies = kAnomalyNone;
  bool applied = false;  // false: ignored (misaligned / out of range); nothing changed
  BlockInfo block;       // the new block (state kAllocated)
  // Free blocks taken off the free lists (del_page_from_free_list in __rmqueue_smallest):
  // usually one block of order >= the allocation's.
  std::vector<BuddyBlock> removed_free;
  // Halves put back on the free lists by the split (expand()), largest first.
  std::vector<BuddyBlock> added_free;
  // Allocated / unknown pieces the allocation overwrote (inconsistent input).
  std::vector<Piece> displaced;
  // The pcp list work (rmqueue_pcplist); removed_free / added_free are then the buddy work
  // of a refill (rmqueue_bulk), empty when the block came off the list.
  PcpOps pcp;
  void Clear() {
    anomalies = kAnomalyNone;
    applied = false;
    block = BlockInfo{};
    removed_free.clear();
    added_free.clear();
    displaced.clear();
    pcp.Clear();
  }
};

struct FreeResult {
  uint32_t anomalies = kAnomalyNone;
  bool applied = false;
  uint64_t pfn = 0;
  uint32_t order = 0;
  uint32_t node = 0;
  // What was freed, as it was: normally one allocated block (pfn, order). Several pieces
  // when the free covered several blocks, an allocated block only partly, or unknown pages.
  std::vector<Piece> freed;
  // __free_one_page's walk up the orders (empty for order > max_order frees).
  std::vector<BuddyCheck> checks;
  // The free blocks that now hold the freed pages (one, after merging, unless the free
  // was larger than a max-order block).
  std::vector<BuddyBlock> final_blocks;
  // Free to a pcp list (free_unref_page): checks and final_blocks are empty (no merge), the
  // list_add and any drain (free_pcppages_bulk) are here.
  PcpOps pcp;
  void Clear() {
    anomalies = kAnomalyNone;
    applied = false;
    pfn = 0;
    order = 0;
    node = 0;
    freed.clear();
    checks.clear();
    final_blocks.clear();
    pcp.Clear();
  }
};

struct MigrateResult {
  uint32_t anomalies = kAnomalyNone;
  bool applied = false;
  BlockInfo src;            // the source block as looked up (state kAllocated normally)
  BlockInfo dst;            // the destination block after the operation
  bool dst_allocated_here;  // dst was free/unknown: dst_alloc says what the split did
  AllocResult dst_alloc;
  bool src_freed = false;  // free_source was requested and done: src_free
  FreeResult src_free;
  void Clear() {
    anomalies = kAnomalyNone;
    applied = false;
    src = BlockInfo{};
    dst = BlockInfo{};
    dst_allocated_here = false;
    dst_alloc.Clear();
    src_freed = false;
    src_free.Clear();
  }
};

// Counters of operations and of inconsistent input. Never a crash: inconsistencies are
// counted here and the state is repaired as documented in docs/memmap-models.md.
// Why the trace contradicted the replayed state, decided from where the contradicted pages'
// state came from (PhysMem keeps which pages a traced event has set or confirmed; see
// docs/results.md, "Inconsistencies by cause").
enum class Cause : uint8_t {
  // No traced event had touched the contradicted pages: their state was the snapshot's,
  // and the trace's first event on them disagrees (the snapshot is stale: read before the
  // capture, it misses what changed in between or what untraced tasks did before).
  kStaleSnapshot,
  // Every contradicted page's state was set or confirmed by earlier traced events: events
  // are missing from the capture window (another task's, an untraced split_page, ...).
  kMissingEvents,
  // The contradicted pages had no known state (no snapshot run covered them, no traced
  // event had touched them): allocated before the trace began, like free_of_pretrace.
  kNoInitialState,
  // Some of the pages are of each kind: the data cannot tell.
  kUnexplained,
};

struct CauseCounts {
  uint64_t stale_snapshot = 0;
  uint64_t missing_events = 0;
  uint64_t no_initial_state = 0;
  uint64_t unexplained = 0;
  void Add(Cause c) {
    switch (c) {
      case Cause::kStaleSnapshot:
        ++stale_snapshot;
        break;
      case Cause::kMissingEvents:
        ++missing_events;
        break;
      case Cause::kNoInitialState:
        ++no_initial_state;
        break;
      case Cause::kUnexplained:
        ++unexplained;
        break;
    }
  }
  uint64_t total() const {
    return stale_snapshot + missing_events + no_initial_state + unexplained;
  }
};

struct MmStats {
  uint64_t alloc_ops = 0;
  uint64_t free_ops = 0;
  uint64_t migrate_ops = 0;
  uint64_t lookups = 0;
  uint64_t misaligned = 0;
  uint64_t out_of_range = 0;
  uint64_t alloc_of_allocated = 0;
  uint64_t alloc_from_unknown = 0;
  uint64_t double_free = 0;
  uint64_t free_of_pretrace = 0;
  uint64_t partial_free = 0;
  uint64_t migrate_src_not_allocated = 0;
  uint64_t migrate_dst_conflict = 0;
  uint64_t snapshot_runs = 0;
  uint64_t snapshot_runs_rejected = 0;    // outside every node or overlapping a hole
  uint64_t snapshot_runs_misaligned = 0;  // kept, as order-0 pages
  uint64_t snapshot_runs_overlapping = 0;
  // The contradictions above by cause; each total() equals its counter.
  CauseCounts alloc_of_allocated_by_cause;
  CauseCounts double_free_by_cause;
  CauseCounts partial_free_by_cause;
  CauseCounts migrate_src_not_allocated_by_cause;
  CauseCounts migrate_dst_conflict_by_cause;
};

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_MM_TYPES_H_
