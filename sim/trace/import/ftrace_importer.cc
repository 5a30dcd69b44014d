#include "sim/trace/import/ftrace_importer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/text_line_import.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

class FtraceImporter : public Importer {
 public:
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    EventAssembler assembler(writer, AssemblerOptionsFor(options));
    FtraceLineParser parser;
    SkipCounts skips;
    ASSIGN_OR_RETURN(TextLines lines,
                     ImportTextLines(input, options, parser, assembler, stats, &skips));
    if (stats->input_records == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(lines.path, ": empty file: no ftrace event lines"));
    }
    if (lines.event_lines == 0 && skips.non_event_line > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(lines.path, ": no ftrace event lines in ", stats->input_records,
                       " lines (expected '<task>-<pid> [<cpu>] <timestamp>: <event>: ...')"));
    }
    RETURN_IF_ERROR(assembler.Finish());
    FillTextHeader(
        options, "ftrace",
        std::max<uint32_t>(parser.header_cpus(), static_cast<uint32_t>(assembler.max_cpu() + 1)),
        writer->mutable_header());
    PublishImportStats(assembler, skips, writer, stats);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Importer> NewFtraceImporter() { return std::make_unique<FtraceImporter>(); }

}  // namespace memsim
