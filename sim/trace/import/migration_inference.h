// Infers per-page migrations of compaction runs from their counts and ranges, for captures
// (or the parts of a capture) without the set/remove_migration_pte trail. Also keeps the
// coverage figures: pages the kernel reported migrated (mm_migrate_pages nr_succeeded) vs
// pages the imported EVENT_MIGRATEs move. The rules, with the kernel code they follow
// (mm/compaction.c, mm/migrate.c, Linux 6.18), are in docs/trace-import.md, "Migrations
// inferred from compaction runs". In short, per task between mm_compaction_begin and _end:
//  - sources: pages of the migrate scanner's isolated ranges (nr_taken > 0) of the current
//    batch that the task frees before the batch's mm_migrate_pages (migrate_folio_done()
//    frees the source right after moving it), at most nr_taken pages per batch;
//  - destinations: the free scanner's isolated pages (the top nr_taken pages of its range
//    that no traced allocation holds) kept as compaction_alloc() keeps them: one list per order,
//    blocks appended in scan order, each request served from the first list of order >= the
//    source's, the block split with the upper halves pushed to the front of the lower lists; a
//    later isolation is used once the earlier pages are gone (compaction_alloc() isolates only when
//    every list is empty).
// Sources with a pte trail stay exact: their destination is taken out of the lists, and
// their free infers nothing.
//
// Batches outside a compaction run (NUMA balancing, demotion, syscalls, ...: every reason
// but compaction) allocate their destinations through the page allocator, so the trace
// shows them: between the task's mm_migrate_pages_start and mm_migrate_pages,
//  - destinations: the task's movable allocations (alloc_migration_target(),
//    alloc_misplaced_dst_folio(), alloc_demote_folio() -> __folio_alloc), per order, oldest
//    first; one freed again within the batch is a destination undone after a failure
//    (migrate_folio_undo_dst()) and leaves the queue;
//  - sources: the task's other frees in the batch (migrate_folio_done() puts the source
//    right after moving it); each takes the oldest queued destination of its order, since
//    migrate_pages_batch() allocates in list order in its unmap pass and moves in the same
//    order (docs/replay.md, "Migrations paired in NUMA-balancing and demotion
//    batches"). Both pfns are traced; only the pairing is inferred.
#ifndef MEMSIM_SIM_TRACE_IMPORT_MIGRATION_INFERENCE_H_
#define MEMSIM_SIM_TRACE_IMPORT_MIGRATION_INFERENCE_H_

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "proto/trace.pb.h"
#include "sim/trace/event.h"
#include "sim/trace/import/held_blocks.h"
#include "sim/trace/import/trace_record.h"

namespace memsim {

class MigrationInference {
 public:
  // x86-64 pageblock_order with THP (HPAGE_PMD_ORDER): a free-scanner call goes on to the
  // next pageblock only after scanning one to its end.
  static constexpr uint64_t kPageblockPages = 512;
  // MAX_PAGE_ORDER of x86-64 (NR_PAGE_ORDERS - 1).
  static constexpr uint32_t kMaxOrder = 10;

  // Start loading what OnAlloc or OnFree of `pfn` will read first (a hint to the cache).
  void Prefetch(uint64_t pfn) const { allocated_.Prefetch(pfn); }
  // Sees every record before the assembler converts it (compaction begin/end, scanner
  // ranges, migrate_pages batches; other records only close a free-scanner call).
  void Observe(const TraceRecord& r);
  // Every free record; `shown_free`: the trace already shows [pfn, pfn + 2^order) free (the
  // assembler drops it). If it is the free of an isolated source of the task's current
  // compaction batch, fills *migrate with the inferred EVENT_MIGRATE to write just before
  // the free and returns true.
  bool OnFree(const TraceRecord& r, uint64_t pfn, uint32_t order, bool shown_free, Event* migrate);
  // Every successful allocation: in a batch outside a compaction run, a `movable` block is a
  // migration destination candidate.
  void OnAlloc(const TraceRecord& r, uint64_t pfn, uint32_t order, bool movable);
  // An EVENT_MIGRATE paired from the pte trail by task `pid` on `cpu`.
  void OnExactMigrate(int32_t pid, uint32_t cpu, uint64_t src_head, uint64_t dst_head,
                      uint32_t order);

  // True while the task (or CPU) is in a compaction run or a migrate_pages() batch.
  bool InMigration(int32_t pid, uint32_t cpu) const {
    const int64_t key = Key(pid, cpu);
    return runs_.contains(key) || batches_.contains(key);
  }

