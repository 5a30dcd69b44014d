// PerCpuPages: the kernel's per-CPU page lists (struct per_cpu_pages, mm/page_alloc.c), one
// set per (CPU, zone), in front of PhysMem's buddy allocator. Orders the kernel lets through
// them (pcp_allowed_order: order <= PAGE_ALLOC_COSTLY_ORDER = 3, and the THP order) are
// freed onto the freeing CPU's list without merging (free_unref_page_commit) and allocated
// off it (__rmqueue_pcplist); the buddy is touched only when a list is refilled
// (rmqueue_bulk) or drained (free_pcppages_bulk, when the count reaches `high`).
//
// The trace names the pfn of every alloc; the lists are kept so the trace's pfns stay
// consistent:
// - alloc of a pfn on this CPU's list of its order: taken off the list (a hit), no buddy work;
// - any other alloc: the block came with a refill the trace did not show. It is taken from
//   the buddy as PhysMem::Alloc does (its share of rmqueue_bulk: the split of its own block),
//   then list_add_tail + list_del on this CPU's list; the zone lock is charged once per
//   refill batch (max(batch >> order, 2) such allocations of one list share it);
// - pcp blocks inside a range another operation takes (a non-pcp alloc or free, either end
//   of a migration, a refill of another CPU) were drained by a drain_all_pages the trace
//   does not show: DrainRange moves them to the buddy first, with no access charged.
// Lists are per order only (the migratetype of a pageblock is not tracked; every block uses
// the MIGRATE_MOVABLE list of its order). Blocks on lists are IsPcpBlock in PhysMem.
// docs/memmap-models.md, "Per-CPU page lists", has the kernel code each step follows.
#ifndef MEMSIM_SIM_MM_PER_CPU_PAGES_H_
#define MEMSIM_SIM_MM_PER_CPU_PAGES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/phys_mem.h"

namespace memsim::mm {

class PerCpuPages {
 public:
  // include/linux/mmzone.h: PAGE_ALLOC_COSTLY_ORDER, MIGRATE_PCPTYPES, NR_PCP_LISTS.
  static constexpr uint32_t kCostlyOrder = 3;
  static constexpr uint32_t kPcpTypes = 3;
  static constexpr uint32_t kMigrateMovable = 1;
  static constexpr uint32_t kLists = kPcpTypes * (kCostlyOrder + 1) + 1;

  struct Options {
    uint32_t thp_order = 9;  // pageblock_order = HPAGE_PMD_ORDER on x86-64
    // Non-zero: every zone's batch / high (tests); 0: the kernel's defaults for the zone.
    uint32_t batch = 0;
    uint32_t high = 0;
  };
  struct Limits {
    uint32_t batch = 0;
    uint32_t high = 0;
  };
  struct Stats {
    uint64_t alloc_hits = 0;        // served off this CPU's list
    uint64_t alloc_refills = 0;     // came with a refill (rmqueue_bulk share)
    uint64_t refill_batches = 0;    // zone lock taken by a refill
    uint64_t frees = 0;             // freed onto a list
    uint64_t drains = 0;            // free_pcppages_bulk calls
    uint64_t drained_blocks = 0;    // blocks they moved to the buddy
    uint64_t implicit_drained = 0;  // blocks DrainRange moved (untraced drain_all_pages)
    uint64_t stale_entries = 0;     // list entries whose block PhysMem no longer held
  };

  // zone_batchsize(): min(managed >> 10, 1 MiB of pages) / 4, at least 1, then
  // rounddown_pow_of_two(b + b / 2) - 1. 63 for any zone of 1 GiB or more.
  static uint32_t ZoneBatchSize(uint64_t zone_pages);
  // low_wmark_pages(zone) after __setup_per_zone_wmarks with min_free_kbytes from
  // calculate_min_free_kbytes (int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144]) and
  // watermark_scale_factor = 10. lowmem_pages: pages of every zone of the machine.
  static uint64_t LowWatermarkPages(uint64_t zone_pages, uint64_t lowmem_pages);
  // zone_highsize() with percpu_pagelist_high_fraction = 0: low watermark / CPUs of the
  // zone's node (all CPUs if it has none), at least 4 * batch.
  static uint32_t ZoneHighSize(uint64_t zone_pages, uint64_t lowmem_pages, uint32_t node_cpus,
                               uint32_t batch);
  // pcp_allowed_order().
  bool AllowedOrder(uint32_t order) const {
    return order <= kCostlyOrder || order == options_.thp_order;
  }
  // order_to_pindex(MIGRATE_MOVABLE, order); the THP list is the last one.
  uint32_t PindexOf(uint32_t order) const {
    return order <= kCostlyOrder ? kPcpTypes * order + kMigrateMovable : kLists - 1;
  }

