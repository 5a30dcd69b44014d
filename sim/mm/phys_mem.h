// PhysMem: the state of simulated physical memory, rebuilt from trace events. Nodes and
// zones, free memory in the buddy allocator, allocated blocks with their owner type and
// order, and pages whose state is not known (allocated before the trace began).
//
// State is kept by extents, never per pfn: memory is cut into windows of 2^12 pages, each
// holding a sorted vector of 8-byte records (start, length, state, order, owner, zone) that
// tile the window. A window in one state costs one inline record, so host memory grows
// with the number of distinct runs (live blocks, free runs), not with simulated RAM.
// owner(pfn) = binary search over window segments + index + binary search over the
// window's records: O(log n).
//
// Free memory is kept canonical: free pages always form the maximal naturally aligned
// blocks up to max_order that fit in their zone (the kernel's eager buddy merging in
// __free_one_page), so the free lists by order follow from the free runs. Per-CPU page
// lists (which delay merging) are not modelled.
//
// Inconsistent input never crashes: each case is counted in MmStats, flagged in the
// operation's result, and repaired as documented on each method. Contradictions between
// the trace and the state (alloc of allocated pages, double free, partial free, migration
// from pages not allocated or onto allocated ones) are also counted by cause: whether the
// contradicted pages still had their snapshot state or had been set or confirmed by an
// earlier traced event (TracedPages).
#ifndef MEMSIM_SIM_MM_PHYS_MEM_H_
#define MEMSIM_SIM_MM_PHYS_MEM_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/traced_pages.h"
#include "sim/trace/event.h"

namespace memsim::mm {

class PhysMem {
 public:
  struct Options {
    // Largest buddy order (the kernel's MAX_PAGE_ORDER; 10 on x86-64: 4 MiB blocks).
    uint32_t max_order = 10;
  };

  struct ZoneInfo {
    uint32_t node = 0;  // node index
    ZoneKind kind = ZoneKind::kNormal;
    uint64_t start_pfn = 0;
    uint64_t end_pfn = 0;
  };

  // Validates the layout: at least one node, pages > 0, nodes and zones non-overlapping,
  // zones inside their node, at most 255 zones, max_order <= kMaxSupportedBuddyOrder.
  // Errors are InvalidArgument naming the node/zone index. All pages start kUnknown.
  static absl::StatusOr<PhysMem> Create(std::vector<NodeLayout> nodes, Options options);
  static absl::StatusOr<PhysMem> Create(std::vector<NodeLayout> nodes) {
    return Create(std::move(nodes), Options());
  }

  PhysMem(PhysMem&&) = default;
  PhysMem& operator=(PhysMem&&) = default;

  // Seeds state from an initial-state snapshot (runs sorted by start_pfn, as the trace
  // stores them; unsorted input works, only slower). OWNER_FREE runs become free memory,
  // other runs allocated blocks of 2^order pages (a run not made of aligned blocks is kept
  // as order-0 pages and counted). Runs outside every zone are counted and dropped.
  void ApplySnapshot(const std::vector<SnapshotRun>& runs);

  // Marks every page in [start_pfn, end_pfn) that is still kUnknown as free (e.g. a
  // synthetic machine that starts empty). Holes stay holes.
  void MarkUnknownFree(uint64_t start_pfn, uint64_t end_pfn);

  // The kernel allocated 2^order pages at pfn (mm_page_alloc). Fills `out` with the buddy
  // blocks removed and the halves put back by the split. Repairs: misaligned or touching a
  // hole -> ignored (applied = false); pages already allocated -> displaced (listed in
  // out->displaced, overwritten); unknown pages -> taken as free.
  // REQUIRES: order <= kMaxBlockOrder.
  void Alloc(uint64_t pfn, uint32_t order, OwnerType owner, AllocResult* out);

  // The kernel freed 2^order pages at pfn (mm_page_free). Fills `out` with what was freed
  // and the buddy merges. Repairs: misaligned / hole -> ignored; pages already free ->
  // counted (double free); unknown pages -> counted (allocated before the trace began) and
  // freed; part of a larger allocated block -> the rest stays allocated as order-0 pages
  // (split_page()).
  void Free(uint64_t pfn, uint32_t order, FreeResult* out);

  // A folio of 2^order pages moved from src_pfn to dst_pfn. The destination takes the
  // source's owner type: allocated here if free/unknown (out->dst_alloc), retyped if it is
  // already allocated as exactly that block (an ALLOC event came first), displaced
  // otherwise (counted). The source stays allocated unless free_source (then out->src_free).
  void Migrate(uint64_t src_pfn, uint64_t dst_pfn, uint32_t order, bool free_source,
               MigrateResult* out);

  // Owner of pfn (fault, memory failure, compaction scanners). Does not count.
  BlockInfo Lookup(uint64_t pfn) const;
  // Lookup that counts in stats().lookups (for the replay of fault events).
  BlockInfo LookupCounted(uint64_t pfn) {
    ++stats_.lookups;
    return Lookup(pfn);
  }