  trace::MigrationCoverage Coverage() const;
  // Counters for the footer's import_stats (docs/trace-import.md), zeros included.
  void AddCounters(std::map<std::string, uint64_t>* out) const;

 private:
  // The isolated free pages of one free-scanner call (isolate_freepages()): head pfns per
  // order, in list order.
  using FreeLists = std::array<std::deque<uint64_t>, kMaxOrder + 1>;
  struct Run {
    // Isolated migrate-scanner ranges [start, end) of the current batch.
    std::vector<std::pair<uint64_t, uint64_t>> sources;
    uint64_t isolated_pages = 0;  // nr_taken of those ranges
    uint64_t modelled_pages = 0;  // exact + inferred in this batch
    absl::flat_hash_set<uint64_t> exact_heads;
    std::deque<FreeLists> free;  // oldest call first
    // The free scanner's isolated ranges [first, end) of the run, as start -> end, minus those
    // inside another (they answer no containment query the other does not): sorted by start
    // they are sorted by end too, so the last range starting at or below a block is the only
    // one that can hold it (InFreeRange).
    absl::btree_map<uint64_t, uint64_t> free_ranges;
    // Once a batch returns a destination (compaction_free()), the destinations the kernel
    // had taken for the whole batch in its unmap pass, in order; sources use them first.
    bool returned_in_batch = false;
    std::deque<uint64_t> taken;
    bool free_call_open = false;  // the last record was a free-scanner event mid-call
  };

  // A migrate_pages() call outside a compaction run.
  struct Batch {
    MigrateReason reason = trace::MR_UNKNOWN;
    // Destinations allocated in the batch and not yet used, per order, oldest first.
    std::array<std::deque<uint64_t>, kMaxOrder + 1> targets;
    absl::flat_hash_set<uint64_t> exact_heads;  // sources with a pte trail
    uint64_t modelled_pages = 0;
  };

  static int64_t Key(int32_t pid, uint32_t cpu) { return pid >= 0 ? pid : -1 - int64_t{cpu}; }
  void AddFreeRange(Run& run, uint64_t start, uint64_t end, uint64_t taken);
  // Whether one of the run's isolated free ranges holds [pfn, end).
  static bool InFreeRange(const Run& run, uint64_t pfn, uint64_t end);
  static void AddIsolatedRange(Run& run, uint64_t start, uint64_t end);
  // compaction_alloc(): the head of a 2^order block taken from the lists, or kNoPfn.
  uint64_t Alloc(Run& run, uint32_t order);
  // The block Alloc(order) would return, without taking it.
  uint64_t Peek(const Run& run, uint32_t order) const;
  // Takes [dst, dst + 2^order) out of whichever listed block holds it; false if none does.
  bool Take(Run& run, uint64_t dst, uint32_t order);
  // A free of an isolated free page during a batch: a destination handed back by
  // compaction_free() (list_add() to the front of its list).
  void Return(Run& run, uint64_t pfn, uint32_t order);

  bool OnBatchFree(Batch& batch, const TraceRecord& r, uint64_t pfn, uint32_t order,
                   bool shown_free, Event* migrate);

  // Blocks a traced allocation or a migration (exact or inferred) holds and no traced free
  // has released since: head pfn -> order. A free-scanner range never takes them.
  HeldBlocks allocated_;
  absl::flat_hash_map<int64_t, Run> runs_;
  absl::flat_hash_map<int64_t, Batch> batches_;
  uint64_t reported_pages_ = 0;
  uint64_t reported_outside_compaction_pages_ = 0;
  uint64_t exact_pages_ = 0;
  uint64_t inferred_pages_ = 0;
  uint64_t inferred_events_ = 0;
  uint64_t inferred_over_reported_ = 0;        // batches where modelled > nr_succeeded: the excess
  uint64_t no_target_ = 0;                     // source frees with no isolated free page left
  uint64_t exact_as_predicted_ = 0;            // exact destinations the lists predicted
  uint64_t exact_not_isolated_ = 0;            // exact destinations in no isolated range
  uint64_t returned_ = 0;                      // destinations returned by failed migrations
  uint64_t free_ranges_around_allocated_ = 0;  // free ranges that passed over held pages
  uint64_t batch_pages_ = 0;                   // of inferred_pages_: paired in batches
  uint64_t batch_events_ = 0;
  uint64_t batch_dst_undone_ = 0;      // batch destinations freed again in the batch
  uint64_t batch_no_target_ = 0;       // batch source frees with no destination queued
  uint64_t batch_unused_targets_ = 0;  // batch destinations never paired
  uint64_t batch_over_reported_ = 0;   // batch pages modelled beyond nr_succeeded
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_MIGRATION_INFERENCE_H_
