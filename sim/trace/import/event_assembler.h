// The semantic layer shared by the ftrace-text and trace-cmd importers: turns TraceRecords
// (one tracepoint hit each, in capture order) into memsim Events and writes them.
//
// What it does beyond a field-by-field copy (each rule is documented, with the kernel code
// it rests on, in docs/trace-import.md):
//  - drops frees the trace already showed: on Linux >= 4.15 (free_unref_page_list, later
//    free_unref_folios) a pcp-batched free reports the page twice, mm_page_free from
//    free_pages_prepare() and then mm_page_free_batched; more generally a free of a block
//    the imported trace shows free (freed, not reallocated since) is dropped and counted;
//  - infers the OwnerType of every allocation (owner_inference.h);
//  - pairs set_migration_pte / remove_migration_pte into one EVENT_MIGRATE per folio,
//    decoding the x86-64 migration entry and pte (x86_pte.h), with the reason of the
//    enclosing mm_migrate_pages_start of the same task;
//  - gives user faults a pfn: page_fault_user fires before the fault is handled, so a
//    task's fault is held back until the same task, on the same CPU and within
//    kFaultPairWindowNs, allocates a user page (anon or file: do_anonymous_page,
//    do_cow_fault, filemap_fault allocate the faulting folio inside the handler); the fault
//    is then written right after that allocation, with its pfn (the subpage of the folio
//    that holds the faulting address). The task's next fault, the window running out, or
//    the end of the input writes it with the pfn this task's fault at the same page got
//    before, if that page was not freed or reallocated since (a repeat fault reaching the
//    folio it mapped then; FaultPfnMemory), else without a pfn (a minor fault on a page
//    the trace never showed: mapped already or in the page cache);
//  - infers the EVENT_MIGRATEs of compaction runs whose sources have no pte trail, and
//    counts migrated pages modelled vs reported (migration_inference.h);
//  - counts what it consumed without an event, dropped or could not pair.
#ifndef MEMSIM_SIM_TRACE_IMPORT_EVENT_ASSEMBLER_H_
#define MEMSIM_SIM_TRACE_IMPORT_EVENT_ASSEMBLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "sim/trace/event.h"
#include "sim/trace/import/fault_pfn_memory.h"
#include "sim/trace/import/free_range_set.h"
#include "sim/trace/import/migration_inference.h"
#include "sim/trace/import/trace_record.h"
#include "sim/trace/import/x86_pte.h"
#include "sim/trace/trace_writer.h"

namespace memsim {

struct AssemblerOptions {
  // MAX_PHYSMEM_BITS of the recorded machine: decides where the pfn ends in a migration
  // entry (x86_pte.h). 46 for 4-level paging, 52 with LA57.
  int max_physmem_bits = kDefaultMaxPhysmemBits;
  // Infer compaction migrations without a pte trail (migration_inference.h); the coverage
  // counts are kept either way.
  bool infer_migrations = true;
};

class EventAssembler {
 public:
  // Counters kept while assembling; names (CounterName) are the footer's import_stats keys.
  enum Counter {
    kFailedAlloc = 0,             // mm_page_alloc of a failed allocation (no page)
    kDuplicateFreeBatched,        // free dropped: the same free reported by free + batched
    kFreeOfFree,                  // free dropped: block already free in the trace
    kFreeOverlappingFree,         // free kept although part of the block was free
    kMigratePagesStart,           // mm_migrate_pages_start: consumed as pairing context
    kCompactionMigratepages,      // mm_compaction_migratepages: consumed, no memsim event
    kMigrationPteSet,             // set_migration_pte consumed by pairing
    kMigrationPteUnpairedSet,     // set_migration_pte never followed by its remove
    kMigrationPteUnpairedRemove,  // remove_migration_pte without a set (trace began mid-way)
    kMigrationPteRestored,        // remove naming the source pfn again: migration failed
    kMigrationPteSameFolio,       // further ptes of a folio already migrated (subpages, rmap)
    kMigrationPteUndecodable,     // pte that is not a migration entry / present pte
    kUnknownGfpNames,             // gfp flag names we do not know (no memsim bit)
    kUnknownSymbols,              // reason/mode/status names we do not know
    kFaultPfnFromAlloc,           // fault given the pfn of its task's next user-page alloc
    kFaultPfnUnknown,             // fault written without a pfn (minor fault, no pid, ...)
    kFaultPfnRepeat,              // fault given the pfn its task's fault at that page got
    kNumCounters,
  };
  static const char* CounterName(Counter c);

  // `writer` must outlive the assembler.
  EventAssembler(TraceWriter* writer, const AssemblerOptions& options);

