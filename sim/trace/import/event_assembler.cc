#include "sim/trace/import/event_assembler.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/trace/import/kernel_names.h"
#include "sim/trace/import/owner_inference.h"
#include "sim/trace/trace_format.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

using F = TraceField;

// The error for the first field of `fields` the record lacks.
absl::Status MissingField(const TraceRecord& r, std::initializer_list<TraceField> fields) {
  for (TraceField f : fields) {
    if (!r.Has(f)) {
      return absl::InvalidArgumentError(absl::StrCat(AbslView(TracepointName(r.tracepoint)),
                                                     ": missing field '",
                                                     AbslView(TraceFieldName(f)), "'"));
    }
  }
  return absl::OkStatus();
}

inline absl::Status Require(const TraceRecord& r, std::initializer_list<TraceField> fields) {
  if (r.HasAll(fields)) [[likely]]
    return absl::OkStatus();
  return MissingField(r, fields);
}

int32_t AsInt32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

namespace tf = trace_format;

absl::Status OutOfRange(const TraceRecord& r, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat(AbslView(TracepointName(r.tracepoint)), ": ", what));
}

// The ranges the .mtrace reader enforces (trace_format.h), checked before anything is
// derived from the record, so that an import never writes a trace memsim cannot read.
absl::Status CheckRanges(const TraceRecord& r) {
  if (r.cpu >= tf::kMaxCpus) {
    return OutOfRange(r, absl::StrCat("cpu ", r.cpu, " is not below ", tf::kMaxCpus));
  }
  if (r.time_ns > tf::kMaxTimeNs) {
    return OutOfRange(r, absl::StrCat("timestamp ", r.time_ns, " ns exceeds 2^63"));
  }
  if (r.Has(F::kOrder)) {
    // set/remove_migration_pte print the order signed; the others unsigned.
    const uint64_t order = r.value(F::kOrder);
    if (order > tf::kMaxOrder) {
      return OutOfRange(
          r, absl::StrCat("order ", static_cast<int64_t>(order), " is outside 0..", tf::kMaxOrder));
    }
    if (r.Has(F::kPfn) && r.value(F::kPfn) != kNoPfn &&
        (r.value(F::kPfn) >= tf::kPfnLimit ||
         (uint64_t{1} << order) > tf::kPfnLimit - r.value(F::kPfn))) {
      return OutOfRange(
          r, absl::StrCat("pfn ", r.value(F::kPfn), " + 2^", order, " pages reaches past 2^52"));
    }
  } else if (r.Has(F::kPfn) && r.value(F::kPfn) != kNoPfn && r.value(F::kPfn) >= tf::kPfnLimit) {
    return OutOfRange(r, absl::StrCat("pfn ", r.value(F::kPfn), " is not below 2^52"));
  }
  if (r.Has(F::kStartPfn) && r.Has(F::kEndPfn) &&
      (r.value(F::kStartPfn) > r.value(F::kEndPfn) || r.value(F::kEndPfn) > tf::kPfnLimit)) {
    return OutOfRange(r, absl::StrCat("pfn range ", r.value(F::kStartPfn), " ~ ",
                                      r.value(F::kEndPfn), " is reversed or past 2^52"));
  }
  for (TraceField f : {F::kZoneStart, F::kZoneEnd, F::kMigratePfn, F::kFreePfn}) {
    if (r.Has(f) && r.value(f) > tf::kPfnLimit) {
      return OutOfRange(
          r, absl::StrCat(AbslView(TraceFieldName(f)), " ", r.value(f), " is past 2^52"));
    }
  }
  if (r.Has(F::kZoneStart) && r.Has(F::kZoneEnd) && r.value(F::kZoneStart) > r.value(F::kZoneEnd)) {
    return OutOfRange(r, absl::StrCat("zone_start ", r.value(F::kZoneStart), " > zone_end ",
                                      r.value(F::kZoneEnd)));
  }
  return absl::OkStatus();
}

}  // namespace

