#include "sim/workload/fragment_workload.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

constexpr uint64_t kPageblockPages = uint64_t{1} << kPageblockOrder;
// COMPACT_CLUSTER_MAX (= SWAP_CLUSTER_MAX): pages isolated per migrate-scanner pass.
constexpr uint64_t kCompactClusterMax = 32;
constexpr uint64_t kMmapTop = 0x7f0000000000;
constexpr uint64_t kTextBase = 0x55d4a0000000;
// Share of actions that are THP faults; the rest are page-cache churn.
constexpr double kThpFaultShare = 0.25;

const BlockInfo kFilePage{trace::OWNER_FILE, kMigrateMovable, gfp::kReadahead};
const BlockInfo kKernelPage{trace::OWNER_KERNEL, kMigrateUnmovable, gfp::kKernel};
const BlockInfo kAnonPage{trace::OWNER_ANON, kMigrateMovable, gfp::kAnonPage};
const BlockInfo kAnonThp{trace::OWNER_ANON, kMigrateMovable, gfp::kTransHugeLight};

// Order-0 movable pages of a node, for picking one at random; compaction moves entries.
class MovableSet {
 public:
  void Add(uint64_t pfn) {
    index_[pfn] = pfns_.size();
    pfns_.push_back(pfn);
  }
  void Remove(uint64_t pfn) {
    auto it = index_.find(pfn);
    size_t i = it->second;
    index_.erase(it);
    uint64_t last = pfns_.back();
    pfns_.pop_back();
    if (last != pfn) {
      pfns_[i] = last;
      index_[last] = i;
    }
  }
  void Move(uint64_t from, uint64_t to) {
    auto it = index_.find(from);
    if (it == index_.end()) return;  // not an order-0 page of this set
    size_t i = it->second;
    index_.erase(it);
    pfns_[i] = to;
    index_[to] = i;
  }
  bool Contains(uint64_t pfn) const { return index_.contains(pfn); }
  uint64_t Random(Rng& rng) const { return pfns_[rng.Uniform(pfns_.size())]; }
  size_t size() const { return pfns_.size(); }

 private:
  std::vector<uint64_t> pfns_;
  // Looked up, never iterated: hash order cannot leak into the output.
  absl::flat_hash_map<uint64_t, size_t> index_;
};

struct NodeState {
  uint64_t zone_start = 0;
  uint64_t zone_end = 0;
  uint64_t cached_migrate_pfn = 0;  // compact_cached_migrate_pfn
  uint64_t cached_free_pfn = 0;     // compact_cached_free_pfn
  MovableSet movable;
  std::deque<uint64_t> thps;  // live THPs, oldest first
  uint64_t thp_budget = 0;    // THPs the node keeps before the oldest is unmapped
  uint64_t next_address = kMmapTop;
};

