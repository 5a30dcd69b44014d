#include "sim/trace/import/trace_record.h"

#include <array>

namespace memsim {

namespace {

struct TracepointInfo {
  std::string_view system;
  std::string_view name;
};

constexpr std::array<TracepointInfo, static_cast<int>(Tracepoint::kNumTracepoints)> kTracepoints = {
    {
        {"", ""},
        {"kmem", "mm_page_alloc"},
        {"kmem", "mm_page_free"},
        {"kmem", "mm_page_free_batched"},
        {"exceptions", "page_fault_user"},
        {"migrate", "mm_migrate_pages_start"},
        {"migrate", "mm_migrate_pages"},
        {"migrate", "set_migration_pte"},
        {"migrate", "remove_migration_pte"},
        {"compaction", "mm_compaction_begin"},
        {"compaction", "mm_compaction_end"},
        {"compaction", "mm_compaction_isolate_migratepages"},
        {"compaction", "mm_compaction_isolate_freepages"},
        {"compaction", "mm_compaction_migratepages"},
    }};

constexpr std::array<std::string_view, static_cast<int>(TraceField::kNumFields)> kFieldNames = {
    "pfn",        "order",     "migratetype", "gfp_flags", "address",    "ip",
    "error_code", "mode",      "reason",      "succeeded", "failed",     "thp_succeeded",
    "thp_failed", "thp_split", "addr",        "pte",       "zone_start", "migrate_pfn",
    "free_pfn",   "zone_end",  "sync",        "status",    "start_pfn",  "end_pfn",
    "nr_scanned", "nr_taken",  "nr_migrated", "nr_failed",
};

}  // namespace

Tracepoint TracepointFromName(std::string_view name) {
  // Every name we know starts with "mm_", "page_", "set_" or "remove_": a cheap first filter
  // keeps unknown events (the common case in a busy capture) off the comparison loop.
  if (name.size() < 12) return Tracepoint::kUnknown;
  for (int i = 1; i < static_cast<int>(Tracepoint::kNumTracepoints); ++i) {
    if (kTracepoints[i].name == name) return static_cast<Tracepoint>(i);
  }
  return Tracepoint::kUnknown;
}

std::string_view TracepointName(Tracepoint tp) { return kTracepoints[static_cast<int>(tp)].name; }

std::string_view TracepointSystem(Tracepoint tp) {
  return kTracepoints[static_cast<int>(tp)].system;
}

std::string_view TraceFieldName(TraceField f) { return kFieldNames[static_cast<int>(f)]; }

}  // namespace memsim