  // One run of pages in the same state (allocated runs: blocks of one order and owner).
  struct Run {
    uint64_t start_pfn = 0;
    uint64_t end_pfn = 0;
    PageState state = PageState::kHole;
    uint32_t order = 0;
    OwnerType owner = trace::OWNER_UNKNOWN;
    uint32_t node = 0;
  };
  // Calls fn for every run of non-hole pages in [start_pfn, end_pfn), in pfn order, clipped
  // to the range. Runs end at window boundaries (2^12 pages).
  void VisitRuns(uint64_t start_pfn, uint64_t end_pfn,
                 absl::FunctionRef<void(const Run&)> fn) const;

  // Node index of pfn, or -1 if pfn is in no node.
  int NodeOf(uint64_t pfn) const;

  const std::vector<NodeLayout>& nodes() const { return nodes_; }
  const std::vector<ZoneInfo>& zones() const { return zones_; }
  const Options& options() const { return options_; }
  const MmStats& stats() const { return stats_; }

  // Live figures, maintained incrementally.
  uint64_t free_blocks(uint32_t zone, uint32_t order) const {
    return zone_counts_[zone].free_blocks[order];
  }
  uint64_t free_pages(uint32_t zone) const { return zone_counts_[zone].free_pages; }
  uint64_t unknown_pages(uint32_t zone) const { return zone_counts_[zone].unknown_pages; }
  uint64_t allocated_pages(OwnerType owner) const { return alloc_pages_[owner]; }
  uint64_t allocated_blocks(OwnerType owner) const { return alloc_blocks_[owner]; }
  uint64_t total_allocated_blocks() const;

  // Host-memory figures of the extent store (benchmarks).
  uint64_t record_count() const;
  uint64_t host_bytes() const;
  // Releases spare vector capacity (after bulk seeding).
  void Compact();

  // Names and values of every MmStats counter and anomaly, for reports.
  std::vector<std::pair<std::string, uint64_t>> CounterList() const;
  // The contradiction counters by cause, named as in CounterList.
  std::vector<std::pair<std::string, CauseCounts>> CauseList() const;

 private:
  // One run of pages inside a window: [start, start + len_m1 + 1) window offsets.
  struct Extent {
    uint16_t start;
    uint16_t len_m1;
    uint8_t state;  // PageState
    uint8_t order;  // kAllocated only
    uint8_t owner;  // kAllocated only (OwnerType)
    uint8_t zone;   // global zone index; kNoZone for holes
    uint32_t end() const { return uint32_t{start} + len_m1 + 1; }
  };
  static_assert(sizeof(Extent) == 8);
  using Window = absl::InlinedVector<Extent, 1>;
  struct Segment {
    uint64_t first_window = 0;
    std::vector<Window> windows;
  };
  struct ZoneCounts {
    std::array<uint64_t, kMaxSupportedBuddyOrder + 1> free_blocks{};
    uint64_t free_pages = 0;
    uint64_t unknown_pages = 0;
  };

  static constexpr uint32_t kWindowShift = 12;
  static constexpr uint64_t kWindowPages = uint64_t{1} << kWindowShift;
  static constexpr uint8_t kNoZone = 255;

  PhysMem() = default;
  void BuildWindows();

  // Window holding pfn, or nullptr.
  const Window* FindWindow(uint64_t pfn) const;
  Window* FindWindow(uint64_t pfn) {
    return const_cast<Window*>(static_cast<const PhysMem*>(this)->FindWindow(pfn));
  }
  // Index of the record of `w` containing window offset `off`.
  static size_t RecordIndex(const Window& w, uint32_t off);

  // Overwrites the state of every non-hole page in [start, end) (zones are kept).
  void Assign(uint64_t start, uint64_t end, PageState state, uint32_t order, OwnerType owner);
  void AssignInWindow(Window& w, uint64_t base, uint32_t lo, uint32_t hi, const Extent& proto);

  void AddStats(uint64_t base, const Extent& e, int64_t sign);
  // Canonical buddy block containing pfn in the free run [a, b).
  BuddyBlock FreeBlockAt(uint64_t a, uint64_t b, uint64_t pfn) const;

  // Calls fn(abs_start, abs_end, const Extent&) for each record piece in [start, end),
  // clipped to the range, in pfn order.
  template <typename Fn>
  void ForEachPiece(uint64_t start, uint64_t end, Fn&& fn) const;
  // True if [start, end) is all inside zones (no holes, no pfn outside nodes).
  bool RangeInZones(uint64_t start, uint64_t end) const;
  // Splits the allocated blocks that straddle start or end into order-0 pages so that
  // [start, end) can be overwritten without breaking block alignment outside it.
  void SplitStraddlingBlocks(uint64_t start, uint64_t end);
  // Cause of a contradiction over `pages` contradicted pages of which `traced` had been set
  // or confirmed by a traced event.
  static Cause Classify(uint64_t pages, uint64_t traced);
  // Free record bounds (whole run, unclipped) containing pfn; pfn must be free.
  std::pair<uint64_t, uint64_t> FreeRunAt(uint64_t pfn) const;

  Options options_;
  std::vector<NodeLayout> nodes_;
  std::vector<ZoneInfo> zones_;
  std::vector<Segment> segments_;
  std::vector<ZoneCounts> zone_counts_;
  std::array<uint64_t, 32> alloc_pages_{};
  std::array<uint64_t, 32> alloc_blocks_{};
  MmStats stats_;
  TracedPages traced_;
  std::vector<Extent> scratch_;
};

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_PHYS_MEM_H_
