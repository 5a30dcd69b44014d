// Helpers shared by the event importers for filling ImportStats and the trace footer.
#ifndef MEMSIM_SIM_TRACE_IMPORT_IMPORT_STATS_UTIL_H_
#define MEMSIM_SIM_TRACE_IMPORT_IMPORT_STATS_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/trace_writer.h"

namespace memsim {

// Counts of skipped input, by reason, kept by an event importer.
struct SkipCounts {
  uint64_t unknown_event = 0;
  uint64_t malformed = 0;
  uint64_t non_event_line = 0;
  uint64_t lost_events = 0;  // reported lost by the kernel ring buffer, not in the input
  // Per unknown event name (at most kMaxNames names; the rest add to "unknown_event.other").
  absl::flat_hash_map<std::string, uint64_t> unknown_by_name;
  static constexpr size_t kMaxNames = 64;

  void CountUnknown(std::string_view name);
  uint64_t skipped() const { return unknown_event + malformed + non_event_line; }
};

// Copies the assembler's counters and the skip counts into `stats` and the writer's footer
// (import_stats). Footer key "skipped" is the total of skipped input lines/records.
void PublishImportStats(const EventAssembler& assembler, const SkipCounts& skips,
                        TraceWriter* writer, ImportStats* stats);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_IMPORT_STATS_UTIL_H_