const char* EventAssembler::CounterName(Counter c) {
  static const char* const kNames[kNumCounters] = {
      "failed_alloc",
      "dropped_duplicate_free_batched",
      "dropped_free_of_free",
      "free_overlapping_free",
      "consumed_migrate_pages_start",
      "consumed_compaction_migratepages",
      "consumed_set_migration_pte",
      "migration_pte_unpaired_set",
      "migration_pte_unpaired_remove",
      "migration_pte_restored",
      "migration_pte_same_folio",
      "migration_pte_undecodable",
      "unknown_gfp_names",
      "unknown_symbols",
      "fault_pfn_from_alloc",
      "fault_pfn_unknown",
      "fault_pfn_repeat",
  };
  return kNames[c];
}

EventAssembler::EventAssembler(TraceWriter* writer, const AssemblerOptions& options)
    : writer_(writer), options_(options) {}

std::map<std::string, uint64_t> EventAssembler::Counters() const {
  std::map<std::string, uint64_t> out;
  for (int i = 0; i < kNumCounters; ++i) out[CounterName(static_cast<Counter>(i))] = counters_[i];
  inference_.AddCounters(&out);
  return out;
}

std::map<std::string, uint64_t> EventAssembler::EventsByKind() const {
  std::map<std::string, uint64_t> out;
  for (int k = 1; k < kNumEventKinds; ++k) {
    if (events_by_kind_[k] != 0) out[EventKindKey(static_cast<EventKind>(k))] = events_by_kind_[k];
  }
  return out;
}

absl::Status EventAssembler::Write(const Event& e) {
  ++events_written_;
  ++events_by_kind_[static_cast<int>(e.kind) & 7];
  return writer_->Add(e);
}

absl::Status EventAssembler::FlushFault(TaskState& task) {
  if (!task.has_pending_fault) return absl::OkStatus();
  task.has_pending_fault = false;
  Event& f = task.pending_fault;
  f.pfn = task.pending_repeat_pfn;
  ++counters_[f.pfn == kNoPfn ? kFaultPfnUnknown : kFaultPfnRepeat];
  return Write(f);
}

