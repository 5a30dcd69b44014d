#include "sim/mm/phys_mem.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim::mm {
namespace {

// Appends a piece, extending the last one when it continues it (a block larger than a
// window comes in one piece per window).
void AppendPiece(std::vector<Piece>& pieces, const Piece& p) {
  if (!pieces.empty()) {
    Piece& b = pieces.back();
    if (b.pfn + b.pages == p.pfn && b.state == p.state && b.order == p.order &&
        b.owner == p.owner && b.node == p.node) {
      b.pages += p.pages;
      return;
    }
  }
  pieces.push_back(p);
}

// A stored span as the operation that overwrote it reports it.
Piece AsPiece(const ExtentStore::Span& x) {
  const bool allocated = x.state == PageState::kAllocated;
  return {x.start_pfn,
          x.end_pfn - x.start_pfn,
          x.state,
          allocated ? x.order : 0,
          allocated ? x.owner : trace::OWNER_UNKNOWN,
          x.node};
}

}  // namespace

absl::StatusOr<PhysMem> PhysMem::Create(std::vector<NodeLayout> nodes, Options options) {
  if (options.max_order > kMaxSupportedBuddyOrder) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_order: must be <= ", kMaxSupportedBuddyOrder, ", got ", options.max_order));
  }
  ASSIGN_OR_RETURN(ExtentStore store, ExtentStore::Create(std::move(nodes), options.max_order));
  return PhysMem(options, std::move(store));
}

void PhysMem::Alloc(uint64_t pfn, uint32_t order, OwnerType owner, AllocResult* out) {
  out->Clear();
  ++stats_.alloc_ops;
  if (!BlockApplies(pfn, order, &out->anomalies)) return;
  const uint64_t end = pfn + (uint64_t{1} << order);
  store_.SplitStraddlingBlocks(pfn, end);
  Contradicted overwritten;  // allocated pages
  store_.ForEachSpan(pfn, end, [&](const ExtentStore::Span& x) {
    switch (x.state) {
      case PageState::kFree:
        for (uint64_t p = x.start_pfn; p < x.end_pfn;) {
          const BuddyBlock blk = store_.FreeBlockAt(x.record_start, x.record_end, p);
          out->removed_free.push_back(blk);
          // expand(): halve the block until it is the requested size, returning the half
          // that does not hold the allocation to the free lists at each step.
          for (int o = static_cast<int>(blk.order) - 1; o >= static_cast<int>(order); --o) {
            const uint64_t half = pfn & ~((uint64_t{1} << o) - 1);
            out->added_free.push_back({half ^ (uint64_t{1} << o), static_cast<uint32_t>(o)});
          }
          p = blk.pfn + (uint64_t{1} << blk.order);
        }
        break;
      case PageState::kAllocated:
        out->anomalies |= kAnomalyAllocOfAllocated;
        Note(x.start_pfn, x.end_pfn, &overwritten);
        AppendPiece(out->displaced, AsPiece(x));
        break;
      case PageState::kUnknown:
        out->anomalies |= kAnomalyAllocFromUnknown;
        AppendPiece(out->displaced, AsPiece(x));
        break;
      case PageState::kHole:
        break;
    }
  });
  if (out->anomalies & kAnomalyAllocOfAllocated) {
    Count(overwritten, stats_.alloc_of_allocated, stats_.alloc_of_allocated_by_cause);
  }
  if (out->anomalies & kAnomalyAllocFromUnknown) ++stats_.alloc_from_unknown;
  store_.Assign(pfn, end, PageState::kAllocated, order, owner);
  traced_.Mark(pfn, end);
  out->applied = true;
  out->block = store_.Lookup(pfn);
}

void PhysMem::Free(uint64_t pfn, uint32_t order, FreeResult* out) {
  FreeImpl(pfn, order, /*to_pcp=*/false, out);
}

void PhysMem::FreeToPcp(uint64_t pfn, uint32_t order, FreeResult* out) {
  FreeImpl(pfn, order, /*to_pcp=*/true, out);
}

