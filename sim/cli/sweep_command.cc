// memsim sweep: many replays along the axes of a sweep spec, locally in parallel processes
// or as a Slurm job array, gathered into one results table (docs/sweeps.md).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/memmap/builtin_models.h"
#include "sim/replay/trace_mapping.h"
#include "sim/report/result_format.h"
#include "sim/sweep/process_pool.h"
#include "sim/sweep/sweep_spec.h"
#include "sim/sweep/sweep_table.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/util/text_proto.h"

ABSL_FLAG(int32_t, jobs, 0,
          "sweep: points run at once, each in its own process; 0 means one per CPU.");
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

const char kManifest[] = "manifest.textproto";

std::string ManifestPath(const std::string& dir) { return dir + "/" + kManifest; }

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::InvalidArgumentError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<config::SweepManifest> ReadManifest(const std::string& dir) {
  config::SweepManifest m;
  absl::Status s = ReadTextProto(ManifestPath(dir), m);
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat(s.message(), " (is ", dir, " the --out directory of a sweep?)"));
  }
  return m;
}

std::string ManifestText(const config::SweepManifest& m) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  return text;
}

// Expands the spec and writes DIR/manifest.textproto, or checks that DIR already holds
// exactly this sweep (a re-run resumes it).
absl::StatusOr<config::SweepManifest> PrepareSweep(const std::string& spec_path,
                                                   const std::string& dir) {
  memmap::ModelRegistry models;
  memmap::RegisterBuiltinModels(models);
  ASSIGN_OR_RETURN(config::SweepSpec spec, sweep::LoadSweepSpec(spec_path));
  const Command gen = GenCommand(), import = ImportCommand();
  auto flag_ok = [&](const std::string& command, const std::string& flag) {
    const std::vector<std::string>& flags = command == "gen" ? gen.flags : import.flags;
    return flag != "o" && std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  absl::Status valid = sweep::ValidateSweepSpec(spec, report::MetricNames(), flag_ok);
  if (!valid.ok())
    return absl::Status(valid.code(), absl::StrCat(spec_path, ": ", valid.message()));
  ASSIGN_OR_RETURN(config::SweepManifest manifest,
                   sweep::ExpandSweep(spec, spec_path, dir, models));
  RETURN_IF_ERROR(MakeDirs(dir + "/points"));
  RETURN_IF_ERROR(MakeDirs(dir + "/logs"));
  const std::string text = ManifestText(manifest);
  absl::StatusOr<std::string> old_text = ReadFileToString(ManifestPath(dir));
  if (old_text.ok()) {
    // Resuming: the points must be the same. The rest of the spec (description, labels,
    // plots) may have changed: the table and plots are rebuilt from the new one.
    config::SweepManifest old;
    RETURN_IF_ERROR(ParseTextProto(*old_text, ManifestPath(dir), old));
    config::SweepManifest old_points, new_points;
    *old_points.mutable_point() = old.point();
    *new_points.mutable_point() = manifest.point();
    if (ManifestText(old_points) != ManifestText(new_points)) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " holds a different sweep (the points in its ", kManifest,
          " differ from this spec's; relative paths count, so run from the same directory): "
          "use another --out, or delete ",
          dir));
    }
    if (*old_text == text) return manifest;
  }
  RETURN_IF_ERROR(WriteFileAtomically(ManifestPath(dir), text));
  return manifest;
}

absl::Status RecordFailure(const std::string& dir, uint32_t index, const std::string& error) {
  return WriteFileAtomically(sweep::PointErrorPath(dir, index), error + "\n");
}

// The last non-empty line of a log, to quote in an error.
std::string LastLine(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return "";
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(absl::StripAsciiWhitespace(lines.back()));
}

std::string FormatSeconds(double s) {
  if (s < 90) return absl::StrFormat("%.0f s", s);
  if (s < 5400) return absl::StrFormat("%.0f min", s / 60);
  return absl::StrFormat("%.1f h", s / 3600);
}