absl::Status EventAssembler::Add(const TraceRecord& r) {
  RETURN_IF_ERROR(CheckRanges(r));
  inference_.Observe(r);
  if (static_cast<int64_t>(r.cpu) > max_cpu_) max_cpu_ = r.cpu;
  // The record's task, if it has state: looked up once per record (nothing below inserts
  // into tasks_ before the handlers use it).
  TaskState* task = nullptr;
  if (r.pid >= 0) {
    auto it = tasks_.find(r.pid);
    if (it != tasks_.end()) {
      task = &it->second;
      if (task->has_pending_fault) {
        const Event& f = task->pending_fault;
        if (r.time_ns > f.time_ns + kFaultPairWindowNs || r.cpu != f.cpu) {
          RETURN_IF_ERROR(FlushFault(*task));
        }
      }
    }
  }
  Event e;
  e.time_ns = r.time_ns;
  e.cpu = r.cpu;
  switch (r.tracepoint) {
    case Tracepoint::kMmPageAlloc:
      return AddAlloc(r, e, task);
    case Tracepoint::kMmPageFree:
      return AddFree(r, e, /*batched=*/false, task);
    case Tracepoint::kMmPageFreeBatched:
      return AddFree(r, e, /*batched=*/true, task);
    case Tracepoint::kPageFaultUser:
      RETURN_IF_ERROR(Require(r, {F::kAddress, F::kIp, F::kErrorCode}));
      e.kind = trace::EVENT_FAULT;
      e.address = r.value(F::kAddress);
      e.ip = r.value(F::kIp);
      e.error_code = static_cast<uint32_t>(r.value(F::kErrorCode));
      e.pfn = kNoPfn;  // the tracepoint fires before the fault is resolved
      if (r.pid < 0) {
        ++counters_[kFaultPfnUnknown];
        return Write(e);
      }
      {
        TaskState& t = task != nullptr ? *task : Task(r.pid);
        RETURN_IF_ERROR(FlushFault(t));
        t.has_pending_fault = true;
        t.pending_fault = e;
        t.pending_repeat_pfn = fault_pfns_.Recall(r.pid, e.address);
      }
      return absl::OkStatus();
    case Tracepoint::kMmMigratePagesStart: {
      RETURN_IF_ERROR(Require(r, {F::kMode, F::kReason}));
      TaskState& task = Task(r.pid);
      EndMigration(task);  // a start without the previous call's end: settle it
      auto reason = MigrateReasonFromName(r.symbol(F::kReason));
      if (!reason) ++counters_[kUnknownSymbols];
      task.migrating = true;
      task.reason = reason.value_or(trace::MR_UNKNOWN);
      ++counters_[kMigratePagesStart];
      return absl::OkStatus();
    }
    case Tracepoint::kMmMigratePages: {
      // The nr_thp_* counts were added in Linux 5.x; older captures lack them (0).
      RETURN_IF_ERROR(Require(r, {F::kSucceeded, F::kFailed, F::kMode, F::kReason}));
      e.kind = trace::EVENT_MIGRATE_BATCH;
      e.nr_succeeded = r.value(F::kSucceeded);
      e.nr_failed = r.value(F::kFailed);
      if (r.Has(F::kThpSucceeded)) e.nr_thp_succeeded = r.value(F::kThpSucceeded);
      if (r.Has(F::kThpFailed)) e.nr_thp_failed = r.value(F::kThpFailed);
      if (r.Has(F::kThpSplit)) e.nr_thp_split = r.value(F::kThpSplit);
      auto mode = MigrateModeFromName(r.symbol(F::kMode));
      auto reason = MigrateReasonFromName(r.symbol(F::kReason));
      if (!mode) ++counters_[kUnknownSymbols];
      if (!reason) ++counters_[kUnknownSymbols];
      e.mode = mode.value_or(0);
      e.reason = reason.value_or(trace::MR_UNKNOWN);
      EndMigration(Task(r.pid));
      return Write(e);
    }
    case Tracepoint::kSetMigrationPte:
      RETURN_IF_ERROR(Require(r, {F::kAddr, F::kPte, F::kOrder}));
      AddSetMigrationPte(r);
      return absl::OkStatus();
    case Tracepoint::kRemoveMigrationPte:
      RETURN_IF_ERROR(Require(r, {F::kAddr, F::kPte, F::kOrder}));
      return AddRemoveMigrationPte(r, e);
    case Tracepoint::kMmCompactionBegin:
    case Tracepoint::kMmCompactionEnd: {
      const bool end = r.tracepoint == Tracepoint::kMmCompactionEnd;
      RETURN_IF_ERROR(
          Require(r, {F::kZoneStart, F::kMigratePfn, F::kFreePfn, F::kZoneEnd, F::kSync}));
      if (end) RETURN_IF_ERROR(Require(r, {F::kStatus}));
      e.kind = trace::EVENT_COMPACTION;
      e.compaction_end = end;
      e.zone_start = r.value(F::kZoneStart);
      e.zone_end = r.value(F::kZoneEnd);
      e.migrate_pfn = r.value(F::kMigratePfn);
      e.free_pfn = r.value(F::kFreePfn);
      e.sync = r.value(F::kSync) != 0;
      if (end) {
        auto status = CompactResultFromName(r.symbol(F::kStatus));
        if (!status) ++counters_[kUnknownSymbols];
        e.status = status.value_or(-1);
      }
      return Write(e);
    }
    case Tracepoint::kIsolateMigratepages:
    case Tracepoint::kIsolateFreepages:
      RETURN_IF_ERROR(Require(r, {F::kStartPfn, F::kEndPfn, F::kNrScanned, F::kNrTaken}));
      e.kind = trace::EVENT_COMPACTION_SCAN;
      e.scanner = r.tracepoint == Tracepoint::kIsolateFreepages ? trace::SCANNER_FREE
                                                                : trace::SCANNER_MIGRATE;
      e.pfn = r.value(F::kStartPfn);
      e.end_pfn = r.value(F::kEndPfn);
      e.nr_scanned = r.value(F::kNrScanned);
      e.nr_taken = r.value(F::kNrTaken);
      return Write(e);
    case Tracepoint::kCompactionMigratepages:
      RETURN_IF_ERROR(Require(r, {F::kNrMigrated, F::kNrFailed}));
      ++counters_[kCompactionMigratepages];
      return absl::OkStatus();
    case Tracepoint::kUnknown:
    case Tracepoint::kNumTracepoints:
      break;
  }
  return absl::InternalError("EventAssembler::Add: record of an unknown tracepoint");
}

