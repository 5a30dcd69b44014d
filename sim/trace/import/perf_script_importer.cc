#include "sim/trace/import/perf_script_importer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/perf_script_line_parser.h"
#include "sim/trace/import/text_line_import.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

class PerfScriptImporter : public Importer {
 public:
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    EventAssembler assembler(writer, AssemblerOptionsFor(options));
    PerfScriptLineParser parser;
    SkipCounts skips;
    ASSIGN_OR_RETURN(TextLines lines,
                     ImportTextLines(input, options, parser, assembler, stats, &skips));
    if (stats->input_records == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(lines.path, ": empty file: no perf script event lines"));
    }
    if (lines.event_lines == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          lines.path, ": no perf script tracepoint lines in ", stats->input_records,
          " lines (expected '<comm> <tid> [<cpu>] <time>: <system>:<event>: <fields>'; "
          "`perf script -F` must include time and event)"));
    }
    RETURN_IF_ERROR(assembler.Finish());
    // perf record's default clock is perf_clock() = local_clock(), ftrace's "local"
    // (kernel/events/core.c); `perf record -k mono` changes it, and the text does not say.
    FillTextHeader(options, "perf", static_cast<uint32_t>(assembler.max_cpu() + 1),
                   writer->mutable_header());
    PublishImportStats(assembler, skips, writer, stats);
    for (const auto& [key, value] :
         {std::pair{"perf_lines_without_cpu", parser.lines_without_cpu()},
          std::pair{"perf_lines_without_tid", parser.lines_without_tid()}}) {
      stats->counters[key] = value;
      writer->SetImportStat(key, value);
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Importer> NewPerfScriptImporter() { return std::make_unique<PerfScriptImporter>(); }

}  // namespace memsim
