// memsim replay: one trace, one machine, one memmap model -> one result.
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/cli/usage_error.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/replay/access_dump_writer.h"
#include "sim/replay/result_builder.h"
#include "sim/report/result_format.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

ABSL_FLAG(std::string, model, "",
          absl::StrCat("Memmap model (replay): a registered name (",
                       absl::StrJoin(memsim::memmap::BuiltinModels().names(), ", "),
                       ") or a model config file such as "
                       "configs/models/memdesc-cpu-node.textproto."));
ABSL_FLAG(std::string, csv, "", "Also write the result as a CSV header + row to this file.");
ABSL_FLAG(std::string, dump_accesses, "",
          "Also write every simulated metadata access to this file (replay): Dinero IV din "
          "or CSV, by the name's suffix (.din, .csv) or --dump_format (docs/replay.md).");
ABSL_FLAG(std::string, undescribed, "extrapolate",
          "How whole-machine overhead counts memory the trace never described (no snapshot "
          "run, no event): extrapolate (it holds what described memory holds per page) or "
          "free (no descriptor, as free memory). docs/results.md, \"overhead\".");
ABSL_FLAG(bool, allow_out_of_range, false,
          "Drop events whose pfn lies outside the machine (counted in the result) instead of "
          "failing.");
ABSL_FLAG(std::string, dump_format, "",
          "Format of --dump_accesses: din or csv (default: from its suffix).");

namespace memsim::cli {

namespace {

absl::Status RunReplay(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError(
        absl::StrCat("unexpected argument '", args[0], "' (replay takes only flags; see --help)"));
  }
  ASSIGN_OR_RETURN(const replay::UndescribedRule rule,
                   AsUsageError(replay::ParseUndescribedRule(absl::GetFlag(FLAGS_undescribed))));
  const memmap::ModelRegistry& models = memmap::BuiltinModels();
  ASSIGN_OR_RETURN(replay::ReplayJob job, JobFromFlags());
  const std::string spec = absl::GetFlag(FLAGS_model);
  if (spec.empty()) return UsageError("--model is required");
  ASSIGN_OR_RETURN(job.model, ModelFromFlag(spec, models));
  const std::string out = absl::GetFlag(FLAGS_out);
  const std::string csv = absl::GetFlag(FLAGS_csv);
  const OutputOptions inputs{{job.trace_path, job.machine_path, spec}};
  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(out, inputs.inputs)));
  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(csv, inputs.inputs)));
  const std::string dump = absl::GetFlag(FLAGS_dump_accesses);
  const std::string dump_format = absl::GetFlag(FLAGS_dump_format);
  std::unique_ptr<replay::AccessDumpWriter> dump_writer;
  if (!dump_format.empty() && dump.empty()) {
    return UsageError("--dump_format needs --dump_accesses");
  }
  if (!dump.empty()) {
    RETURN_IF_ERROR(AsUsageError(RefuseIfInput(dump, inputs.inputs)));
    const auto is_stdout = [](const std::string& p) {
      return p.empty() || p == "-" || p == "/dev/stdout";
    };
    if (is_stdout(dump) && is_stdout(out)) {
      return UsageError("--dump_accesses and the result both go to stdout: give --out=FILE");
    }
    ASSIGN_OR_RETURN(replay::DumpFormat format,
                     AsUsageError(replay::AccessDumpWriter::FormatFor(dump, dump_format)));
    ASSIGN_OR_RETURN(dump_writer, replay::AccessDumpWriter::Create(
                                      dump, format, job.machine.line_bytes(), inputs));
    job.options.access_sink = dump_writer.get();
  }
  job.options.progress = ProgressPrinter(spec);
  ASSIGN_OR_RETURN(CopierHolder copier,
                   CopierHolder::Create(job.machine, absl::GetFlag(FLAGS_simgrid)));
  ASSIGN_OR_RETURN(result::Result r, replay::RunReplayJob(job, models, copier.get()));
  ProgressDone();
  replay::ApplyUndescribedRule(rule, &r);
  RETURN_IF_ERROR(CheckOutOfRange(r, absl::GetFlag(FLAGS_allow_out_of_range), "replay"));
  if (dump_writer != nullptr) RETURN_IF_ERROR(dump_writer->Finish());
  ASSIGN_OR_RETURN(std::string json, report::ResultToJson(r));
  if (out.empty() || out == "-") {
    RETURN_IF_ERROR(WriteStdout(json));
  } else {
    RETURN_IF_ERROR(WriteFileAtomically(out, json, inputs));
  }
  if (!csv.empty())
    RETURN_IF_ERROR(WriteFileAtomically(csv, report::CsvHeader() + report::CsvRow(r), inputs));
  std::fprintf(stderr, "replay: %s events in %.2f s (%.2f M events/s), simulated %.3f ms\n",
               absl::StrCat(r.num_events()).c_str(), r.run().wall_seconds(),
               r.run().events_per_second() / 1e6, r.simulated_time_ns() / 1e6);
  PrintMigrationCoverage(r);
  for (const std::string& w : r.warnings())
    std::fprintf(stderr, "replay: warning: %s\n", w.c_str());
  return absl::OkStatus();
}

}  // namespace

Command ReplayCommand() {
  return Command{
      "replay",
      "Replay a trace on a machine with one memmap model; write the result as JSON.",
      "memsim replay --trace=T.mtrace --machine=M --model=NAME|CONFIG [--out=R.json] [--csv=R.csv] "
      "[--dump-accesses=A.din|A.csv]",
      "Streams the trace, rebuilds physical memory, asks the model for each operation's\n"
      "metadata accesses and runs them through the machine's caches, DRAM and interconnect.\n"
      "The result (overhead, per-event-kind latency percentiles, cache misses, local/remote\n"
      "DRAM, coherence transfers, interconnect bytes, inconsistencies) is written as JSON with\n"
      "proto field names (docs/results.md), to stdout without --out. --dump-accesses writes\n"
      "the metadata access stream for Dinero IV (din) or as CSV (docs/replay.md).",
      {"trace", "machine", "model", "out", "csv", "dump_accesses", "dump_format", "placement",
       "pfn_mapping", "cpu_mapping", "back_to_back", "simgrid", "quantum_ns", "undescribed",
       "allow_out_of_range"},
      RunReplay};
}

}  // namespace memsim::cli