void EventAssembler::Prefetch(const TraceRecord& r) const {
  if (r.pid >= 0) tasks_.prefetch(r.pid);
  switch (r.tracepoint) {
    case Tracepoint::kPageFaultUser:
      if (r.pid >= 0 && r.Has(F::kAddress)) fault_pfns_.PrefetchPage(r.pid, r.value(F::kAddress));
      break;
    case Tracepoint::kMmPageAlloc:
      if (r.cpu < cpu_block_allocs_.size() && r.Has(F::kPfn)) {
        cpu_block_allocs_[r.cpu].prefetch(r.value(F::kPfn) >> 9);
      }
      [[fallthrough]];
    case Tracepoint::kMmPageFree:
    case Tracepoint::kMmPageFreeBatched:
      if (r.Has(F::kPfn)) {
        const uint64_t pfn = r.value(F::kPfn);
        free_.Prefetch(pfn);
        fault_pfns_.PrefetchPfn(pfn);
        inference_.Prefetch(pfn);
      }
      break;
    default:
      break;
  }
}

absl::Status EventAssembler::AddAlloc(const TraceRecord& r, Event& e, TaskState* task) {
  RETURN_IF_ERROR(Require(r, {F::kPfn, F::kOrder, F::kMigratetype, F::kGfpFlags}));
  const uint64_t pfn = r.value(F::kPfn);
  // A failed allocation still fires the tracepoint: the raw field is -1UL and the text
  // prints pfn=0 (TP_printk of mm_page_alloc). pfn 0 is never handed out on x86 (the first
  // 1 MiB is memblock-reserved since 5.13, arch/x86/kernel/setup.c), so both mean "none".
  if (pfn == 0 || pfn == kNoPfn) {
    ++counters_[kFailedAlloc];
    return absl::OkStatus();
  }
  e.kind = trace::EVENT_ALLOC;
  e.pfn = pfn;
  e.order = static_cast<uint32_t>(r.value(F::kOrder));
  e.migratetype = AsInt32(r.value(F::kMigratetype));
  e.gfp_flags = GfpBits(r.symbol(F::kGfpFlags));
  e.owner = InferOwner(e.gfp_flags, e.migratetype, e.order);
  // Where the CPU allocates under the default local policy: migration targets are placed
  // on purpose, so they do not count.
  if (e.order == 0 && !inference_.InMigration(r.pid, r.cpu)) {
    if (r.cpu >= cpu_block_allocs_.size()) cpu_block_allocs_.resize(r.cpu + 1);
    ++cpu_block_allocs_[r.cpu][pfn >> 9];
  }
  if (e.order < 64) {
    free_.Erase(pfn, pfn + (uint64_t{1} << e.order));
    fault_pfns_.Forget(pfn, pfn + (uint64_t{1} << e.order));
  }
  RETURN_IF_ERROR(Write(e));
  // A destination of a migrate_pages() batch in progress (migration_inference.h).
  inference_.OnAlloc(r, pfn, e.order,
                     e.owner == trace::OWNER_ANON || e.owner == trace::OWNER_FILE ||
                         e.owner == trace::OWNER_HUGETLB);
  // The user page a held-back fault of this task was waiting for. Page-table pages and
  // other kernel allocations made inside the handler leave the fault waiting.
  if (task != nullptr && (e.owner == trace::OWNER_ANON || e.owner == trace::OWNER_FILE) &&
      e.order <= 9) {
    if (task->has_pending_fault) {
      Event f = task->pending_fault;
      task->has_pending_fault = false;
      f.pfn = pfn + ((f.address >> 12) & ((uint64_t{1} << e.order) - 1));
      f.time_ns = std::max(f.time_ns, e.time_ns);  // mapped after the allocation
      ++counters_[kFaultPfnFromAlloc];
      fault_pfns_.Remember(r.pid, f.address, f.pfn);
      return Write(f);
    }
  }
  return absl::OkStatus();
}