  // Limits of every zone of `mem` from its size, the machine's pages and node_cpus[node]
  // (CPUs whose home node is that node). REQUIRES: num_cpus > 0.
  PerCpuPages(const PhysMem& mem, uint32_t num_cpus, const std::vector<uint32_t>& node_cpus,
              Options options);
  PerCpuPages(const PhysMem& mem, uint32_t num_cpus, const std::vector<uint32_t>& node_cpus)
      : PerCpuPages(mem, num_cpus, node_cpus, Options()) {}

  // The kernel allocated 2^order pages at pfn on `cpu`: through the lists if the order is
  // allowed (out->pcp), else DrainRange + PhysMem::Alloc. REQUIRES: cpu < num_cpus.
  void Alloc(PhysMem& mem, uint32_t cpu, uint64_t pfn, uint32_t order, OwnerType owner,
             AllocResult* out);
  // The kernel freed 2^order pages at pfn on `cpu`: onto the list (and a drain if the count
  // reaches high) if the order is allowed, else DrainRange + PhysMem::Free.
  void Free(PhysMem& mem, uint32_t cpu, uint64_t pfn, uint32_t order, FreeResult* out);
  // Moves every pcp block overlapping [start, end) to the buddy (no access charged).
  void DrainRange(PhysMem& mem, uint64_t start, uint64_t end);

  const Limits& limits(uint32_t zone) const { return limits_[zone]; }
  const Stats& stats() const { return stats_; }
  // Pages on the lists of (cpu, zone) (pcp->count).
  uint32_t count(uint32_t cpu, uint32_t zone) const { return pcps_[cpu * zones_ + zone].count; }
  // Entries of one list, first to last (tests).
  std::vector<uint64_t> ListOf(uint32_t cpu, uint32_t zone, uint32_t pindex) const;
  // Names and values of the counters, for Result.counters ("pcp_" prefixed).
  std::vector<std::pair<std::string, uint64_t>> CounterList() const;

 private:
  struct Entry {
    uint64_t prev = kPcpHead;
    uint64_t next = kPcpHead;
    uint32_t list = 0;
    uint32_t order = 0;
  };
  struct List {
    uint64_t first = kPcpHead;
    uint64_t last = kPcpHead;
  };
  struct Pcp {
    uint32_t count = 0;
    uint32_t free_factor = 0;
    uint32_t credit[kLists] = {};  // refill-batch allocations left before the next zone lock
  };

  uint32_t ListId(uint32_t cpu, uint32_t zone, uint32_t pindex) const {
    return (cpu * zones_ + zone) * kLists + pindex;
  }
  // Links pfn after prev (kPcpHead: at the front) of list `id`; returns the op.
  PcpListOp Link(uint32_t id, uint64_t pfn, uint32_t order, bool at_tail);
  // Unlinks pfn; returns the op. REQUIRES: pfn has an entry.
  PcpListOp Unlink(uint64_t pfn);
  // nr_pcp_free().
  static uint32_t NrPcpFree(Pcp& p, uint32_t high, uint32_t batch, bool free_high);
  // free_pcppages_bulk(zone, count, pcp, pindex) of (cpu, zone), into `ops`.
  void Drain(PhysMem& mem, uint32_t cpu, uint32_t zone, uint32_t pindex, uint32_t count,
             PcpOps* ops);

  Options options_;
  uint32_t num_cpus_;
  uint32_t zones_;
  std::vector<Limits> limits_;                    // by zone
  std::vector<Pcp> pcps_;                         // [cpu * zones + zone]
  std::vector<List> lists_;                       // [ListId]
  absl::flat_hash_map<uint64_t, Entry> entries_;  // by pfn
  Stats stats_;
  FreeResult scratch_free_;
  std::vector<BuddyBlock> scratch_blocks_;
};

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_PER_CPU_PAGES_H_
