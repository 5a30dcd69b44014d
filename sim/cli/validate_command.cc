// memsim validate: the timing model against the host it was calibrated on — the
// calibration's microbenchmark streams, and the kernel's own timestamps of compaction scans
// and migrations in recorded captures (docs/validation.md).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/cli/usage_error.h"
#include "sim/hw/core_timing.h"
#include "sim/hw/machine_loader.h"
#include "sim/memmap/builtin_models.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/validate/kernel_timing_reader.h"
#include "sim/validate/replay_predictor.h"
#include "sim/validate/stream_predictor.h"
#include "sim/validate/validation_report.h"

ABSL_DECLARE_FLAG(std::string, model);  // replay_command.cc
ABSL_FLAG(uint32_t, stream_lines, 1 << 16,
          "validate: cache lines per microbenchmark stream replayed (1..16777216).");
ABSL_FLAG(uint32_t, scan_blocks, 64,
          "validate: pageblocks of 512 pfns in the replayed scan prediction (1..4096).");
ABSL_FLAG(uint32_t, migrate_pages, 64,
          "validate: order-0 pages in the replayed migration prediction (1..65536).");

namespace memsim::cli {
namespace {

// One line on the machine's config::Timing.
std::string TimingLine(const config::Machine& m) {
  const config::Timing& t = m.timing();
  if (!m.has_timing() || !hw::CoreTiming::Enabled(t)) {
    return "none in the machine (the serial model: every access its full latency, one after "
           "another)";
  }
  return absl::StrFormat(
      "outstanding misses L1 %d / L2 %d, next-line prefetcher %s, L2 streamer %s (distance %d, "
      "queue %d), core bandwidth %.2f GB/s, %.2f cycles per scanned pfn, %.2f cycles per "
      "operation, %.2f cycles per migrated page, %.2f cycles per access",
      t.outstanding_l1_misses(), t.outstanding_l2_misses(), t.next_line_prefetcher() ? "on" : "off",
      t.l2_streamer() ? "on" : "off", t.streamer_distance_lines(), t.streamer_queue_entries(),
      t.core_dram_bandwidth_bytes_per_s() / 1e9, t.cycles_per_scanned_pfn(),
      t.cycles_per_operation(), t.cycles_per_migrated_page(), t.cycles_per_access());
}

absl::Status CheckRange(const char* flag, uint32_t value, uint32_t max) {
  if (value >= 1 && value <= max) return absl::OkStatus();
  return UsageError(absl::StrCat("--", flag, "=", value, " is outside 1..", max));
}

absl::Status RunValidate(const std::vector<std::string>& args) {
  const std::string machine_path = absl::GetFlag(FLAGS_machine);
  if (machine_path.empty()) {
    return UsageError("--machine is required (a calibrated host, `memsim machine calibrate`)");
  }
  const uint32_t lines = absl::GetFlag(FLAGS_stream_lines);
  const uint32_t blocks = absl::GetFlag(FLAGS_scan_blocks);
  const uint32_t pages = absl::GetFlag(FLAGS_migrate_pages);
  RETURN_IF_ERROR(CheckRange("stream_lines", lines, 1 << 24));
  RETURN_IF_ERROR(CheckRange("scan_blocks", blocks, 4096));
  RETURN_IF_ERROR(CheckRange("migrate_pages", pages, 65536));
  const std::string spec =
      absl::GetFlag(FLAGS_model).empty() ? "page64" : absl::GetFlag(FLAGS_model);
  ASSIGN_OR_RETURN(config::MemmapModelConfig model, ModelFromFlag(spec, memmap::BuiltinModels()));
  const std::string out = absl::GetFlag(FLAGS_o);
  std::vector<std::string> inputs = args;
  inputs.push_back(machine_path);
  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(out, inputs)));

  ASSIGN_OR_RETURN(config::Machine machine, hw::LoadMachine(machine_path));
  validate::ValidationReport report;
  report.machine_name = machine.name();
  report.machine_path = machine_path;
  report.timing = TimingLine(machine);
  // Captures first: a bad capture is reported before the replays run.
  for (const std::string& path : args) {
    ASSIGN_OR_RETURN(validate::KernelTimings t, validate::KernelTimingReader::ReadFile(path));
    report.captures.push_back(validate::CaptureTiming::From(t));
  }
  validate::StreamPredictor::Options stream_options;
  stream_options.lines = lines;
  ASSIGN_OR_RETURN(report.streams, validate::StreamPredictor::Predict(machine, stream_options));
  const char* tmpdir = std::getenv("TMPDIR");
  const validate::ReplayPredictor predictor(machine, model,
                                            tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
  ASSIGN_OR_RETURN(report.scan, predictor.PredictScan(blocks));
  ASSIGN_OR_RETURN(report.migration, predictor.PredictMigration(pages));
  const std::string text = absl::GetFlag(FLAGS_json) ? validate::FormatValidationJson(report)
                                                     : validate::FormatValidationText(report);
  if (out.empty()) return WriteStdout(text);
  OutputOptions options;
  options.inputs = inputs;
  return WriteFileAtomically(out, text, options);
}

}  // namespace

Command ValidateCommand() {
  return Command{
      "validate",
      "Check the timing model against calibration streams and the kernel's own timestamps",
      "memsim validate --machine MACHINE [CAPTURE.ftrace ...] [--model page64] [--json] "
      "[-o OUT]",
      "Replays on MACHINE (a config written by `memsim machine calibrate`) the four access\n"
      "streams the calibration measured (sequential 64-B lines, 8-B words, independent random\n"
      "lines, a dependent chase; --stream_lines lines each, cold caches) and prints the\n"
      "predicted ns per line next to the measured figure of the machine's `calibration`\n"
      "(goal: within +-20 %). Then replays one compaction migrate scan of --scan_blocks\n"
      "pageblocks of in-use pages and --migrate_pages single-page migrations with the memmap\n"
      "model (--model, default page64), and sets them against each CAPTURE: ftrace text\n"
      "(trace_pipe, or `trace-cmd report -t` for ns timestamps; plain or zstd) recorded with\n"
      "tools/record. From a capture it takes the time between consecutive\n"
      "mm_compaction_isolate_migratepages events with nr_taken=0 of one task on one CPU\n"
      "inside a compaction run (one pageblock's scan) and each mm_migrate_pages_start ->\n"
      "mm_migrate_pages duration per migrated page, and prints p10, p50, p90 and mean of\n"
      "recorded and predicted ns per pfn and per page, and predicted / recorded at p50 (goal\n"
      "for the scan: within 1.5x). --json writes the same as JSON; -o writes to a file.\n"
      "docs/validation.md explains the method and what the figures mean.",
      {"machine", "model", "json", "o", "stream_lines", "scan_blocks", "migrate_pages"},
      RunValidate};
}

}  // namespace memsim::cli
