#include "sim/trace/import/migration_inference.h"

#include <algorithm>
#include <iterator>

#include "sim/trace/import/kernel_names.h"

namespace memsim {

namespace {

using F = TraceField;

uint64_t Pages(uint32_t order) { return uint64_t{1} << order; }

// The largest order whose naturally aligned block starts at `pfn` and ends by `end`.
uint32_t BlockOrder(uint64_t pfn, uint64_t end, uint32_t max_order) {
  uint32_t order = 0;
  while (order < max_order && (pfn & ((Pages(order + 1)) - 1)) == 0 &&
         pfn + Pages(order + 1) <= end) {
    ++order;
  }
  return order;
}

}  // namespace

void MigrationInference::Observe(const TraceRecord& r) {
  const int64_t key = Key(r.pid, r.cpu);
  switch (r.tracepoint) {
    case Tracepoint::kMmCompactionBegin:
      runs_[key] = Run();  // compact_zone() starts with empty lists (cc->freepages[])
      return;
    case Tracepoint::kMmCompactionEnd:
      // release_free_list() has returned the unused isolated pages (their frees precede
      // this record).
      runs_.erase(key);
      return;
    case Tracepoint::kMmMigratePagesStart: {
      // Inside a compaction run the batch is the run's (its destinations come from the free
      // scanner, untraced); elsewhere its destinations are traced allocations.
      if (runs_.contains(key) || !r.Has(F::kReason)) break;
      const auto reason = MigrateReasonFromName(r.symbol(F::kReason));
      if (reason == trace::MR_COMPACTION) break;
      Batch& batch = batches_[key];
      batch = Batch();
      batch.reason = reason.value_or(trace::MR_UNKNOWN);
      return;
    }
    case Tracepoint::kMmMigratePages: {
      const uint64_t succeeded = r.Has(F::kSucceeded) ? r.value(F::kSucceeded) : 0;
      reported_pages_ += succeeded;
      if (auto b = batches_.find(key); b != batches_.end()) {
        const Batch& batch = b->second;
        if (batch.modelled_pages > succeeded) {
          batch_over_reported_ += batch.modelled_pages - succeeded;
        }
        for (const auto& q : batch.targets) batch_unused_targets_ += q.size();
        batches_.erase(b);
      }
      auto it = runs_.find(key);
      if (it == runs_.end()) {
        reported_outside_compaction_pages_ += succeeded;
        return;
      }
      Run& run = it->second;
      if (run.modelled_pages > succeeded) inferred_over_reported_ += run.modelled_pages - succeeded;
      // migrate_pages() has put back what failed: the next batch isolates anew.
      run.sources.clear();
      run.isolated_pages = 0;
      run.modelled_pages = 0;
      run.exact_heads.clear();
      run.free_call_open = false;
      run.returned_in_batch = false;
      run.taken.clear();
      return;
    }
    default:
      break;
  }
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  Run& run = it->second;
  if (r.tracepoint == Tracepoint::kIsolateFreepages && r.Has(F::kStartPfn) && r.Has(F::kEndPfn) &&
      r.Has(F::kNrTaken)) {
    AddFreeRange(run, r.value(F::kStartPfn), r.value(F::kEndPfn), r.value(F::kNrTaken));
    return;
  }
  run.free_call_open = false;
  if (r.tracepoint == Tracepoint::kIsolateMigratepages && r.Has(F::kStartPfn) &&
      r.Has(F::kEndPfn) && r.Has(F::kNrTaken) && r.value(F::kNrTaken) > 0) {
    run.sources.emplace_back(r.value(F::kStartPfn), r.value(F::kEndPfn));
    run.isolated_pages += r.value(F::kNrTaken);
  }
}

void MigrationInference::AddFreeRange(Run& run, uint64_t start, uint64_t end, uint64_t taken) {
  // isolate_freepages() scans pageblock after pageblock, one trace record each, while too
  // few pages are isolated; it goes on past a record only if that pageblock was scanned to
  // its end. So a record starts a new call unless the previous one ended on a pageblock
  // boundary with nothing of the run in between.
  if (!run.free_call_open || run.free.empty()) run.free.emplace_back();
  run.free_call_open = end % kPageblockPages == 0;
  if (taken == 0 || end <= start) return;
  // Which pages of the range were free is not traced. isolate_freepages_block() stops right
  // after the block that made enough pages (blockpfn += isolated), so the range ends with
  // the last isolated page: take the top `taken` pages, passing over the pages a traced
  // allocation or migration holds (they were not free: taking them would contradict a
  // later traced free of them or the replayed state). Exact when taken == end - start.
  std::vector<std::pair<uint64_t, uint64_t>> pieces;  // from the top down
  uint64_t need = std::min(taken, end - start);
  for (uint64_t hi = end; need > 0 && hi > start;) {
    uint64_t lo = start;
    // The held block with the highest head at or below hi - 1. One starting more than
    // 2^kMaxOrder pages below `start` ends by `start`: as good as none.
    const auto held =
        allocated_.Last(hi - 1, start > Pages(kMaxOrder) ? start - Pages(kMaxOrder) : 0);
    if (held) {
      const uint64_t held_end = held->head + Pages(held->order);
      if (held_end >= hi) {  // hi - 1 is held
        hi = std::max(start, std::min(hi, held->head));
        continue;
      }
      lo = std::max(start, held_end);
    }
    const uint64_t n = std::min(need, hi - lo);
    pieces.emplace_back(hi - n, hi);
    need -= n;
    hi -= n;
  }
  if (pieces.size() != 1 || pieces[0].first != end - std::min(taken, end - start)) {
    ++free_ranges_around_allocated_;
  }
  FreeLists& lists = run.free.back();
  for (auto p = pieces.rbegin(); p != pieces.rend(); ++p) {
    AddIsolatedRange(run, p->first, p->second);
    for (uint64_t pfn = p->first; pfn < p->second;) {
      const uint32_t order = BlockOrder(pfn, p->second, kMaxOrder);
      lists[order].push_back(pfn);  // list_add_tail(&page->lru, &freelist[order])
      pfn += Pages(order);
    }
  }
}

void MigrationInference::AddIsolatedRange(Run& run, uint64_t start, uint64_t end) {
  auto& ranges = run.free_ranges;
  auto next = ranges.upper_bound(start);
  if (next != ranges.begin() && std::prev(next)->second >= end) return;  // inside that one
  // Drop the ranges inside the new one: they start at or after it and, ends rising with
  // starts, are the ones right after it that end by its end.
  auto it = ranges.lower_bound(start);
  while (it != ranges.end() && it->second <= end) it = ranges.erase(it);
  ranges[start] = end;
}

bool MigrationInference::InFreeRange(const Run& run, uint64_t pfn, uint64_t end) {
  auto it = run.free_ranges.upper_bound(pfn);
  if (it == run.free_ranges.begin()) return false;
  return end <= std::prev(it)->second;
}

uint64_t MigrationInference::Peek(const Run& run, uint32_t order) const {
  for (const FreeLists& lists : run.free) {
    for (uint32_t o = order; o <= kMaxOrder; ++o) {
      if (!lists[o].empty()) return lists[o].front();
    }
  }
  return kNoPfn;
}

uint64_t MigrationInference::Alloc(Run& run, uint32_t order) {
  if (order > kMaxOrder) return kNoPfn;
  // Calls whose pages are all gone are done with; a call whose remaining blocks are all
  // smaller than the request is passed over as compaction_alloc() would (it isolates more).
  while (!run.free.empty()) {
    bool any = false;
    for (const auto& list : run.free.front()) any = any || !list.empty();
    if (any) break;
    run.free.pop_front();
  }
  for (FreeLists& lists : run.free) {
    uint32_t o = order;
    while (o <= kMaxOrder && lists[o].empty()) ++o;
    if (o > kMaxOrder) continue;
    const uint64_t head = lists[o].front();  // list_first_entry()
    lists[o].pop_front();
    // Split: keep the lower half, list_add() the upper half to the next lower order.
    while (o > order) {
      --o;
      lists[o].push_front(head + Pages(o));
    }
    return head;
  }
  return kNoPfn;
}

bool MigrationInference::Take(Run& run, uint64_t dst, uint32_t order) {
  for (FreeLists& lists : run.free) {
    for (uint32_t o = order; o <= kMaxOrder; ++o) {
      auto& list = lists[o];
      auto it = std::find_if(list.begin(), list.end(), [&](uint64_t h) {
        return h <= dst && dst + Pages(order) <= h + Pages(o);
      });
      if (it == list.end()) continue;
      uint64_t head = *it;
      list.erase(it);
      // Split as compaction_alloc() would, down to the half that holds dst.
      while (o > order) {
        --o;
        const uint64_t upper = head + Pages(o);
        if (dst >= upper) {
          lists[o].push_front(head);
          head = upper;
        } else {
          lists[o].push_front(upper);
        }
      }
      return true;
    }
  }
  return false;
}

void MigrationInference::Return(Run& run, uint64_t pfn, uint32_t order) {
  ++returned_;
  if (!run.returned_in_batch) {
    // migrate_pages_batch() took a destination for every source in its unmap pass before
    // moving any: take them now, in that order (order-0 sources assumed).
    run.returned_in_batch = true;
    for (uint64_t n = run.isolated_pages - std::min(run.isolated_pages, run.modelled_pages); n > 0;
         --n) {
      const uint64_t d = Alloc(run, 0);
      if (d == kNoPfn) break;
      run.taken.push_back(d);
    }
  }
  auto it = order == 0 ? std::find(run.taken.begin(), run.taken.end(), pfn) : run.taken.end();
  if (it != run.taken.end()) {
    run.taken.erase(it);
  } else if (!Take(run, pfn, order)) {
    return;  // handed to an inferred source already: leave it there
  }
  if (run.free.empty()) run.free.emplace_back();
  run.free.front()[order].push_front(pfn);
}

void MigrationInference::OnAlloc(const TraceRecord& r, uint64_t pfn, uint32_t order, bool movable) {
  if (order <= kMaxOrder) allocated_.Set(pfn, order);
  if (!movable || order > kMaxOrder) return;
  auto b = batches_.find(Key(r.pid, r.cpu));
  if (b != batches_.end()) b->second.targets[order].push_back(pfn);
}

bool MigrationInference::OnBatchFree(Batch& batch, const TraceRecord& r, uint64_t pfn,
                                     uint32_t order, bool shown_free, Event* migrate) {
  if (order > kMaxOrder || shown_free) return false;
  std::deque<uint64_t>& queue = batch.targets[order];
  if (auto t = std::find(queue.begin(), queue.end(), pfn); t != queue.end()) {
    queue.erase(t);  // migrate_folio_undo_dst(): the destination of a failed migration
    ++batch_dst_undone_;
    return false;
  }
  if (batch.exact_heads.contains(pfn)) return false;
  if (queue.empty()) {
    ++batch_no_target_;
    return false;
  }
  const uint64_t dst = queue.front();
  queue.pop_front();
  batch.modelled_pages += Pages(order);
  inferred_pages_ += Pages(order);
  batch_pages_ += Pages(order);
  ++batch_events_;
  *migrate = Event();
  migrate->kind = trace::EVENT_MIGRATE;
  migrate->time_ns = r.time_ns;
  migrate->cpu = r.cpu;
  migrate->pfn = pfn;
  migrate->end_pfn = dst;
  migrate->order = order;
  migrate->reason = batch.reason;
  return true;
}

bool MigrationInference::OnFree(const TraceRecord& r, uint64_t pfn, uint32_t order, bool shown_free,
                                Event* migrate) {
  if (!shown_free) allocated_.Erase(pfn);
  if (auto b = batches_.find(Key(r.pid, r.cpu)); b != batches_.end()) {
    return OnBatchFree(b->second, r, pfn, order, shown_free, migrate);
  }
  auto it = runs_.find(Key(r.pid, r.cpu));
  if (it == runs_.end()) return false;
  Run& run = it->second;
  if (run.sources.empty() || order > kMaxOrder) return false;
  const uint64_t end = pfn + Pages(order);
  if (InFreeRange(run, pfn, end)) {
    Return(run, pfn, order);
    return false;
  }
  if (shown_free) return false;
  const bool in_range = std::any_of(run.sources.begin(), run.sources.end(), [&](const auto& s) {
    return s.first <= pfn && end <= s.second;
  });
  if (!in_range || run.exact_heads.contains(pfn)) return false;
  if (run.modelled_pages + Pages(order) > run.isolated_pages) return false;
  uint64_t dst = kNoPfn;
  if (order == 0 && !run.taken.empty()) {
    dst = run.taken.front();
    run.taken.pop_front();
  } else {
    dst = Alloc(run, order);
  }
  if (dst == kNoPfn) {
    ++no_target_;
    return false;
  }
  run.modelled_pages += Pages(order);
  inferred_pages_ += Pages(order);
  ++inferred_events_;
  allocated_.Set(dst, order);
  *migrate = Event();
  migrate->kind = trace::EVENT_MIGRATE;
  migrate->time_ns = r.time_ns;
  migrate->cpu = r.cpu;
  migrate->pfn = pfn;
  migrate->end_pfn = dst;
  migrate->order = order;
  migrate->reason = trace::MR_COMPACTION;
  return true;
}

void MigrationInference::OnExactMigrate(int32_t pid, uint32_t cpu, uint64_t src_head,
                                        uint64_t dst_head, uint32_t order) {
  exact_pages_ += Pages(order);
  if (order <= kMaxOrder) allocated_.Set(dst_head, order);
  if (auto b = batches_.find(Key(pid, cpu)); b != batches_.end()) {
    Batch& batch = b->second;
    batch.exact_heads.insert(src_head);
    batch.modelled_pages += Pages(order);
    if (order <= kMaxOrder) {
      std::deque<uint64_t>& queue = batch.targets[order];
      if (auto t = std::find(queue.begin(), queue.end(), dst_head); t != queue.end()) {
        queue.erase(t);
      }
    }
    return;
  }
  auto it = runs_.find(Key(pid, cpu));
  if (it == runs_.end()) return;
  Run& run = it->second;
  run.free_call_open = false;
  run.exact_heads.insert(src_head);
  run.modelled_pages += Pages(order);
  auto t = order == 0 ? std::find(run.taken.begin(), run.taken.end(), dst_head) : run.taken.end();
  if (t != run.taken.end()) {
    if (t == run.taken.begin()) ++exact_as_predicted_;
    run.taken.erase(t);
    return;
  }
  if (run.taken.empty() && Peek(run, order) == dst_head) ++exact_as_predicted_;
  if (order > kMaxOrder || !Take(run, dst_head, order)) ++exact_not_isolated_;
}

trace::MigrationCoverage MigrationInference::Coverage() const {
  trace::MigrationCoverage c;
  c.set_reported_pages(reported_pages_);
  c.set_modelled_pages(exact_pages_ + inferred_pages_);
  c.set_exact_pages(exact_pages_);
  c.set_inferred_pages(inferred_pages_);
  c.set_reported_outside_compaction_pages(reported_outside_compaction_pages_);
  c.set_inferred_batch_pages(batch_pages_);
  return c;
}

void MigrationInference::AddCounters(std::map<std::string, uint64_t>* out) const {
  (*out)["migrated_pages_reported"] = reported_pages_;
  (*out)["migrated_pages_reported_outside_compaction"] = reported_outside_compaction_pages_;
  (*out)["migrated_pages_modelled"] = exact_pages_ + inferred_pages_;
  (*out)["migrated_pages_exact"] = exact_pages_;
  (*out)["migrated_pages_inferred"] = inferred_pages_;
  (*out)["migration_inferred_events"] = inferred_events_;
  (*out)["migration_dst_returned"] = returned_;
  (*out)["migration_inferred_over_reported"] = inferred_over_reported_;
  (*out)["migration_inferred_no_target"] = no_target_;
  (*out)["migration_exact_dst_as_predicted"] = exact_as_predicted_;
  (*out)["migration_exact_dst_not_isolated"] = exact_not_isolated_;
  (*out)["migration_free_ranges_around_allocated"] = free_ranges_around_allocated_;
  (*out)["migrated_pages_inferred_batch"] = batch_pages_;
  (*out)["migration_batch_inferred_events"] = batch_events_;
  (*out)["migration_batch_dst_undone"] = batch_dst_undone_;
  (*out)["migration_batch_no_target"] = batch_no_target_;
  (*out)["migration_batch_unused_targets"] = batch_unused_targets_;
  (*out)["migration_batch_over_reported"] = batch_over_reported_;
}

}  // namespace memsim