// Generates the sweep's synthetic traces that do not exist yet (in parallel); a point whose
// trace cannot be generated is recorded as failed.
absl::Status MakeTraces(const config::SweepManifest& manifest, const std::string& dir,
                        const std::string& self, int jobs) {
  std::vector<sweep::ProcessTask> tasks;
  std::vector<std::string> outputs;
  for (const config::SweepPoint& p : manifest.point()) {
    if ((!p.has_gen() && !p.has_capture()) || !p.error().empty()) continue;
    if (std::find(outputs.begin(), outputs.end(), p.trace()) != outputs.end()) continue;
    outputs.push_back(p.trace());
    struct stat st {};
    if (stat(p.trace().c_str(), &st) == 0) continue;
    sweep::ProcessTask t;
    const google::protobuf::Map<std::string, std::string>* extra;
    if (p.has_gen()) {
      t.argv = {self, "gen", absl::StrCat("--workload=", p.gen().workload())};
      extra = &p.gen().flags();
    } else {
      t.argv = {self, "import", absl::StrCat("--from=", p.capture().from()), p.capture().input()};
      if (!p.capture().snapshot().empty()) {
        t.argv.push_back(absl::StrCat("--snapshot=", p.capture().snapshot()));
      }
      extra = &p.capture().flags();
    }
    std::vector<std::pair<std::string, std::string>> flags(extra->begin(), extra->end());
    std::sort(flags.begin(), flags.end());
    for (const auto& [k, v] : flags) t.argv.push_back(absl::StrCat("--", k, "=", v));
    t.argv.push_back(absl::StrCat("--o=", p.trace()));
    t.log_path =
        absl::StrCat(dir, "/logs/", std::filesystem::path(p.trace()).stem().string(), ".log");
    tasks.push_back(std::move(t));
  }
  if (tasks.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(MakeDirs(dir + "/traces"));
  std::fprintf(stderr, "sweep: making %zu trace(s) (memsim gen / import)\n", tasks.size());
  absl::Status status;
  RETURN_IF_ERROR(sweep::RunProcesses(tasks, jobs, [&](size_t i, const sweep::ProcessOutcome& o) {
    if (o.ok) return;
    const std::string trace = tasks[i].argv.back().substr(4);  // after "--o="
    const std::string error =
        absl::StrCat("making ", trace, ": memsim ", tasks[i].argv[1], " ", o.what, ": ",
                     LastLine(tasks[i].log_path), " (log ", tasks[i].log_path, ")");
    for (const config::SweepPoint& p : manifest.point()) {
      if (p.trace() == trace && status.ok()) status.Update(RecordFailure(dir, p.index(), error));
    }
  }));
  return status;
}

// Runs the given points, `jobs` at a time, each as `memsim sweep --run_point=I DIR`.
absl::Status RunPoints(const config::SweepManifest& manifest, const std::string& dir,
                       const std::string& self, const std::vector<uint32_t>& points, int jobs) {
  std::vector<sweep::ProcessTask> tasks;
  for (uint32_t i : points) {
    sweep::ProcessTask t;
    t.argv = {self, "sweep", absl::StrCat("--run_point=", i), dir};
    t.log_path = absl::StrFormat("%s/logs/point-%06u.log", dir, i);
    std::remove(t.log_path.c_str());
    tasks.push_back(std::move(t));
  }
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0, failed = 0;
  absl::Status status;
  const bool tty = isatty(STDERR_FILENO);
  RETURN_IF_ERROR(sweep::RunProcesses(tasks, jobs, [&](size_t k, const sweep::ProcessOutcome& o) {
    const uint32_t index = points[k];
    ++done;
    if (!o.ok) {
      ++failed;
      // The point writes its own error; a crash or a kill leaves that to us.
      if (sweep::StateOf(dir, index) == sweep::PointState::kPending) {
        status.Update(
            RecordFailure(dir, index,
                          absl::StrCat("point process ", o.what, ": ", LastLine(tasks[k].log_path),
                                       " (log ", tasks[k].log_path, ")")));
      }
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = s / done * (points.size() - done);
    const std::string line = absl::StrFormat(
        "sweep %s: %zu/%zu points run, %zu failed, %.1f s/point, ETA %s", manifest.spec().name(),
        done, points.size(), failed, s / done * jobs, FormatSeconds(eta));
    if (tty) {
      ProgressLine(line);
    } else {
      std::fprintf(stderr, "%s (point %u %s)\n", line.c_str(), index, o.ok ? "ok" : "failed");
    }
  }));
  ProgressDone();
  return status;
}

// Points in [first, end) without an outcome yet; points whose expansion failed get their
// error recorded. With `retry_failed`, failed points count as not run.
absl::StatusOr<std::vector<uint32_t>> PendingPoints(const config::SweepManifest& manifest,
                                                    const std::string& dir, bool retry_failed,
                                                    uint32_t first = 0, uint32_t end = UINT32_MAX) {
  std::vector<uint32_t> pending;
  for (const config::SweepPoint& p : manifest.point()) {
    if (p.index() < first || p.index() >= end) continue;
    if (retry_failed && sweep::StateOf(dir, p.index()) == sweep::PointState::kFailed) {
      std::remove(sweep::PointErrorPath(dir, p.index()).c_str());
    }
    if (sweep::StateOf(dir, p.index()) != sweep::PointState::kPending) continue;
    if (!p.error().empty()) {
      RETURN_IF_ERROR(RecordFailure(dir, p.index(), p.error()));
      continue;
    }
    pending.push_back(p.index());
  }
  return pending;
}

absl::Status WriteTable(const config::SweepManifest& manifest, const std::string& dir,
                        bool require_complete) {
  ASSIGN_OR_RETURN(sweep::SweepTable table, sweep::BuildSweepTable(manifest, dir));
  if (require_complete && !table.pending.empty()) {
    std::vector<uint32_t> head(table.pending.begin(),
                               table.pending.begin() + std::min<size_t>(10, table.pending.size()));
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": ", table.pending.size(), " of ", manifest.point_size(),
                     " points have not finished (", absl::StrJoin(head, ", "),
                     table.pending.size() > head.size() ? ", ..." : "", "); no table written"));
  }
  RETURN_IF_ERROR(sweep::WriteSweepTable(table, dir));
  RETURN_IF_ERROR(WriteStdout(
      absl::StrFormat("sweep %s: %u points ok, %u failed; table %s/results.csv (+ results.jsonl)\n",
                      manifest.spec().name(), table.ok, table.failed, dir)));
  if (table.failed > 0) {
    for (const config::SweepPoint& p : manifest.point()) {
      if (sweep::StateOf(dir, p.index()) != sweep::PointState::kFailed) continue;
      absl::StatusOr<std::string> e = ReadFileToString(sweep::PointErrorPath(dir, p.index()));
      RETURN_IF_ERROR(WriteStdout(
          absl::StrFormat("  first failure, point %u: %s", p.index(), e.ok() ? *e : "?\n")));
      break;
    }
  }
  return absl::OkStatus();
}

