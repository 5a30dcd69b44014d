// memsim sweep: many replays along the axes of a sweep spec, locally in parallel workers
// or as a Slurm job array, gathered into one results table (docs/sweeps.md).
#include <algorithm>

#include "absl/flags/flag.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/cli/usage_error.h"
#include "sim/memmap/builtin_models.h"
#include "sim/sweep/sweep_runner.h"

ABSL_FLAG(int32_t, jobs, 0,
          "sweep: worker processes run at once, each replaying a batch of points; 0 means one "
          "per CPU.");
ABSL_FLAG(bool, slurm, false,
          "sweep: prepare DIR and submit the points as a Slurm job array (sbatch) instead of "
          "running them here; gather the table afterwards with --collect.");
ABSL_FLAG(std::string, sbatch, "sbatch", "sweep --slurm: the sbatch program.");
ABSL_FLAG(std::string, sbatch_args, "",
          "sweep --slurm: extra sbatch options, space-separated (e.g. \"--partition=big\").");
ABSL_FLAG(int32_t, slurm_batch, 1, "sweep --slurm: points per array task.");
ABSL_FLAG(bool, collect, false,
          "sweep: build the results table of DIR from its finished points (after --slurm).");
ABSL_FLAG(bool, retry_failed, false,
          "sweep: run failed points again instead of keeping their errors.");
ABSL_FLAG(int32_t, run_point, -1, "sweep (internal): run point N of the sweep in DIR.");
ABSL_FLAG(int32_t, run_task, -1,
          "sweep (internal, Slurm array task): run the points of task N (--slurm_batch per task).");

namespace memsim::cli {
namespace {

absl::Status RunSweep(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError(
        "expected one argument: the sweep spec (or, with --collect, --run_point or --run_task, "
        "the sweep directory)");
  }
  sweep::SweepRunner::Options o;
  o.jobs = absl::GetFlag(FLAGS_jobs);
  o.retry_failed = absl::GetFlag(FLAGS_retry_failed);
  o.slurm = absl::GetFlag(FLAGS_slurm);
  o.slurm_options.sbatch = absl::GetFlag(FLAGS_sbatch);
  o.slurm_options.sbatch_args = absl::GetFlag(FLAGS_sbatch_args);
  o.slurm_options.batch = absl::GetFlag(FLAGS_slurm_batch);
  const Command gen = GenCommand(), import = ImportCommand();
  o.flag_ok = [gen, import](const std::string& command, const std::string& flag) {
    const std::vector<std::string>& flags = command == "gen" ? gen.flags : import.flags;
    return flag != "o" && std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  o.progress_line = ProgressLine;
  o.progress_done = ProgressDone;
  if (absl::GetFlag(FLAGS_plot)) {
    o.draw_plots = [](const std::string& dir) { return RunPlotTool("sweep", dir); };
  }
  const int run_point = absl::GetFlag(FLAGS_run_point);
  const int run_task = absl::GetFlag(FLAGS_run_task);
  if ((o.slurm || run_task >= 0) && o.slurm_options.batch < 1) {
    return UsageError("--slurm_batch must be >= 1");
  }
  sweep::SweepRunner runner(memmap::BuiltinModels(), std::move(o));
  if (run_point >= 0) return runner.RunPoint(args[0], static_cast<uint32_t>(run_point));
  if (run_task >= 0) return runner.RunTask(args[0], static_cast<uint32_t>(run_task));
  if (absl::GetFlag(FLAGS_collect)) return runner.Collect(args[0]);
  const std::string dir = absl::GetFlag(FLAGS_out);
  if (dir.empty()) return UsageError("--out=DIR is required");
  return runner.Run(args[0], dir);
}

}  // namespace

Command SweepCommand() {
  return Command{
      "sweep",
      "Run a sweep spec's points in parallel (or on Slurm) and write one results table.",
      "memsim sweep SPEC.textproto --out=DIR [--jobs=N] [--slurm] | memsim sweep --collect DIR",
      "Expands the spec (proto/config.proto SweepSpec; examples in configs/sweeps/) into\n"
      "points, one per combination of axis values, and replays them in forked worker\n"
      "processes, --jobs at a time (a crash takes down only its worker; docs/sweeps.md).\n"
      "Each point's result is written atomically to DIR/points/; a killed\n"
      "sweep, run again with the same spec and --out, skips finished points. A failed point\n"
      "is recorded with its error and the sweep goes on. At the end DIR/results.csv and\n"
      "DIR/results.jsonl hold one row per point (axes, then metrics; docs/sweeps.md) and the\n"
      "spec's plots are drawn by tools/plot. With --slurm, the points are submitted as a job\n"
      "array instead; `memsim sweep --collect DIR` gathers the table when they are done.",
      {"out", "jobs", "slurm", "sbatch", "sbatch_args", "slurm_batch", "collect", "retry_failed",
       "run_point", "run_task", "plot", "plot_tool"},
      RunSweep};
}

}  // namespace memsim::cli
