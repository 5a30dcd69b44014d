// What `memsim inspect` reports about a trace, computed in one streaming pass.
#ifndef MEMSIM_SIM_TRACE_TRACE_SUMMARY_H_
#define MEMSIM_SIM_TRACE_TRACE_SUMMARY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "proto/trace.pb.h"
#include "sim/trace/event.h"

namespace memsim {

class TraceReader;

struct TraceSummary {
  trace::TraceHeader header;
  trace::TraceFooter footer;
  uint64_t file_bytes = 0;
  uint64_t num_events = 0;
  // Keyed by EventKindKey(): every kind present, zero if absent.
  std::map<std::string, uint64_t> events_by_kind;
  // Allocations: blocks and pages by order, and by owner (OwnerTypeKey()).
  std::map<uint32_t, uint64_t> alloc_blocks_by_order;
  std::map<std::string, uint64_t> alloc_blocks_by_owner;
  std::map<std::string, uint64_t> alloc_pages_by_owner;
  uint64_t alloc_pages = 0;
  uint64_t free_pages = 0;
  // Span of every pfn named by an event (alloc, free, fault with pfn, migrate src/dst, scans).
  uint64_t min_pfn = kNoPfn;
  uint64_t max_pfn = 0;
  std::set<uint32_t> cpus;
  uint64_t first_time_ns = 0;
  uint64_t last_time_ns = 0;
  // Snapshot.
  uint64_t snapshot_runs = 0;
  uint64_t snapshot_pages = 0;
  std::map<std::string, uint64_t> snapshot_pages_by_owner;
  // Footer import_stats["skipped"], 0 if absent.
  uint64_t skipped = 0;
};

// Reads the whole trace (REQUIRES: a freshly opened reader).
absl::StatusOr<TraceSummary> SummarizeTrace(TraceReader& reader);

// The text report of `memsim inspect`.
std::string FormatSummaryText(const std::string& path, const TraceSummary& s);
// The JSON report of `memsim inspect --json` (schema in docs/trace-format.md).
std::string FormatSummaryJson(const std::string& path, const TraceSummary& s);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_TRACE_SUMMARY_H_