void PhysMem::DrainPcpBlock(uint64_t pfn, uint32_t order, FreeResult* out) {
  const uint64_t saved = stats_.free_ops;
  FreeImpl(pfn, order, /*to_pcp=*/false, out);
  stats_.free_ops = saved;  // the traced free was counted when the block went on the list
}

void PhysMem::TakeFromPcp(uint64_t pfn, uint32_t order, OwnerType owner, AllocResult* out) {
  out->Clear();
  ++stats_.alloc_ops;
  const uint64_t end = pfn + (uint64_t{1} << order);
  store_.Assign(pfn, end, PageState::kAllocated, order, owner);
  traced_.Mark(pfn, end);
  out->applied = true;
  out->block = store_.Lookup(pfn);
}

void PhysMem::FreeImpl(uint64_t pfn, uint32_t order, bool to_pcp, FreeResult* out) {
  out->Clear();
  ++stats_.free_ops;
  out->pfn = pfn;
  out->order = order;
  if (!BlockApplies(pfn, order, &out->anomalies)) return;
  const uint64_t end = pfn + (uint64_t{1} << order);
  const BlockInfo head = store_.Lookup(pfn);
  const BlockInfo tail = store_.Lookup(end - 1);
  out->node = head.node;
  const bool head_straddles = head.state == PageState::kAllocated && head.head_pfn < pfn;
  const bool tail_straddles =
      tail.state == PageState::kAllocated && tail.head_pfn + tail.pages() > end;
  if (head_straddles || tail_straddles) {
    out->anomalies |= kAnomalyPartialFree;
    ++stats_.partial_free;
    // The contradicted state: the allocated block(s) the free cuts through.
    Contradicted cut;
    if (head_straddles) Note(head.head_pfn, head.head_pfn + head.pages(), &cut);
    if (tail_straddles && !(head_straddles && tail.head_pfn == head.head_pfn)) {
      Note(tail.head_pfn, tail.head_pfn + tail.pages(), &cut);
    }
    stats_.partial_free_by_cause.Add(Classify(cut.pages, cut.traced));
  }
  store_.SplitStraddlingBlocks(pfn, end);
  Contradicted already_free;
  store_.ForEachSpan(pfn, end, [&](const ExtentStore::Span& x) {
    switch (x.state) {
      case PageState::kAllocated:
        AppendPiece(out->freed, AsPiece(x));
        break;
      case PageState::kFree:
        out->anomalies |= kAnomalyDoubleFree;
        Note(x.start_pfn, x.end_pfn, &already_free);
        break;
      case PageState::kUnknown:
        out->anomalies |= kAnomalyFreeOfPretrace;
        AppendPiece(out->freed, AsPiece(x));
        break;
      case PageState::kHole:
        break;
    }
  });
  if (out->anomalies & kAnomalyDoubleFree) {
    Count(already_free, stats_.double_free, stats_.double_free_by_cause);
  }
  if (out->anomalies & kAnomalyFreeOfPretrace) ++stats_.free_of_pretrace;
  traced_.Mark(pfn, end);
  out->applied = true;
  if (to_pcp) {
    store_.Assign(pfn, end, PageState::kAllocated, order, trace::OWNER_FREE);
    return;
  }
  store_.Assign(pfn, end, PageState::kFree, 0, trace::OWNER_FREE);
  if (order <= options_.max_order) {
    // __free_one_page: while the buddy at this order is a free block in the same zone,
    // take it off its list and merge.
    // The free run now holding pfn: one record (a buddy block never crosses a window, and
    // free records of one zone in one window always merge), so a buddy is free in the same
    // zone iff it lies inside the run.
    const auto [run_start, run_end] = store_.FreeRunAt(pfn);
    uint64_t p = pfn;
    uint32_t o = order;
    while (o < options_.max_order) {
      const uint64_t buddy = p ^ (uint64_t{1} << o);
      const bool merged = buddy >= run_start && buddy + (uint64_t{1} << o) <= run_end;
      out->checks.push_back({buddy, o, merged});
      if (!merged) break;
      p = std::min(p, buddy);
      ++o;
    }
    out->final_blocks.push_back({p, o});
  } else {
    for (uint64_t p = pfn; p < end;) {
      const BlockInfo b = store_.Lookup(p);
      out->final_blocks.push_back({b.head_pfn, b.order});
      p = b.head_pfn + b.pages();
    }
  }
}

