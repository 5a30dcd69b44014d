#include "sim/trace/import/ftrace_importer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

constexpr uint64_t kProgressEveryLines = uint64_t{1} << 20;

class FtraceImporter : public Importer {
 public:
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(input));
    LineReader reader(std::move(file));
    AssemblerOptions aopts;
    aopts.max_physmem_bits = options.max_physmem_bits;
    aopts.infer_migrations = options.infer_migrations;
    EventAssembler assembler(writer, aopts);
    FtraceLineParser parser;
    TraceRecord record;
    SkipCounts skips;
    uint64_t event_lines = 0;
    std::string_view line;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, reader.Next(&line));
      if (!more) break;
      ++stats->input_records;
      if (options.progress && stats->input_records % kProgressEveryLines == 0) {
        options.progress(stats->input_records);
      }
      absl::Status error;
      switch (parser.Parse(line, &record)) {
        case FtraceLineParser::LineKind::kEvent:
          ++event_lines;
          error = assembler.Add(record);
          if (!error.ok() && error.code() != absl::StatusCode::kInvalidArgument) return error;
          break;
        case FtraceLineParser::LineKind::kIgnored:
          break;
        case FtraceLineParser::LineKind::kLostEvents:
          skips.lost_events += parser.lost_events();
          break;
        case FtraceLineParser::LineKind::kUnknownEvent:
          ++event_lines;
          skips.CountUnknown(parser.event_name());
          break;
        case FtraceLineParser::LineKind::kNonEvent:
          ++skips.non_event_line;
          break;
        case FtraceLineParser::LineKind::kMalformed:
          ++event_lines;
          error = absl::InvalidArgumentError(
              absl::StrCat(AbslView(parser.event_name()), ": ", parser.error()));
          break;
      }
      if (!error.ok()) {
        if (!options.lenient) {
          return absl::InvalidArgumentError(
              absl::StrCat(reader.path(), ":", reader.line_number(), ": malformed ",
                           error.message(), " (use --lenient to skip malformed lines)"));
        }
        ++skips.malformed;
      }
    }
    if (stats->input_records == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader.path(), ": empty file: no ftrace event lines"));
    }
    if (event_lines == 0 && skips.non_event_line > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader.path(), ": no ftrace event lines in ", stats->input_records,
                       " lines (expected '<task>-<pid> [<cpu>] <timestamp>: <event>: ...')"));
    }
    RETURN_IF_ERROR(assembler.Finish());

    trace::TraceHeader* h = writer->mutable_header();
    h->set_source("ftrace");
    if (h->clock().empty()) {
      h->set_clock(options.clock.empty() ? "local" : options.clock);
      if (options.clock.empty()) (*h->mutable_attributes())["clock_assumed"] = "true";
    }
    if (!options.kernel_version.empty()) h->set_kernel_version(options.kernel_version);
    if (h->page_size_bytes() == 0) h->set_page_size_bytes(4096);
    const uint32_t cpus =
        std::max<uint32_t>(parser.header_cpus(), static_cast<uint32_t>(assembler.max_cpu() + 1));
    if (cpus > h->num_cpus()) h->set_num_cpus(cpus);
    PublishImportStats(assembler, skips, writer, stats);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Importer> NewFtraceImporter() { return std::make_unique<FtraceImporter>(); }

}  // namespace memsim
