// memsim compare: the same trace on the same machine with several memmap models, side by side.
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/cli/usage_error.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/replay/result_builder.h"
#include "sim/report/result_format.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace {
// Every registered model but `transition`: without a preset config it is page64 again, so by
// default it would print a duplicate column. Presets are named by file
// (configs/models/page64-ptdesc-separate.textproto, ...).
std::string DefaultModels() {
  std::vector<std::string> names;
  for (const std::string& n : memsim::memmap::BuiltinModels().names()) {
    if (n != "transition") names.push_back(n);
  }
  return absl::StrJoin(names, ",");
}
}  // namespace

ABSL_FLAG(std::string, models, DefaultModels(),
          "Comma-separated models to compare (names or config files); the first is the baseline.");
ABSL_DECLARE_FLAG(std::string, undescribed);  // replay_command.cc
ABSL_DECLARE_FLAG(bool, allow_out_of_range);  // replay_command.cc

namespace memsim::cli {

namespace {

std::string SafeName(std::string s) {
  for (char& c : s) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return s;
}

absl::Status RunCompare(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError(absl::StrCat("unexpected argument '", args[0], "'"));
  }
  ASSIGN_OR_RETURN(const replay::UndescribedRule rule,
                   AsUsageError(replay::ParseUndescribedRule(absl::GetFlag(FLAGS_undescribed))));
  const memmap::ModelRegistry& models = memmap::BuiltinModels();
  ASSIGN_OR_RETURN(replay::ReplayJob job, JobFromFlags());
  std::vector<std::string> specs =
      absl::StrSplit(absl::GetFlag(FLAGS_models), ',', absl::SkipEmpty());
  if (specs.empty()) return UsageError("--models names no model");
  std::vector<config::MemmapModelConfig> configs;
  for (const std::string& s : specs) {
    ASSIGN_OR_RETURN(config::MemmapModelConfig c, ModelFromFlag(s, models));
    configs.push_back(c);
  }
  const std::string dir = absl::GetFlag(FLAGS_out);
  const OutputOptions inputs{{job.trace_path, job.machine_path}};
  if (!dir.empty()) {
    mkdir(dir.c_str(), 0755);
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return UsageError(absl::StrCat("--out ", dir, " is not a directory"));
    }
  }
  ASSIGN_OR_RETURN(CopierHolder copier,
                   CopierHolder::Create(job.machine, absl::GetFlag(FLAGS_simgrid)));
  std::vector<result::Result> results;
  std::string csv = report::CsvHeader();
  std::vector<std::string> warned;
  for (size_t i = 0; i < configs.size(); ++i) {
    job.model = configs[i];
    job.options.progress = ProgressPrinter(specs[i]);
    ASSIGN_OR_RETURN(result::Result r, replay::RunReplayJob(job, models, copier.get()));
    ProgressDone();
    replay::ApplyUndescribedRule(rule, &r);
    if (i == 0) {  // every model of one trace maps the same pfns
      RETURN_IF_ERROR(CheckOutOfRange(r, absl::GetFlag(FLAGS_allow_out_of_range), "compare"));
    }
    std::fprintf(stderr, "compare: %-12s %s events, %.2f s (%.2f M events/s)\n",
                 r.run().model_label().c_str(), absl::StrCat(r.num_events()).c_str(),
                 r.run().wall_seconds(), r.run().events_per_second() / 1e6);
    // Warnings once: every model of one trace has the same coverage.
    for (const std::string& w : r.warnings()) {
      if (std::find(warned.begin(), warned.end(), w) != warned.end()) continue;
      std::fprintf(stderr, "compare: warning: %s\n", w.c_str());
      warned.push_back(w);
    }
    csv += report::CsvRow(r);
    if (!dir.empty()) {
      ASSIGN_OR_RETURN(std::string json, report::ResultToJson(r));
      RETURN_IF_ERROR(WriteFileAtomically(
          absl::StrCat(dir, "/", i, "-", SafeName(r.run().model_label()), ".json"), json, inputs));
    }
    results.push_back(std::move(r));
  }
  const std::string table = absl::StrCat("trace ", job.trace_path, " on ", job.machine.name(),
                                         "\n\n", report::CompareTable(results));
  RETURN_IF_ERROR(WriteStdout(table));
  if (!results.empty()) PrintMigrationCoverage(results[0], /*line=*/false);
  if (dir.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/results.csv", csv, inputs));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/compare.txt", table, inputs));
  if (absl::GetFlag(FLAGS_plot)) RETURN_IF_ERROR(RunPlotTool("compare", dir));
  return absl::OkStatus();
}

}  // namespace

Command CompareCommand() {
  return Command{
      "compare",
      "Replay one trace with several memmap models and print them side by side.",
      "memsim compare --trace=T.mtrace --machine=M [--models=page64,memdesc,...] [--out=DIR]",
      "Runs each model on the same trace and machine (one process, one SimGrid platform) and\n"
      "prints a table: overhead (of the memory the trace described, per owner type, then of\n"
      "the whole machine under --undescribed), cache misses and per-event latencies for each\n"
      "model, with the relative difference to the first, and events modelled vs dropped and\n"
      "contradictions under it (docs/results.md); warnings past 10 % go to stderr. With --out, "
      "writes DIR/<i>-<model>.json (one result\n"
      "each), DIR/results.csv, DIR/compare.txt and the plots (PNG and SVG) by tools/plot.",
      {"trace", "machine", "models", "out", "placement", "pfn_mapping", "cpu_mapping",
       "back_to_back", "simgrid", "quantum_ns", "plot", "plot_tool", "undescribed",
       "allow_out_of_range"},
      RunCompare};
}

}  // namespace memsim::cli