  // Converts one record (writing zero or one event). A record lacking a field its
  // tracepoint requires is an InvalidArgumentError naming the field; the caller adds the
  // file and line. REQUIRES: record.tracepoint != kUnknown.
  absl::Status Add(const TraceRecord& record);
  // Starts loading what Add(record) will read from the assembler's tables (hash slots and
  // bitmap words that are mostly cache misses in a large trace), so that an importer that
  // has the next record at hand can overlap those loads with the current record's work. A
  // hint: no effect on what Add does.
  void Prefetch(const TraceRecord& record) const;
  // Call once after the last record: writes faults still held back and settles pending
  // migration ptes into counters.
  absl::Status Finish();

  // How long a fault waits for its task's allocation (the handler allocates within
  // microseconds; direct reclaim can take longer).
  static constexpr uint64_t kFaultPairWindowNs = 1'000'000;

  uint64_t counter(Counter c) const { return counters_[c]; }
  // All counters, by name, including zeros.
  std::map<std::string, uint64_t> Counters() const;
  // Highest CPU id seen, -1 if none.
  int64_t max_cpu() const { return max_cpu_; }
  uint64_t events_written() const { return events_written_; }
  // Events written, by EventKindKey().
  std::map<std::string, uint64_t> EventsByKind() const;
  // Migrated pages reported by the kernel vs modelled by the events written.
  trace::MigrationCoverage migration_coverage() const { return inference_.Coverage(); }
  // For a header with two or more nodes, fills cpu_node and cpu_node_agreement from where
  // each CPU's order-0 allocations outside migrations landed: the node holding most of them
  // (ties: the lower node index); a CPU with none stays -1. Leaves the header as it is
  // otherwise, or if it already has a map (docs/replay.md, "CPUs of a multi-node recording").
  void InferCpuNodes(trace::TraceHeader* header) const;

 private:
  struct PendingPte {
    uint64_t src_pfn;
    uint32_t order;
  };
  // Per task: the migrate_pages() call in progress and its unmapped ptes.
  struct TaskState {
    bool migrating = false;
    MigrateReason reason = trace::MR_UNKNOWN;
    // Virtual address -> source pfns unmapped at that address, FIFO: two mms may map
    // different folios at the same address, and rmap walks visit mappings in the same
    // order when unmapping and remapping.
    absl::flat_hash_map<uint64_t, absl::InlinedVector<PendingPte, 1>> pending;
    size_t num_pending = 0;
    // Source folio heads already turned into an EVENT_MIGRATE in this call.
    absl::flat_hash_set<uint64_t> migrated_heads;
    uint64_t last_batched_free_pfn = kNoPfn;
    // A user fault not yet written (see the class comment).
    bool has_pending_fault = false;
    Event pending_fault;
    // The pfn this task's earlier fault at that page got (FaultPfnMemory), or kNoPfn.
    uint64_t pending_repeat_pfn = kNoPfn;
  };

  absl::Status Write(const Event& e);
  // Writes the task's held-back fault without a pfn, if any.
  absl::Status FlushFault(TaskState& task);
  // `task`: the record's task state if it has one (Add looked it up), else nullptr.
  absl::Status AddAlloc(const TraceRecord& r, Event& e, TaskState* task);
  uint64_t GfpBits(std::string_view names);
  absl::Status AddFree(const TraceRecord& r, Event& e, bool batched, TaskState* known_task);
  absl::Status AddRemoveMigrationPte(const TraceRecord& r, Event& e);
  void AddSetMigrationPte(const TraceRecord& r);
  void EndMigration(TaskState& task);
  TaskState& Task(int32_t pid) { return tasks_[pid]; }

  TraceWriter* writer_;
  AssemblerOptions options_;
  uint64_t counters_[kNumCounters] = {};
  FreeRangeSet free_;
  FaultPfnMemory fault_pfns_;
  MigrationInference inference_;
  absl::flat_hash_map<int32_t, TaskState> tasks_;
  // gfp_flags text -> (GfpBit mask, unknown names): a capture repeats a few dozen strings.
  absl::flat_hash_map<std::string, std::pair<uint64_t, uint32_t>> gfp_cache_;
  // Per CPU (index; CheckRanges bounds it by kMaxCpus): order-0 allocations outside
  // migrations, by pageblock (pfn >> 9). Sized to the highest CPU counted + 1.
  std::vector<absl::flat_hash_map<uint64_t, uint64_t>> cpu_block_allocs_;
  int64_t max_cpu_ = -1;
  uint64_t events_written_ = 0;
  uint64_t events_by_kind_[kNumEventKinds] = {};  // indexed by trace::EventKind
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_EVENT_ASSEMBLER_H_