struct Isolated {
  uint64_t pfn;
  uint32_t order;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> FragmentWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  RETURN_IF_ERROR(CheckFraction(in.fill, 0.0, 0.98, "--fill"));
  RETURN_IF_ERROR(CheckFraction(in.fragmentation, 0.0, 1.0, "--fragmentation"));
  RETURN_IF_ERROR(CheckFraction(in.unmovable_share, 0.0, 0.5, "--unmovable_share"));
  if (in.node_mem_bytes < (uint64_t{16} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fragment needs --node_mem of at least 16MiB (8 pageblocks), got ",
                     FormatByteSize(in.node_mem_bytes)));
  }
  if (in.footprint_bytes != 0) {
    return absl::InvalidArgumentError(
        "fragment does not take --footprint: its memory use is set by --fill and "
        "--fragmentation");
  }
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(in.nodes, in.node_mem_bytes, in.cpus));
  return std::unique_ptr<Workload>(new FragmentWorkload(in, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> FragmentWorkload::Attributes() const {
  return {{"fill", absl::StrCat(params_.fill)},
          {"fragmentation", absl::StrCat(params_.fragmentation)},
          {"unmovable_share", absl::StrCat(params_.unmovable_share)}};
}

absl::Status FragmentWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  Rng& rng = ctx.rng();
  PhysAllocator& alloc = ctx.allocator();
  const size_t num_nodes = machine_.nodes.size();
  std::vector<NodeState> nodes(num_nodes);

  // Before the trace: fill each node, then free a random share of the movable pages. This
  // state is the snapshot (a recording of a long-running machine starts fragmented).
  for (uint32_t n = 0; n < num_nodes; ++n) {
    NodeState& ns = nodes[n];
    ns.zone_start = machine_.nodes[n].start_pfn;
    ns.zone_end = machine_.nodes[n].end_pfn;
    ns.cached_migrate_pfn = ns.zone_start;
    ns.cached_free_pfn = ns.zone_end - kPageblockPages;
    const uint64_t target = static_cast<uint64_t>(params_.fill * alloc.node_pages(n));
    for (uint64_t i = 0; i < target; ++i) {
      if (rng.Bernoulli(params_.unmovable_share)) {
        alloc.Allocate(n, 0, PhysAllocator::Placement::kHighest, kKernelPage);
      } else {
        ns.movable.Add(alloc.Allocate(n, 0, PhysAllocator::Placement::kLowest, kFilePage));
      }
    }
    const uint64_t holes = static_cast<uint64_t>(params_.fragmentation * ns.movable.size());
    for (uint64_t i = 0; i < holes; ++i) {
      uint64_t pfn = ns.movable.Random(rng);
      ns.movable.Remove(pfn);
      alloc.Free(pfn, 0);
    }
    ns.thp_budget = std::max<uint64_t>(1, alloc.free_pages(n) / kPageblockPages / 2);
  }
  ctx.EmitSnapshot();

  std::vector<std::pair<uint64_t, uint32_t>> free_blocks;
  std::vector<Isolated> to_migrate;
  std::vector<Isolated> free_list;  // pages the free scanner isolated, not yet used
  std::vector<uint64_t> dsts;

  // The free scanner: isolates free pages from pageblocks below cc->free_pfn (moving down)
  // until `need` pages are held or it meets the migrate scanner. Returns pages held.
  // Where the free scanner stopped inside the pageblock at free_pfn (it resumes there, as
  // isolate_freepages() does with cc->free_pfn), kNoPfn at a pageblock boundary.
  uint64_t free_resume = kNoPfn;
  auto isolate_freepages = [&](uint32_t cpu, uint64_t& free_pfn, uint64_t migrate_pfn,
                               uint64_t need) {
    uint64_t held = 0;
    for (const Isolated& f : free_list) held += uint64_t{1} << f.order;
    while (held < need && free_pfn > migrate_pfn) {
      const uint64_t block = free_pfn;
      const uint64_t scan_from =
          (free_resume != kNoPfn && free_resume >= block && free_resume < block + kPageblockPages)
              ? free_resume
              : block;
      bool unmovable = false;
      alloc.ForEachLiveIn(block, block + kPageblockPages, [&](uint64_t, const LiveBlock& b) {
        if (b.info.migratetype != kMigrateMovable) unmovable = true;
      });
      alloc.FreeBlocksIn(scan_from, block + kPageblockPages, &free_blocks);
      uint64_t taken = 0;
      uint64_t scanned_to = block + kPageblockPages;
      bool block_done = true;
      // suitable_migration_target(): async compaction only takes pages from movable blocks.
      if (!unmovable) {
        for (size_t i = 0; i < free_blocks.size(); ++i) {
          if (held >= need) {
            scanned_to = free_blocks[i].first;
            block_done = false;
            break;
          }
          free_list.push_back({free_blocks[i].first, free_blocks[i].second});
          held += uint64_t{1} << free_blocks[i].second;
          taken += uint64_t{1} << free_blocks[i].second;
        }
        ctx.CompactionScan(cpu, trace::SCANNER_FREE, scan_from, scanned_to, scanned_to - scan_from,
                           taken);
      }
      if (block_done) {
        free_pfn = block - kPageblockPages;
        free_resume = kNoPfn;
      } else {
        free_resume = scanned_to;
      }
    }
    return held;
  };

  // Takes a free page of 2^order pages from the isolated list (splitting a larger one).
  auto take_free = [&](uint32_t order) -> uint64_t {
    for (size_t i = 0; i < free_list.size(); ++i) {
      if (free_list[i].order < order) continue;
      Isolated f = free_list[i];
      free_list.erase(free_list.begin() + static_cast<ptrdiff_t>(i));
      for (uint32_t k = f.order; k > order; --k) {
        free_list.push_back({f.pfn + (uint64_t{1} << (k - 1)), k - 1});
      }
      return f.pfn;
    }
    return kNoPfn;
  };

  // compact_zone() for an order-9 request on node n; returns the compact_result.
  auto compact = [&](uint32_t cpu, uint32_t n) -> int32_t {
    NodeState& ns = nodes[n];
    uint64_t migrate_pfn = ns.cached_migrate_pfn;
    uint64_t free_pfn = ns.cached_free_pfn;
    ctx.CompactionBegin(cpu, ns.zone_start, ns.zone_end, migrate_pfn, free_pfn, false);
    free_list.clear();
    free_resume = kNoPfn;
    int32_t status;
    for (;;) {
      if (alloc.HasFreeBlock(n, kPageblockOrder)) {
        status = kCompactSuccess;
        break;
      }
      if (migrate_pfn >= free_pfn) {
        status = kCompactComplete;
        break;
      }
      // isolate_migratepages(): one pageblock (or up to 32 pages of it) per pass.
      const uint64_t block_start = migrate_pfn & ~(kPageblockPages - 1);
      const uint64_t block_end = block_start + kPageblockPages;
      bool unmovable = false;
      alloc.ForEachLiveIn(block_start, block_end, [&](uint64_t, const LiveBlock& b) {
        if (b.info.migratetype != kMigrateMovable) unmovable = true;
      });
      if (unmovable) {  // suitable_migration_source(): async skips non-movable pageblocks
        migrate_pfn = block_end;
        continue;
      }
      to_migrate.clear();
      uint64_t taken = 0;
      uint64_t low_pfn = block_end;
      alloc.ForEachLiveIn(migrate_pfn, block_end, [&](uint64_t pfn, const LiveBlock& b) {
        if (low_pfn != block_end) return;
        if (b.order >= kPageblockOrder) return;  // a THP already fills its block
        to_migrate.push_back({pfn, b.order});
        taken += uint64_t{1} << b.order;
        if (taken >= kCompactClusterMax) low_pfn = pfn + (uint64_t{1} << b.order);
      });
      ctx.CompactionScan(cpu, trace::SCANNER_MIGRATE, migrate_pfn, low_pfn, low_pfn - migrate_pfn,
                         taken);
      migrate_pfn = low_pfn;
      if (to_migrate.empty()) continue;

      // migrate_pages(): a destination for each folio (compaction_alloc() runs the free
      // scanner when its list is empty), then each folio is moved and its source freed.
      isolate_freepages(cpu, free_pfn, migrate_pfn, taken);
      dsts.clear();
      uint64_t nr_failed = 0;
      for (const Isolated& m : to_migrate) {
        uint64_t dst = take_free(m.order);
        if (dst == kNoPfn) {
          ++nr_failed;
          dsts.push_back(kNoPfn);
          continue;
        }
        BlockInfo info = alloc.FindLive(m.pfn)->info;
        bool ok = ctx.AllocAt(cpu, dst, m.order, info);
        MEMSIM_CHECK(ok, "compaction: an isolated free page was not free");
        dsts.push_back(dst);
      }
      uint64_t nr_succeeded = 0;
      for (size_t i = 0; i < to_migrate.size(); ++i) {
        if (dsts[i] == kNoPfn) continue;
        ctx.Migrate(cpu, to_migrate[i].pfn, dsts[i], to_migrate[i].order, trace::MR_COMPACTION);
        ctx.Free(cpu, to_migrate[i].pfn, to_migrate[i].order);
        if (to_migrate[i].order == 0) ns.movable.Move(to_migrate[i].pfn, dsts[i]);
        nr_succeeded += uint64_t{1} << to_migrate[i].order;
      }
      ctx.MigrateBatch(cpu, nr_succeeded, nr_failed, 0, kMigrateAsync, trace::MR_COMPACTION);
    }
    ctx.CompactionEnd(cpu, ns.zone_start, ns.zone_end, migrate_pfn, free_pfn, false, status);
    if (status == kCompactComplete) {  // __reset_isolation_suitable(): start over next time
      ns.cached_migrate_pfn = ns.zone_start;
      ns.cached_free_pfn = ns.zone_end - kPageblockPages;
    } else {
      ns.cached_migrate_pfn = migrate_pfn;
      ns.cached_free_pfn = free_pfn;
    }
    return status;
  };

  while (!ctx.done()) {
    const uint32_t cpu = ctx.RandomCpu();
    const uint32_t n = ctx.NodeOfCpu(cpu);
    NodeState& ns = nodes[n];
    if (!rng.Bernoulli(kThpFaultShare) && ns.movable.size() > 0) {
      // Page-cache churn: reclaim one page, read another in.
      uint64_t victim = ns.movable.Random(rng);
      ns.movable.Remove(victim);
      ctx.Free(cpu, victim, 0, /*batched=*/true);
      uint64_t pfn = ctx.Alloc(cpu, n, 0, PhysAllocator::Placement::kLowest, kFilePage,
                               /*fallback=*/false);
      if (pfn != kNoPfn) ns.movable.Add(pfn);
      continue;
    }
    // A THP fault. Keep the node's THP count bounded by unmapping the oldest first.
    if (ns.thps.size() >= ns.thp_budget) {
      ctx.Free(cpu, ns.thps.front(), kPageblockOrder);
      ns.thps.pop_front();
    }
    ns.next_address -= kPageblockPages * kPageSizeBytes;
    const uint64_t address = ns.next_address + (rng.Uniform(512) << 3);
    const uint64_t ip = kTextBase + uint64_t{cpu} * 0x1000 + 0x3e0;
    if (!alloc.HasFreeBlock(n, kPageblockOrder)) compact(cpu, n);
    uint64_t pfn = ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, n, kPageblockOrder,
                                  PhysAllocator::Placement::kLowest, kAnonThp);
    if (pfn != kNoPfn) {
      ns.thps.push_back(pfn);
      continue;
    }
    // Compaction did not make a 2 MiB block: the fault falls back to a base page.
    pfn = ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, n, 0,
                         PhysAllocator::Placement::kLowest, kAnonPage);
    if (pfn != kNoPfn) ns.movable.Add(pfn);
  }
  return ctx.status();
}

}  // namespace memsim::workload
