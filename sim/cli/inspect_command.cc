// memsim inspect: what is in a .mtrace file.
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/usage_error.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_summary.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

ABSL_FLAG(bool, events, false, "Also print every event, one line each (inspect).");

namespace memsim::cli {

namespace {

absl::Status PrintEvents(const std::string& path) {
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(path));
  std::vector<Event> events;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextEvents(&events));
    if (!more) break;
    std::string text;
    for (const Event& e : events) absl::StrAppend(&text, DebugString(e), "\n");
    RETURN_IF_ERROR(WriteStdout(text));
  }
  return absl::OkStatus();
}

absl::Status RunInspect(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError("expects exactly one FILE.mtrace (see --help)");
  }
  const std::string& path = args[0];
  if (absl::GetFlag(FLAGS_events)) return PrintEvents(path);
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(path));
  ASSIGN_OR_RETURN(TraceSummary summary, SummarizeTrace(*reader));
  std::string out = absl::GetFlag(FLAGS_json) ? FormatSummaryJson(path, summary)
                                              : FormatSummaryText(path, summary);
  return WriteStdout(out);
}

}  // namespace

Command InspectCommand() {
  return Command{
      "inspect",
      "Summarise a .mtrace file: header, events per kind, allocations, span, snapshot.",
      "memsim inspect FILE.mtrace [--json] [--events]",
      "Reads the whole trace (streaming, constant memory), checking every chunk's checksum,\n"
      "and prints the header, the number of events of each kind, pages allocated by order and\n"
      "owner type, the pfn span, the CPUs seen, the duration and the initial-state snapshot.\n"
      "A corrupt or truncated file is reported with the byte offset of the bad chunk.\n"
      "--json prints the same as JSON; its \"events\" object has exactly the keys alloc, free,\n"
      "fault, migrate, migrate_batch, compaction_scan, compaction, and \"skipped\" counts the\n"
      "input lines the importer skipped (schema: docs/trace-format.md).",
      {"json", "events"},
      RunInspect};
}

}  // namespace memsim::cli
