// `memsim import`: converts a recorded Linux trace (ftrace text, trace-cmd .dat) or a
// /proc/kpageflags dump into an .mtrace file, optionally with a kpageflags snapshot as the
// initial state of an event trace. The importers live in sim/trace/import/.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/huge_page_heap.h"
#include "sim/cli/usage_error.h"
#include "sim/report/result_format.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/import/recording_metadata.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/util/version.h"

ABSL_FLAG(std::string, from, "", "Input format: the name of a registered importer (listed above).");
ABSL_FLAG(std::string, snapshot, "",
          "A /proc/kpageflags dump taken when the recording started: stored as the trace's "
          "initial state, before the events.");
ABSL_FLAG(bool, lenient, false,
          "Count and skip malformed lines/records of known events instead of failing.");
ABSL_FLAG(int32_t, max_physmem_bits, 46,
          "MAX_PHYSMEM_BITS of the recorded x86-64 machine (46: 4-level paging, 52: 5-level); "
          "decides where the pfn ends in a migration entry.");
ABSL_FLAG(std::string, trace_clock, "",
          "Trace clock to record when the input does not say (ftrace text); default local.");
ABSL_FLAG(std::string, kernel_version, "",
          "Kernel release (`uname -r`) of the recorded machine, when the input does not say.");
ABSL_FLAG(std::string, metadata, "",
          "The recorder's metadata file (tools/record metadata.txt). import: its facts go into "
          "the trace header (default: found beside INPUT: INPUT.meta, STEM.metadata.txt, "
          "metadata.txt); machine import-hwloc: the nodes span its nodeN_pfn_range.");
ABSL_FLAG(bool, no_metadata, false, "Do not read the recorder's metadata.");