// One point, in this process: the replay whose result the table reads.
absl::Status RunOnePoint(const std::string& dir, uint32_t index) {
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadManifest(dir));
  if (index >= static_cast<uint32_t>(manifest.point_size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--run_point=", index, ": the sweep has ", manifest.point_size(), " points"));
  }
  const config::SweepPoint& p = manifest.point(index);
  auto run = [&]() -> absl::StatusOr<result::Result> {
    if (!p.error().empty()) return absl::InvalidArgumentError(p.error());
    memmap::ModelRegistry models;
    memmap::RegisterBuiltinModels(models);
    replay::ReplayJob job;
    job.trace_path = p.trace();
    job.machine_path = p.machine_path();
    job.machine = p.machine();
    job.model = p.model();
    const config::ReplaySettings& r = p.replay();
    ASSIGN_OR_RETURN(
        job.options.pfn_placement,
        replay::ParsePfnPlacement(r.pfn_mapping().empty() ? "proportional" : r.pfn_mapping()));
    ASSIGN_OR_RETURN(
        job.options.cpu_placement,
        replay::ParseCpuPlacement(r.cpu_mapping().empty() ? "spread" : r.cpu_mapping()));
    job.options.paced = !r.back_to_back();
    if (r.quantum_ns() != 0) job.options.quantum_ns = r.quantum_ns();
    ASSIGN_OR_RETURN(CopierHolder copier, CopierHolder::Create(job.machine, !r.no_simgrid()));
    return replay::RunReplayJob(job, models, copier.get());
  };
  absl::StatusOr<result::Result> r = run();
  if (!r.ok()) {
    RETURN_IF_ERROR(RecordFailure(dir, index, std::string(r.status().message())));
    return r.status();
  }
  ASSIGN_OR_RETURN(std::string json, report::ResultToJson(*r));
  return WriteFileAtomically(sweep::PointResultPath(dir, index), json);
}

