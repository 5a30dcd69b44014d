// One decoded tracepoint hit, independent of where it came from: the ftrace text parser and
// the trace-cmd .dat reader both fill a TraceRecord and hand it to EventAssembler, so the
// same capture gives the same memsim events whichever way it was saved.
//
// Fields carry the kernel's own field names (the `field:` lines of the event's tracefs
// `format` file, Linux 6.x), not the keys of the printed text: the text parser translates
// `nr_succeeded=` to `succeeded`, `range=(a ~ b)` to start_pfn/end_pfn, `mode=sync` to
// `sync`. Symbolic fields (gfp_flags, mode, reason, status) are carried as the names the
// kernel's __print_flags/__print_symbolic tables print, because their numeric values move
// between kernel releases while the names do not.
#ifndef MEMSIM_SIM_TRACE_IMPORT_TRACE_RECORD_H_
#define MEMSIM_SIM_TRACE_IMPORT_TRACE_RECORD_H_

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/strings/string_view.h"

namespace memsim {

// The tracepoints the importers understand (docs/trace-import.md).
enum class Tracepoint : uint8_t {
  kUnknown = 0,
  kMmPageAlloc,             // kmem:mm_page_alloc
  kMmPageFree,              // kmem:mm_page_free
  kMmPageFreeBatched,       // kmem:mm_page_free_batched
  kPageFaultUser,           // exceptions:page_fault_user
  kMmMigratePagesStart,     // migrate:mm_migrate_pages_start
  kMmMigratePages,          // migrate:mm_migrate_pages
  kSetMigrationPte,         // migrate:set_migration_pte
  kRemoveMigrationPte,      // migrate:remove_migration_pte
  kMmCompactionBegin,       // compaction:mm_compaction_begin
  kMmCompactionEnd,         // compaction:mm_compaction_end
  kIsolateMigratepages,     // compaction:mm_compaction_isolate_migratepages
  kIsolateFreepages,        // compaction:mm_compaction_isolate_freepages
  kCompactionMigratepages,  // compaction:mm_compaction_migratepages
  kNumTracepoints,
};

// Event name without the system ("mm_page_alloc"), or kUnknown.
Tracepoint TracepointFromName(std::string_view name);
std::string_view TracepointName(Tracepoint tp);
std::string_view TracepointSystem(Tracepoint tp);

enum class TraceField : uint8_t {
  kPfn = 0,
  kOrder,
  kMigratetype,
  kGfpFlags,  // symbolic: "GFP_KERNEL|__GFP_ZERO", "none"
  kAddress,   // page_fault_user
  kIp,
  kErrorCode,
  kMode,    // symbolic: "MIGRATE_SYNC"
  kReason,  // symbolic: "compaction"
  kSucceeded,
  kFailed,
  kThpSucceeded,
  kThpFailed,
  kThpSplit,
  kAddr,  // set/remove_migration_pte
  kPte,
  kZoneStart,
  kMigratePfn,
  kFreePfn,
  kZoneEnd,
  kSync,
  kStatus,  // symbolic: "success"
  kStartPfn,
  kEndPfn,
  kNrScanned,
  kNrTaken,
  kNrMigrated,
  kNrFailed,
  kNumFields,
};

// The kernel's field name ("pfn", "gfp_flags", "succeeded", ...).
std::string_view TraceFieldName(TraceField f);
// True for fields carried as names (TraceRecord::symbol) rather than numbers.
constexpr bool IsSymbolicField(TraceField f) {
  return f == TraceField::kGfpFlags || f == TraceField::kMode || f == TraceField::kReason ||
         f == TraceField::kStatus;
}

struct TraceRecord {
  Tracepoint tracepoint = Tracepoint::kUnknown;
  uint64_t time_ns = 0;
  uint32_t cpu = 0;
  int32_t pid = -1;  // -1 if the source did not say

  void Clear() { present_ = 0; }
  void Set(TraceField f, uint64_t v) {
    value_[Index(f)] = v;
    present_ |= Bit(f);
  }
  void SetSymbol(TraceField f, std::string_view s) {
    symbol_[Index(f)] = s;
    present_ |= Bit(f);
  }
  bool Has(TraceField f) const { return (present_ & Bit(f)) != 0; }
  // True if every field of `fields` is present.
  bool HasAll(std::initializer_list<TraceField> fields) const {
    uint32_t mask = 0;
    for (TraceField f : fields) mask |= Bit(f);
    return (present_ & mask) == mask;
  }
  // REQUIRES: Has(f).
  uint64_t value(TraceField f) const { return value_[Index(f)]; }
  std::string_view symbol(TraceField f) const { return symbol_[Index(f)]; }

 private:
  static constexpr int Index(TraceField f) { return static_cast<int>(f); }
  static constexpr uint32_t Bit(TraceField f) { return uint32_t{1} << Index(f); }
  static_assert(static_cast<int>(TraceField::kNumFields) <= 32);
  uint32_t present_ = 0;
  uint64_t value_[static_cast<int>(TraceField::kNumFields)];
  // Views into the caller's line or buffer: valid for the duration of one Add() call.
  std::string_view symbol_[static_cast<int>(TraceField::kNumFields)];
};

// This Abseil release has its own string_view type; StrCat and hash lookups need it.
inline absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_TRACE_RECORD_H_
