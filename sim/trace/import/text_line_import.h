// The line loop shared by the importers of text traces (ftrace text, `perf script` text):
// each line parsed into a TraceRecord by a line parser (FtraceLineParser or one with the same
// interface and LineKind), events handed to the EventAssembler, the rest counted as skipped;
// a malformed line is an error naming file:line unless --lenient. Each importer keeps its own
// messages for files with no event lines and its own header fields.
#ifndef MEMSIM_SIM_TRACE_IMPORT_TEXT_LINE_IMPORT_H_
#define MEMSIM_SIM_TRACE_IMPORT_TEXT_LINE_IMPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/import/trace_record.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

inline constexpr uint64_t kTextProgressEveryLines = uint64_t{1} << 20;

// What ImportTextLines read.
struct TextLines {
  std::string path;          // as the reader names it in messages
  uint64_t event_lines = 0;  // lines that named an event (known, unknown or malformed)
};

// The assembler options an importer's options ask for.
inline AssemblerOptions AssemblerOptionsFor(const ImportOptions& options) {
  AssemblerOptions aopts;
  aopts.max_physmem_bits = options.max_physmem_bits;
  aopts.infer_migrations = options.infer_migrations;
  return aopts;
}

// Reads every line of `input` through `parser` into `assembler` (not finished: the caller
// calls Finish()), counting lines in stats->input_records and skips in `skips`.
template <typename LineParser>
absl::StatusOr<TextLines> ImportTextLines(const std::string& input, const ImportOptions& options,
                                          LineParser& parser, EventAssembler& assembler,
                                          ImportStats* stats, SkipCounts* skips) {
  using Kind = FtraceLineParser::LineKind;
  ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(input));
  LineReader reader(std::move(file));
  TextLines lines;
  TraceRecord record;
  std::string_view line;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&line));
    if (!more) break;
    ++stats->input_records;
    if (options.progress && stats->input_records % kTextProgressEveryLines == 0) {
      options.progress(stats->input_records);
    }
    absl::Status error;
    switch (Kind kind = parser.Parse(line, &record); kind) {
      case Kind::kEvent:
        ++lines.event_lines;
        error = assembler.Add(record);
        if (!error.ok() && error.code() != absl::StatusCode::kInvalidArgument) return error;
        break;
      case Kind::kIgnored:
        break;
      case Kind::kLostEvents:
        skips->lost_events += parser.lost_events();
        break;
      case Kind::kUnknownEvent:
        ++lines.event_lines;
        skips->CountUnknown(parser.event_name());
        break;
      case Kind::kNonEvent:
        ++skips->non_event_line;
        break;
      case Kind::kMalformed:
        ++lines.event_lines;
        error = absl::InvalidArgumentError(
            absl::StrCat(AbslView(parser.event_name()), ": ", parser.error()));
        break;
    }
    if (!error.ok()) {
      if (!options.lenient) {
        return absl::InvalidArgumentError(absl::StrCat(reader.path(), ":", reader.line_number(),
                                                       ": malformed ", error.message(),
                                                       " (use --lenient to skip malformed lines)"));
      }
      ++skips->malformed;
    }
  }
  lines.path = reader.path();
  return lines;
}

// The header fields both text formats fill the same way after the assembler finished:
// source, clock (the flag's, else "local" marked assumed, unless the recorder's metadata set
// one), kernel version from the flag, page size, and at least `cpus` CPUs.
inline void FillTextHeader(const ImportOptions& options, const std::string& source, uint32_t cpus,
                           trace::TraceHeader* h) {
  h->set_source(source);
  if (h->clock().empty()) {
    h->set_clock(options.clock.empty() ? "local" : options.clock);
    if (options.clock.empty()) (*h->mutable_attributes())["clock_assumed"] = "true";
  }
  if (!options.kernel_version.empty()) h->set_kernel_version(options.kernel_version);
  if (h->page_size_bytes() == 0) h->set_page_size_bytes(4096);
  if (cpus > h->num_cpus()) h->set_num_cpus(cpus);
}

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_TEXT_LINE_IMPORT_H_