uint64_t EventAssembler::GfpBits(std::string_view names) {
  constexpr size_t kMaxCached = 4096;
  auto it = gfp_cache_.find(AbslView(names));
  if (it == gfp_cache_.end()) {
    uint32_t unknown = 0;
    const uint64_t bits = GfpBitsFromNames(names, &unknown);
    if (gfp_cache_.size() >= kMaxCached) {
      counters_[kUnknownGfpNames] += unknown;
      return bits;
    }
    it = gfp_cache_.emplace(std::string(names), std::make_pair(bits, unknown)).first;
  }
  counters_[kUnknownGfpNames] += it->second.second;
  return it->second.first;
}

absl::Status EventAssembler::AddFree(const TraceRecord& r, Event& e, bool batched,
                                     TaskState* known_task) {
  RETURN_IF_ERROR(Require(r, {F::kPfn}));
  if (!batched) RETURN_IF_ERROR(Require(r, {F::kOrder}));
  const uint64_t pfn = r.value(F::kPfn);
  // mm_page_free_batched has no order field and prints order=0; a batched folio may be
  // larger (free_unref_folios), which the preceding mm_page_free of the same folio says.
  const uint32_t order = batched ? 0 : static_cast<uint32_t>(r.value(F::kOrder));
  const uint64_t end = pfn + (uint64_t{1} << (order < 64 ? order : 63));
  TaskState& task = known_task != nullptr ? *known_task : Task(r.pid);
  const FreeRangeSet::Coverage coverage = free_.Cover(pfn, end);
  Event moved;  // an inferred compaction migration of this source, written first
  const bool is_source =
      options_.infer_migrations &&
      inference_.OnFree(r, pfn, order, coverage == FreeRangeSet::Coverage::kFull, &moved);
  if (coverage == FreeRangeSet::Coverage::kFull) {
    // Double report of one free: mm_page_free then mm_page_free_batched (Linux >= 4.15),
    // or mm_page_free_batched then mm_page_free right after it on the same task (before).
    const bool paired = batched || task.last_batched_free_pfn == pfn;
    ++counters_[paired ? kDuplicateFreeBatched : kFreeOfFree];
    if (batched) task.last_batched_free_pfn = pfn;
    return absl::OkStatus();
  }
  if (batched) task.last_batched_free_pfn = pfn;
  if (coverage == FreeRangeSet::Coverage::kPartial) ++counters_[kFreeOverlappingFree];
  if (is_source) {
    free_.Erase(moved.end_pfn, moved.end_pfn + (uint64_t{1} << moved.order));
    RETURN_IF_ERROR(Write(moved));
  }
  free_.Insert(pfn, end);
  // The task's held-back repeat fault on this page came first: written before the free.
  if (task.has_pending_fault && task.pending_repeat_pfn >= pfn && task.pending_repeat_pfn < end) {
    RETURN_IF_ERROR(FlushFault(task));
  }
  fault_pfns_.Forget(pfn, end);
  e.kind = trace::EVENT_FREE;
  e.pfn = pfn;
  e.order = order;
  e.batched = batched;
  return Write(e);
}

void EventAssembler::AddSetMigrationPte(const TraceRecord& r) {
  std::optional<uint64_t> src = MigrationEntryPfn(r.value(F::kPte), options_.max_physmem_bits);
  if (!src) {
    ++counters_[kMigrationPteUndecodable];
    return;
  }
  TaskState& task = Task(r.pid);
  const int32_t order = AsInt32(r.value(F::kOrder));
  task.pending[r.value(F::kAddr)].push_back(
      PendingPte{*src, static_cast<uint32_t>(order < 0 ? 0 : order)});
  ++task.num_pending;
  ++counters_[kMigrationPteSet];
}

