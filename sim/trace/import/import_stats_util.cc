#include "sim/trace/import/import_stats_util.h"

#include "absl/strings/str_cat.h"

namespace memsim {

void SkipCounts::CountUnknown(std::string_view name) {
  ++unknown_event;
  auto it = unknown_by_name.find(AbslView(name));
  if (it != unknown_by_name.end()) {
    ++it->second;
  } else if (unknown_by_name.size() < kMaxNames) {
    unknown_by_name.emplace(std::string(name), 1);
  } else {
    ++unknown_by_name["(other)"];
  }
}

void PublishImportStats(const EventAssembler& assembler, const SkipCounts& skips,
                        TraceWriter* writer, ImportStats* stats) {
  auto set = [&](const std::string& key, uint64_t value) {
    stats->counters[key] = value;
    writer->SetImportStat(key, value);
  };
  for (const auto& [key, value] : assembler.Counters()) set(key, value);
  set("skipped", skips.skipped());
  set("skipped_unknown_event", skips.unknown_event);
  set("skipped_malformed", skips.malformed);
  set("skipped_non_event_line", skips.non_event_line);
  set("lost_events", skips.lost_events);
  set("input_records", stats->input_records);
  for (const auto& [name, count] : skips.unknown_by_name) {
    set(absl::StrCat("unknown_event.", name), count);
  }
  *writer->mutable_header()->mutable_migrations() = assembler.migration_coverage();
  assembler.InferCpuNodes(writer->mutable_header());
  stats->events_written = assembler.events_written();
  stats->events_by_kind = assembler.EventsByKind();
}

}  // namespace memsim