namespace memsim::cli {

namespace {

std::string ProducedBy(const std::string& input) {
  std::string s = absl::StrCat("memsim import --from=", absl::GetFlag(FLAGS_from));
  if (!absl::GetFlag(FLAGS_snapshot).empty()) {
    absl::StrAppend(&s, " --snapshot=", absl::GetFlag(FLAGS_snapshot));
  }
  if (absl::GetFlag(FLAGS_lenient)) absl::StrAppend(&s, " --lenient");
  if (absl::GetFlag(FLAGS_max_physmem_bits) != 46) {
    absl::StrAppend(&s, " --max_physmem_bits=", absl::GetFlag(FLAGS_max_physmem_bits));
  }
  if (!absl::GetFlag(FLAGS_trace_clock).empty()) {
    absl::StrAppend(&s, " --trace_clock=", absl::GetFlag(FLAGS_trace_clock));
  }
  if (!absl::GetFlag(FLAGS_kernel_version).empty()) {
    absl::StrAppend(&s, " --kernel_version=", absl::GetFlag(FLAGS_kernel_version));
  }
  if (!absl::GetFlag(FLAGS_metadata).empty()) {
    absl::StrAppend(&s, " --metadata=", absl::GetFlag(FLAGS_metadata));
  }
  if (absl::GetFlag(FLAGS_no_metadata)) absl::StrAppend(&s, " --no-metadata");
  absl::StrAppend(&s, " ", input, " -o ", absl::GetFlag(FLAGS_o));
  return s;
}

void PrintSummary(const std::string& what, const std::string& input, const ImportStats& stats,
                  double seconds) {
  std::fprintf(stderr, "%s %s: %llu %s read", what.c_str(), input.c_str(),
               static_cast<unsigned long long>(stats.input_records),
               what == "kpageflags" ? "pages" : "lines/records");
  if (seconds > 0) {
    std::fprintf(stderr, " in %.2f s (%.2f M/s)", seconds, stats.input_records / seconds / 1e6);
  }
  std::fprintf(stderr, "\n");
  if (!stats.events_by_kind.empty()) {
    std::vector<std::string> kinds;
    for (const auto& [k, n] : stats.events_by_kind) kinds.push_back(absl::StrCat(k, " ", n));
    std::fprintf(stderr, "  events: %llu (%s)\n",
                 static_cast<unsigned long long>(stats.events_written),
                 absl::StrJoin(kinds, ", ").c_str());
  }
  std::vector<std::string> skipped, other;
  for (const auto& [key, n] : stats.counters) {
    if (n == 0 || key == "input_records" || key == "skipped") continue;
    if (key.rfind("skipped_", 0) == 0) {
      skipped.push_back(absl::StrCat(key.substr(8), " ", n));
    } else if (key.rfind("unknown_event.", 0) != 0) {
      other.push_back(absl::StrCat(key, " ", n));
    }
  }
  auto it = stats.counters.find("skipped");
  if (it != stats.counters.end()) {
    std::fprintf(stderr, "  skipped: %llu%s%s%s\n", static_cast<unsigned long long>(it->second),
                 skipped.empty() ? "" : " (", absl::StrJoin(skipped, ", ").c_str(),
                 skipped.empty() ? "" : ")");
  }
  if (!other.empty()) std::fprintf(stderr, "  %s\n", absl::StrJoin(other, ", ").c_str());
  auto counter = [&](const char* key) {
    auto c = stats.counters.find(key);
    return c == stats.counters.end() ? uint64_t{0} : c->second;
  };
  const uint64_t modelled = counter("migrated_pages_modelled");
  const uint64_t reported = counter("migrated_pages_reported");
  if (const std::string line = report::MigrationCoverageLine(modelled, reported); !line.empty()) {
    std::fprintf(stderr, "  %s, %llu inferred\n", line.c_str(),
                 static_cast<unsigned long long>(counter("migrated_pages_inferred")));
  }
  if (const std::string w = report::MigrationCoverageWarning(modelled, reported); !w.empty()) {
    std::fprintf(stderr, "%s\n", w.c_str());
  }
}

absl::Status RunImport(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError("expected exactly one INPUT file (see --help)");
  }
  const std::string& input = args[0];
  const std::string from = absl::GetFlag(FLAGS_from);
  const std::string out = absl::GetFlag(FLAGS_o);
  const std::string snapshot = absl::GetFlag(FLAGS_snapshot);
  if (out.empty()) return UsageError("-o OUT.mtrace is required");
  ReserveHugePageHeap(size_t{256} << 20);
  const ImporterRegistry& registry = BuiltinImporters();
  std::unique_ptr<Importer> importer = registry.Create(from);
  if (importer == nullptr) {
    std::vector<std::string> names;
    for (const auto& [name, desc] : registry.List()) names.push_back(name);
    return UsageError(
        absl::StrCat("--from must be one of ", absl::StrJoin(names, ", "), "; got '", from, "'"));
  }
  if (!snapshot.empty() && from == "kpageflags") {
    return UsageError("--snapshot goes with an event trace, not --from=kpageflags");
  }
  const int phys_bits = absl::GetFlag(FLAGS_max_physmem_bits);
  if (phys_bits < 36 || phys_bits > 52) {
    return UsageError(absl::StrCat("--max_physmem_bits must be in [36, 52]; got ", phys_bits));
  }