absl::Status EventAssembler::AddRemoveMigrationPte(const TraceRecord& r, Event& e) {
  std::optional<uint64_t> dst = PtePfn(r.value(F::kPte));
  if (!dst) {
    ++counters_[kMigrationPteUndecodable];
    return absl::OkStatus();
  }
  TaskState& task = Task(r.pid);
  auto it = task.pending.find(r.value(F::kAddr));
  if (it == task.pending.end()) {
    ++counters_[kMigrationPteUnpairedRemove];
    return absl::OkStatus();
  }
  const PendingPte set = it->second.front();
  it->second.erase(it->second.begin());
  if (it->second.empty()) task.pending.erase(it);
  --task.num_pending;
  if (*dst == set.src_pfn) {
    // remove_migration_ptes(src, src, ...) on the failure path restores the old mapping.
    ++counters_[kMigrationPteRestored];
    return absl::OkStatus();
  }
  // set_migration_pte's order is folio_order(); the entry names the subpage mapped at this
  // address, and the same subpage index of the destination folio is remapped there.
  const uint32_t order = set.order;  // <= kMaxOrder (CheckRanges)
  const uint64_t mask = (uint64_t{1} << order) - 1;
  const uint64_t src_head = set.src_pfn & ~mask;
  if (*dst < set.src_pfn - src_head || src_head + mask >= tf::kPfnLimit ||
      *dst - (set.src_pfn - src_head) + mask >= tf::kPfnLimit) {
    ++counters_[kMigrationPteUndecodable];
    return absl::OkStatus();
  }
  const uint64_t dst_head = *dst - (set.src_pfn - src_head);
  if (!task.migrated_heads.insert(src_head).second) {
    ++counters_[kMigrationPteSameFolio];
    return absl::OkStatus();
  }
  e.kind = trace::EVENT_MIGRATE;
  e.pfn = src_head;
  e.end_pfn = dst_head;
  e.order = order;
  e.reason = task.migrating ? task.reason : trace::MR_UNKNOWN;
  // The destination is in use from now on, whether or not an mm_page_alloc showed it
  // (compaction takes its targets straight off the free lists, untraced).
  free_.Erase(dst_head, dst_head + mask + 1);
  inference_.OnExactMigrate(r.pid, r.cpu, src_head, dst_head, order);
  return Write(e);
}

void EventAssembler::EndMigration(TaskState& task) {
  counters_[kMigrationPteUnpairedSet] += task.num_pending;
  task.pending.clear();
  task.num_pending = 0;
  task.migrated_heads.clear();
  task.migrating = false;
  task.reason = trace::MR_UNKNOWN;
}

void EventAssembler::InferCpuNodes(trace::TraceHeader* header) const {
  const int nodes = header->nodes_size();
  if (nodes < 2 || header->cpu_node_size() > 0 || cpu_block_allocs_.empty()) return;
  uint32_t cpus = header->num_cpus();
  cpus = std::max(cpus, static_cast<uint32_t>(cpu_block_allocs_.size()));
  std::vector<int32_t> map(cpus, -1);
  uint64_t counted = 0, agreeing = 0;
  for (uint32_t cpu = 0; cpu < cpu_block_allocs_.size(); ++cpu) {
    const auto& blocks = cpu_block_allocs_[cpu];
    if (blocks.empty()) continue;
    std::vector<uint64_t> per_node(nodes, 0);
    for (const auto& [block, count] : blocks) {
      const uint64_t pfn = block << 9;
      for (int n = 0; n < nodes; ++n) {
        const trace::NodeRange& range = header->nodes(n);
        if (pfn + 511 >= range.start_pfn() && pfn < range.end_pfn()) {
          per_node[n] += count;
          break;
        }
      }
    }
    const auto best = std::max_element(per_node.begin(), per_node.end());
    if (*best == 0) continue;  // every allocation outside the recorded nodes
    map[cpu] = static_cast<int32_t>(header->nodes(best - per_node.begin()).node_id());
    agreeing += *best;
    for (uint64_t c : per_node) counted += c;
  }
  for (int32_t n : map) header->add_cpu_node(n);
  header->set_cpu_node_agreement(counted > 0 ? static_cast<double>(agreeing) / counted : 0.0);
}

absl::Status EventAssembler::Finish() {
  // Held-back faults, in time order (the task table's order is not deterministic).
  std::vector<std::pair<uint64_t, int32_t>> pending;
  for (auto& [pid, task] : tasks_) {
    if (task.has_pending_fault) pending.emplace_back(task.pending_fault.time_ns, pid);
  }
  std::sort(pending.begin(), pending.end());
  for (const auto& [time, pid] : pending) RETURN_IF_ERROR(FlushFault(tasks_[pid]));
  for (auto& [pid, task] : tasks_) EndMigration(task);
  return absl::OkStatus();
}

}  // namespace memsim