void PhysMem::Migrate(uint64_t src_pfn, uint64_t dst_pfn, uint32_t order, bool free_source,
                      MigrateResult* out) {
  out->Clear();
  ++stats_.migrate_ops;
  const uint64_t n = uint64_t{1} << order;
  if (order > kMaxBlockOrder || (src_pfn & (n - 1)) != 0 || (dst_pfn & (n - 1)) != 0) {
    out->anomalies |= kAnomalyMisaligned;
    ++stats_.misaligned;
    return;
  }
  if (!store_.RangeInZones(src_pfn, src_pfn + n) || !store_.RangeInZones(dst_pfn, dst_pfn + n)) {
    out->anomalies |= kAnomalyOutOfRange;
    ++stats_.out_of_range;
    return;
  }
  out->src = store_.Lookup(src_pfn);
  OwnerType owner = out->src.owner;
  if (out->src.state != PageState::kAllocated) {
    out->anomalies |= kAnomalyMigrateSrcNotAllocated;
    ++stats_.migrate_src_not_allocated;
    // An unknown source was never touched by a traced event (events leave pages free or
    // allocated): it is memory allocated before the trace that no snapshot described.
    stats_.migrate_src_not_allocated_by_cause.Add(
        out->src.state == PageState::kUnknown
            ? Cause::kNoInitialState
            : Classify(n, traced_.CountMarked(src_pfn, src_pfn + n)));
    owner = trace::OWNER_UNKNOWN;
  }
  const BlockInfo dst = store_.Lookup(dst_pfn);
  if (dst.state == PageState::kAllocated && dst.head_pfn == dst_pfn && dst.order == order) {
    if (dst.owner != owner)
      store_.Assign(dst_pfn, dst_pfn + n, PageState::kAllocated, order, owner);
  } else {
    Contradicted conflicting;  // allocated destination pages
    store_.ForEachSpan(dst_pfn, dst_pfn + n, [&](const ExtentStore::Span& x) {
      if (x.state == PageState::kAllocated) Note(x.start_pfn, x.end_pfn, &conflicting);
    });
    if (conflicting.pages > 0) {
      out->anomalies |= kAnomalyMigrateDstConflict;
      Count(conflicting, stats_.migrate_dst_conflict, stats_.migrate_dst_conflict_by_cause);
    }
    const uint64_t saved_allocs = stats_.alloc_ops;
    Alloc(dst_pfn, order, owner, &out->dst_alloc);
    stats_.alloc_ops = saved_allocs;  // part of the migration, not an ALLOC event
    out->dst_allocated_here = true;
  }
  out->dst = store_.Lookup(dst_pfn);
  traced_.Mark(dst_pfn, dst_pfn + n);
  // A source found allocated is confirmed by the trace; one that was not keeps its state
  // (not repaired), so it keeps the origin of that state too.
  if (out->src.state == PageState::kAllocated) traced_.Mark(src_pfn, src_pfn + n);
  if (free_source && out->src.state == PageState::kAllocated) {
    const uint64_t saved_frees = stats_.free_ops;
    Free(src_pfn, order, &out->src_free);
    stats_.free_ops = saved_frees;
    out->src_freed = true;
  }
  out->applied = true;
}

void PhysMem::MarkUnknownFree(uint64_t start_pfn, uint64_t end_pfn) {
  std::vector<std::pair<uint64_t, uint64_t>> unknown;
  store_.ForEachSpan(start_pfn, end_pfn, [&](const ExtentStore::Span& x) {
    if (x.state != PageState::kUnknown) return;
    if (!unknown.empty() && unknown.back().second == x.start_pfn) {
      unknown.back().second = x.end_pfn;
    } else {
      unknown.emplace_back(x.start_pfn, x.end_pfn);
    }
  });
  for (const auto& [s, t] : unknown) store_.Assign(s, t, PageState::kFree, 0, trace::OWNER_FREE);
}

