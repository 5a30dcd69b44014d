// PhysMem: the state of simulated physical memory, rebuilt from trace events, and the
// kernel's rules for changing it. Nodes and zones, free memory in the buddy allocator,
// allocated blocks with their owner type and order, and pages whose state is not known
// (allocated before the trace began). The states are stored by an ExtentStore
// (extent_store.h: extents, not pages; O(log n) lookups); this class applies the
// operations of the trace to them: buddy splits and merges, and the repair of
// inconsistent input.
//
// Free memory is kept canonical: free pages always form the maximal naturally aligned
// blocks up to max_order that fit in their zone (the kernel's eager buddy merging in
// __free_one_page), so the free lists by order follow from the free runs. Blocks on per-CPU
// page lists (PerCpuPages) are stored as allocated with owner OWNER_FREE (IsPcpBlock), so
// they are not merged until drained.
//
// Inconsistent input never crashes: each case is counted in MmStats, flagged in the
// operation's result, and repaired as documented on each method. Contradictions between
// the trace and the state (alloc of allocated pages, double free, partial free, migration
// from pages not allocated or onto allocated ones) are also counted by cause: whether the
// contradicted pages still had their snapshot state or had been set or confirmed by an
// earlier traced event (TracedPages).
#ifndef MEMSIM_SIM_MM_PHYS_MEM_H_
#define MEMSIM_SIM_MM_PHYS_MEM_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "sim/mm/extent_store.h"
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

  using ZoneInfo = ExtentStore::ZoneInfo;

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

  // Free to a per-CPU list (free_unref_page_commit): as Free (same checks and repairs, the
  // freed pieces in out->freed), but the block becomes a pcp block (allocated, OWNER_FREE,
  // `order`) and is not merged: out->checks and out->final_blocks stay empty.
  void FreeToPcp(uint64_t pfn, uint32_t order, FreeResult* out);
  // A pcp block taken off its list for an allocation (__rmqueue_pcplist): retyped to
  // `owner`; counted as an alloc op. REQUIRES: IsPcpBlock(Lookup(pfn)), head pfn, `order`.
  void TakeFromPcp(uint64_t pfn, uint32_t order, OwnerType owner, AllocResult* out);
  // A pcp block drained to the buddy (free_pcppages_bulk -> __free_one_page): a Free that
  // is not counted as a free op. REQUIRES: IsPcpBlock(Lookup(pfn)).
  void DrainPcpBlock(uint64_t pfn, uint32_t order, FreeResult* out);

  // A folio of 2^order pages moved from src_pfn to dst_pfn. The destination takes the
  // source's owner type: allocated here if free/unknown (out->dst_alloc), retyped if it is
  // already allocated as exactly that block (an ALLOC event came first), displaced
  // otherwise (counted). The source stays allocated unless free_source (then out->src_free).
  void Migrate(uint64_t src_pfn, uint64_t dst_pfn, uint32_t order, bool free_source,
               MigrateResult* out);

  // Owner of pfn (fault, memory failure, compaction scanners). Does not count.
  BlockInfo Lookup(uint64_t pfn) const { return store_.Lookup(pfn); }
  // Lookup that counts in stats().lookups (for the replay of fault events).
  BlockInfo LookupCounted(uint64_t pfn) {
    ++stats_.lookups;
    return Lookup(pfn);
  }

  // One run of pages in the same state (allocated runs: blocks of one order and owner).
  using Run = ExtentStore::Run;
  // Calls fn for every run of non-hole pages in [start_pfn, end_pfn), in pfn order, clipped
  // to the range. Runs end at window boundaries (2^12 pages).
  void VisitRuns(uint64_t start_pfn, uint64_t end_pfn,
                 absl::FunctionRef<void(const Run&)> fn) const {
    store_.VisitRuns(start_pfn, end_pfn, fn);
  }

  // Node index of pfn, or -1 if pfn is in no node.
  int NodeOf(uint64_t pfn) const { return store_.NodeOf(pfn); }

  const std::vector<NodeLayout>& nodes() const { return store_.nodes(); }
  const std::vector<ZoneInfo>& zones() const { return store_.zones(); }
  const Options& options() const { return options_; }
  const MmStats& stats() const { return stats_; }

  // Live figures, maintained incrementally (by the store).
  uint64_t free_blocks(uint32_t zone, uint32_t order) const {
    return store_.free_blocks(zone, order);
  }
  uint64_t free_pages(uint32_t zone) const { return store_.free_pages(zone); }
  uint64_t unknown_pages(uint32_t zone) const { return store_.unknown_pages(zone); }
  uint64_t allocated_pages(OwnerType owner) const { return store_.allocated_pages(owner); }
  uint64_t allocated_blocks(OwnerType owner) const { return store_.allocated_blocks(owner); }
  uint64_t total_allocated_blocks() const { return store_.total_allocated_blocks(); }

  // Host-memory figures of the extent store (benchmarks).
  uint64_t record_count() const { return store_.record_count(); }
  uint64_t host_bytes() const { return sizeof(*this) - sizeof(store_) + store_.host_bytes(); }
  // Releases spare vector capacity (after bulk seeding).
  void Compact() { store_.Compact(); }

  // Names and values of every MmStats counter and anomaly, for reports.
  std::vector<std::pair<std::string, uint64_t>> CounterList() const;
  // The contradiction counters by cause, named as in CounterList.
  std::vector<std::pair<std::string, CauseCounts>> CauseList() const;

 private:
  PhysMem(Options options, ExtentStore store) : options_(options), store_(std::move(store)) {}

  // Pages an operation found contradicting the trace, and how many of them a traced
  // event had set or confirmed.
  struct Contradicted {
    uint64_t pages = 0;
    uint64_t traced = 0;
  };
  void FreeImpl(uint64_t pfn, uint32_t order, bool to_pcp, FreeResult* out);
  // Alloc, Free: whether the 2^order block at pfn is aligned and inside one node's zones;
  // if not, the anomaly is flagged in `anomalies` and counted (the operation is ignored).
  bool BlockApplies(uint64_t pfn, uint32_t order, uint32_t* anomalies);
  // Adds [start, end) to `c`.
  void Note(uint64_t start, uint64_t end, Contradicted* c) const;
  // Counts one contradiction in `counter` and, by its cause, in `by_cause`.
  static void Count(const Contradicted& c, uint64_t& counter, CauseCounts& by_cause);
  // Cause of a contradiction over `pages` contradicted pages of which `traced` had been set
  // or confirmed by a traced event.
  static Cause Classify(uint64_t pages, uint64_t traced);

  Options options_;
  ExtentStore store_;
  MmStats stats_;
  TracedPages traced_;
};

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_PHYS_MEM_H_