  const std::string metadata_flag = absl::GetFlag(FLAGS_metadata);
  const bool no_metadata = absl::GetFlag(FLAGS_no_metadata);
  if (no_metadata && !metadata_flag.empty()) {
    return UsageError("--metadata and --no-metadata exclude each other");
  }
  // The recorder's metadata goes into the header before the importers run, so what the
  // input itself says (a trace.dat's uname and clock) and explicit flags take precedence.
  std::optional<RecordingMetadata> metadata;
  if (!metadata_flag.empty()) {
    ASSIGN_OR_RETURN(RecordingMetadata m, RecordingMetadata::Read(metadata_flag));
    metadata = std::move(m);
  } else if (!no_metadata) {
    std::string skipped;
    ASSIGN_OR_RETURN(metadata, RecordingMetadata::FindBeside(input, &skipped));
    if (!skipped.empty()) {
      std::fprintf(stderr, "import: not using %s: its trace_file= names another file\n",
                   skipped.c_str());
    }
  }

  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(out, {input, snapshot, metadata_flag})));
  ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> writer, TraceWriter::Create(out));
  writer->mutable_header()->set_produced_by(ProducedBy(input));
  writer->mutable_header()->set_memsim_version(std::string(MemsimVersion()));
  if (metadata.has_value()) {
    metadata->ApplyTo(writer->mutable_header(), !absl::GetFlag(FLAGS_trace_clock).empty());
    std::fprintf(stderr, "import: recorder metadata from %s\n", metadata->path().c_str());
  }

  ImportOptions options;
  options.lenient = absl::GetFlag(FLAGS_lenient);
  options.max_physmem_bits = phys_bits;
  options.clock = absl::GetFlag(FLAGS_trace_clock);
  options.kernel_version = absl::GetFlag(FLAGS_kernel_version);

  if (!snapshot.empty()) {
    // The snapshot runs must precede every event in the file, so this importer goes first.
    std::unique_ptr<Importer> snap = registry.Create("kpageflags");
    if (snap == nullptr) return absl::InternalError("no kpageflags importer registered");
    ImportStats snap_stats;
    auto start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(snap->Import(snapshot, options, writer.get(), &snap_stats));
    PrintSummary("kpageflags", snapshot, snap_stats,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    (*writer->mutable_header()->mutable_attributes())["snapshot"] = snapshot;
  }

  auto start = std::chrono::steady_clock::now();
  options.progress = [start](uint64_t records) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ProgressLine(absl::StrFormat("import: %.1f M lines/records, %.2f M/s", records / 1e6,
                                 s > 0 ? records / s / 1e6 : 0.0));
  };
  ImportStats stats;
  RETURN_IF_ERROR(importer->Import(input, options, writer.get(), &stats));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RETURN_IF_ERROR(writer->Finish());
  ProgressDone();
  PrintSummary(from, input, stats, seconds);
  const trace::TraceHeader& header = writer->header();
  if (header.truncated()) {
    std::fprintf(stderr,
                 "  warning: the recorder says the capture is truncated (it stopped at its size "
                 "bound or was interrupted): the trace ends early\n");
  }
  if (header.lost_events() > 0) {
    std::fprintf(stderr, "  warning: the recorder says the kernel lost %llu events\n",
                 static_cast<unsigned long long>(header.lost_events()));
  }
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(out, ec);
  if (!ec) {
    std::fprintf(stderr, "  wrote %s: %ju bytes (%.1f bytes/event)\n", out.c_str(), size,
                 writer->num_events() > 0 ? static_cast<double>(size) / writer->num_events() : 0.0);
  }
  return absl::OkStatus();
}

}  // namespace

Command ImportCommand() {
  // The registry is the only list of importers: usage and help are made from it.
  std::vector<std::string> names;
  std::string formats;
  for (const auto& [name, description] : BuiltinImporters().List()) {
    names.push_back(name);
    absl::StrAppend(&formats, "  ", name, ":",
                    std::string(name.size() < 11 ? 11 - name.size() : 1, ' '), description, "\n");
  }
  return Command{
      "import",
      absl::StrCat("Convert a recorded Linux trace (", absl::StrJoin(names, ", "),
                   ") into .mtrace"),
      absl::StrCat("memsim import --from=", absl::StrJoin(names, "|"),
                   " INPUT -o OUT.mtrace [--snapshot KPAGEFLAGS] [--lenient] [--metadata F | "
                   "--no-metadata]"),
      absl::StrCat(
          "INPUT may be plain or zstd-compressed (detected by its magic number).\n", formats,
          "Imported tracepoints: kmem:mm_page_alloc, mm_page_free, mm_page_free_batched,\n"
          "exceptions:page_fault_user, migrate:* and compaction:* (docs/trace-import.md).\n"
          "Other events are counted and skipped. A malformed line of a known event is an\n"
          "error naming the file and line, unless --lenient. A summary goes to stderr; the\n"
          "counters are stored in the trace footer (`memsim inspect` shows them).\n"
          "The recorder's metadata.txt beside INPUT (kernel, host, nodes, zones, clock,\n"
          "truncation, lost events) goes into the trace header (--metadata, --no-metadata)."),
      {"from", "o", "snapshot", "lenient", "max_physmem_bits", "trace_clock", "kernel_version",
       "metadata", "no_metadata"},
      RunImport};
}

}  // namespace memsim::cli