void PhysMem::ApplySnapshot(const std::vector<SnapshotRun>& runs) {
  uint64_t last_end = 0;
  for (const SnapshotRun& run : runs) {
    ++stats_.snapshot_runs;
    if (run.count == 0) continue;
    const uint64_t start = run.start_pfn;
    const uint64_t end = start + run.count;
    if (end < start) {
      ++stats_.snapshot_runs_rejected;
      continue;
    }
    if (start < last_end) ++stats_.snapshot_runs_overlapping;
    last_end = std::max(last_end, end);
    bool any_zone_page = false;
    store_.ForEachSpan(start, end, [&](const ExtentStore::Span& x) {
      if (x.state != PageState::kHole) any_zone_page = true;
    });
    if (!any_zone_page) {
      ++stats_.snapshot_runs_rejected;
      continue;
    }
    store_.SplitStraddlingBlocks(start, end);
    if (run.owner == trace::OWNER_FREE) {
      store_.Assign(start, end, PageState::kFree, 0, trace::OWNER_FREE);
      continue;
    }
    uint32_t order = run.order;
    const uint64_t m = order <= kMaxBlockOrder ? uint64_t{1} << order : 0;
    if (m == 0 || (start & (m - 1)) != 0 || (run.count & (m - 1)) != 0) {
      ++stats_.snapshot_runs_misaligned;
      order = 0;
    }
    store_.Assign(start, end, PageState::kAllocated, order, run.owner);
  }
}

bool PhysMem::BlockApplies(uint64_t pfn, uint32_t order, uint32_t* anomalies) {
  if (order > kMaxBlockOrder || (pfn & ((uint64_t{1} << order) - 1)) != 0) {
    *anomalies |= kAnomalyMisaligned;
    ++stats_.misaligned;
    return false;
  }
  if (!store_.RangeInZones(pfn, pfn + (uint64_t{1} << order))) {
    *anomalies |= kAnomalyOutOfRange;
    ++stats_.out_of_range;
    return false;
  }
  return true;
}

void PhysMem::Note(uint64_t start, uint64_t end, Contradicted* c) const {
  c->pages += end - start;
  c->traced += traced_.CountMarked(start, end);
}

void PhysMem::Count(const Contradicted& c, uint64_t& counter, CauseCounts& by_cause) {
  ++counter;
  by_cause.Add(Classify(c.pages, c.traced));
}

Cause PhysMem::Classify(uint64_t pages, uint64_t traced) {
  if (pages > 0 && traced == 0) return Cause::kStaleSnapshot;
  if (pages > 0 && traced == pages) return Cause::kMissingEvents;
  return Cause::kUnexplained;
}

std::vector<std::pair<std::string, CauseCounts>> PhysMem::CauseList() const {
  const MmStats& s = stats_;
  return {{"alloc_of_allocated", s.alloc_of_allocated_by_cause},
          {"double_free", s.double_free_by_cause},
          {"partial_free", s.partial_free_by_cause},
          {"migrate_src_not_allocated", s.migrate_src_not_allocated_by_cause},
          {"migrate_dst_conflict", s.migrate_dst_conflict_by_cause}};
}

std::vector<std::pair<std::string, uint64_t>> PhysMem::CounterList() const {
  const MmStats& s = stats_;
  return {{"alloc_ops", s.alloc_ops},
          {"free_ops", s.free_ops},
          {"migrate_ops", s.migrate_ops},
          {"lookups", s.lookups},
          {"misaligned", s.misaligned},
          {"out_of_range", s.out_of_range},
          {"alloc_of_allocated", s.alloc_of_allocated},
          {"alloc_from_unknown", s.alloc_from_unknown},
          {"double_free", s.double_free},
          {"free_of_pretrace", s.free_of_pretrace},
          {"partial_free", s.partial_free},
          {"migrate_src_not_allocated", s.migrate_src_not_allocated},
          {"migrate_dst_conflict", s.migrate_dst_conflict},
          {"snapshot_runs", s.snapshot_runs},
          {"snapshot_runs_rejected", s.snapshot_runs_rejected},
          {"snapshot_runs_misaligned", s.snapshot_runs_misaligned},
          {"snapshot_runs_overlapping", s.snapshot_runs_overlapping}};
}

}  // namespace memsim::mm