int Jobs() {
  const int jobs = absl::GetFlag(FLAGS_jobs);
  if (jobs > 0) return jobs;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

absl::Status SubmitToSlurm(const config::SweepManifest& manifest, const std::string& dir,
                           const std::string& self) {
  const int batch = absl::GetFlag(FLAGS_slurm_batch);
  if (batch < 1) return absl::InvalidArgumentError("--slurm_batch must be >= 1");
  const int tasks = (manifest.point_size() + batch - 1) / batch;
  if (tasks == 0) return absl::InvalidArgumentError("the sweep has no points");
  RETURN_IF_ERROR(MakeDirs(dir + "/slurm"));
  const std::string abs_dir = std::filesystem::absolute(dir).lexically_normal().string();
  const std::string script = absl::StrCat(
      "#!/bin/bash\n", "# memsim sweep ", manifest.spec().name(), ": one array task per ", batch,
      " point(s). Written by `memsim sweep --slurm`; gather with `memsim sweep --collect ", abs_dir,
      "`.\n", "#SBATCH --job-name=memsim-", manifest.spec().name(), "\n", "#SBATCH --array=0-",
      tasks - 1, "\n", "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n",
      "#SBATCH --output=", abs_dir, "/slurm/task-%a.out\n", "exec ", self,
      " sweep --run_task=\"$SLURM_ARRAY_TASK_ID\" --slurm_batch=", batch, " ", abs_dir, "\n");
  const std::string script_path = dir + "/slurm/array.sbatch";
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  std::vector<std::string> argv = {absl::GetFlag(FLAGS_sbatch), "--parsable"};
  for (absl::string_view a :
       absl::StrSplit(absl::GetFlag(FLAGS_sbatch_args), ' ', absl::SkipEmpty())) {
    argv.emplace_back(a);
  }
  argv.push_back(script_path);
  ASSIGN_OR_RETURN(std::string out, sweep::RunAndCapture(argv));
  std::string job = std::string(absl::StripAsciiWhitespace(out));
  job = job.substr(0, job.find(';'));  // --parsable prints "jobid[;cluster]"
  if (job.empty()) return absl::InternalError(absl::StrCat(argv[0], " printed no job id"));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/slurm/job_id", job + "\n"));
  RETURN_IF_ERROR(WriteStdout(absl::StrFormat("submitted job %s (%d array tasks)\n", job, tasks)));
  std::fprintf(stderr, "sweep: when it has finished: memsim sweep --collect %s\n", dir.c_str());
  return absl::OkStatus();
}

absl::Status RunSweep(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return absl::InvalidArgumentError(
        "expected one argument: the sweep spec (or, with --collect, --run_point or --run_task, "
        "the sweep directory)");
  }
  const int run_point = absl::GetFlag(FLAGS_run_point);
  const int run_task = absl::GetFlag(FLAGS_run_task);
  if (run_point >= 0) return RunOnePoint(args[0], static_cast<uint32_t>(run_point));
  ASSIGN_OR_RETURN(const std::string self, sweep::SelfExecutable());
  if (run_task >= 0) {
    const std::string dir = args[0];
    ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadManifest(dir));
    const int batch = absl::GetFlag(FLAGS_slurm_batch);
    if (batch < 1) return absl::InvalidArgumentError("--slurm_batch must be >= 1");
    const uint64_t first = uint64_t(run_task) * batch;
    ASSIGN_OR_RETURN(std::vector<uint32_t> pending,
                     PendingPoints(manifest, dir, /*retry_failed=*/false, first, first + batch));
    return RunPoints(manifest, dir, self, pending, 1);
  }
  if (absl::GetFlag(FLAGS_collect)) {
    ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadManifest(args[0]));
    // Records expansion errors; never re-runs anything.
    RETURN_IF_ERROR(PendingPoints(manifest, args[0], /*retry_failed=*/false).status());
    RETURN_IF_ERROR(WriteTable(manifest, args[0], /*require_complete=*/true));
    if (absl::GetFlag(FLAGS_plot) && manifest.spec().plot_size() > 0) {
      return RunPlotTool("sweep", args[0]);
    }
    return absl::OkStatus();
  }
  const std::string dir = absl::GetFlag(FLAGS_out);
  if (dir.empty()) return absl::InvalidArgumentError("--out=DIR is required");
  ASSIGN_OR_RETURN(config::SweepManifest manifest, PrepareSweep(args[0], dir));
  const int jobs = Jobs();
  RETURN_IF_ERROR(MakeTraces(manifest, dir, self, jobs));
  if (absl::GetFlag(FLAGS_slurm)) return SubmitToSlurm(manifest, dir, self);
  ASSIGN_OR_RETURN(std::vector<uint32_t> pending,
                   PendingPoints(manifest, dir, absl::GetFlag(FLAGS_retry_failed)));
  const size_t finished = manifest.point_size() - pending.size();
  std::fprintf(stderr, "sweep %s: %d points (%zu already finished), %d at a time\n",
               manifest.spec().name().c_str(), manifest.point_size(), finished, jobs);
  RETURN_IF_ERROR(RunPoints(manifest, dir, self, pending, jobs));
  RETURN_IF_ERROR(WriteTable(manifest, dir, /*require_complete=*/true));
  if (absl::GetFlag(FLAGS_plot) && manifest.spec().plot_size() > 0) {
    return RunPlotTool("sweep", dir);
  }
  return absl::OkStatus();
}

}  // namespace

Command SweepCommand() {
  return Command{
      "sweep",
      "Run a sweep spec's points in parallel (or on Slurm) and write one results table.",
      "memsim sweep SPEC.textproto --out=DIR [--jobs=N] [--slurm] | memsim sweep --collect DIR",
      "Expands the spec (proto/config.proto SweepSpec; examples in configs/sweeps/) into\n"
      "points, one per combination of axis values, and replays each in its own process,\n"
      "--jobs at a time. Each point's result is written atomically to DIR/points/; a killed\n"
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
