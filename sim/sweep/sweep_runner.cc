#include "sim/sweep/sweep_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/result.pb.h"
#include "sim/hw/sim_platform.h"
#include "sim/report/result_format.h"
#include "sim/sweep/point_runner.h"
#include "sim/sweep/process_pool.h"
#include "sim/sweep/sweep_manifest.h"
#include "sim/sweep/sweep_table.h"
#include "sim/sweep/trace_maker.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {
namespace {

std::string FormatSeconds(double s) {
  if (s < 90) return absl::StrFormat("%.0f s", s);
  if (s < 5400) return absl::StrFormat("%.0f min", s / 60);
  return absl::StrFormat("%.1f h", s / 3600);
}

}  // namespace

SweepRunner::SweepRunner(const memmap::ModelRegistry& models, Options options)
    : models_(models), options_(std::move(options)) {}

int SweepRunner::Jobs() const {
  if (options_.jobs > 0) return options_.jobs;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

absl::Status SweepRunner::RunPoints(const config::SweepManifest& manifest, const std::string& dir,
                                    const std::string& self, const std::vector<uint32_t>& points,
                                    int jobs) {
  // What every forked point would otherwise build for itself, built once here and inherited
  // copy-on-write: the manifest (passed, not re-read), the protobuf descriptors the result's
  // JSON needs (built lazily on first use) and the SimGrid engine (its configuration flags;
  // each point still builds its own platform, which depends on the point's machine).
  if (!points.empty()) {
    (void)report::ResultToJson(result::Result());
    for (uint32_t i : points) {
      if (!manifest.point(i).replay().no_simgrid()) {
        hw::SimPlatform::CreateEngine();
        break;
      }
    }
  }
  std::vector<ProcessTask> tasks;
  for (uint32_t i : points) {
    ProcessTask t;
    t.argv = {self, "sweep", absl::StrCat("--run_point=", i), dir};
    // Forked, not exec'ed: the per-point cost of starting the binary (~30 ms) is gone;
    // the point still runs in a process of its own (docs/sweeps.md, "Processes").
    t.run = [this, &manifest, dir, i] {
      const absl::Status s = RunSweepPoint(dir, manifest.point(i), models_);
      if (!s.ok()) std::fprintf(stderr, "memsim sweep: %s\n", std::string(s.message()).c_str());
      return s.ok() ? 0 : 1;
    };
    t.log_path = absl::StrFormat("%s/logs/point-%06u.log", dir, i);
    std::remove(t.log_path.c_str());
    tasks.push_back(std::move(t));
  }
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0, failed = 0;
  absl::Status status;
  const bool tty = isatty(STDERR_FILENO);
  RETURN_IF_ERROR(RunProcesses(tasks, jobs, [&](size_t k, const ProcessOutcome& o) {
    const uint32_t index = points[k];
    ++done;
    if (!o.ok) {
      ++failed;
      // The point writes its own error; a crash or a kill leaves that to us.
      if (StateOf(dir, index) == PointState::kPending) {
        status.Update(RecordPointFailure(
            dir, index,
            absl::StrCat("point process ", o.what, ": ", LastLineOf(tasks[k].log_path), " (log ",
                         tasks[k].log_path, ")")));
      }
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = s / done * (points.size() - done);
    const std::string line = absl::StrFormat(
        "sweep %s: %zu/%zu points run, %zu failed, %.1f s/point, ETA %s", manifest.spec().name(),
        done, points.size(), failed, s / done * jobs, FormatSeconds(eta));
    if (tty) {
      if (options_.progress_line) options_.progress_line(line);
    } else {
      std::fprintf(stderr, "%s (point %u %s)\n", line.c_str(), index, o.ok ? "ok" : "failed");
    }
  }));
  if (options_.progress_done) options_.progress_done();
  return status;
}

absl::Status SweepRunner::WriteTable(const config::SweepManifest& manifest, const std::string& dir,
                                     bool require_complete) {
  ASSIGN_OR_RETURN(SweepTable table, BuildSweepTable(manifest, dir));
  if (require_complete && !table.pending.empty()) {
    std::vector<uint32_t> head(table.pending.begin(),
                               table.pending.begin() + std::min<size_t>(10, table.pending.size()));
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": ", table.pending.size(), " of ", manifest.point_size(),
                     " points have not finished (", absl::StrJoin(head, ", "),
                     table.pending.size() > head.size() ? ", ..." : "", "); no table written"));
  }
  RETURN_IF_ERROR(WriteSweepTable(table, dir));
  std::printf("sweep %s: %u points ok, %u failed; table %s/results.csv (+ results.jsonl)\n",
              manifest.spec().name().c_str(), table.ok, table.failed, dir.c_str());
  if (table.failed > 0) {
    for (const config::SweepPoint& p : manifest.point()) {
      if (StateOf(dir, p.index()) != PointState::kFailed) continue;
      absl::StatusOr<std::string> e = ReadFileToString(PointErrorPath(dir, p.index()));
      std::printf("  first failure, point %u: %s", p.index(), e.ok() ? e->c_str() : "?\n");
      break;
    }
  }
  return absl::OkStatus();
}

absl::Status SweepRunner::FinishTable(const config::SweepManifest& manifest,
                                      const std::string& dir) {
  RETURN_IF_ERROR(WriteTable(manifest, dir, /*require_complete=*/true));
  if (options_.draw_plots && manifest.spec().plot_size() > 0) return options_.draw_plots(dir);
  return absl::OkStatus();
}

absl::Status SweepRunner::Run(const std::string& spec_path, const std::string& dir) {
  ASSIGN_OR_RETURN(const std::string self, SelfExecutable());
  ASSIGN_OR_RETURN(config::SweepManifest manifest,
                   PrepareSweepManifest(spec_path, dir, models_, options_.flag_ok));
  const int jobs = Jobs();
  RETURN_IF_ERROR(MakeSweepTraces(manifest, dir, self, jobs));
  if (options_.slurm) return SubmitToSlurm(manifest, dir, self, options_.slurm_options);
  ASSIGN_OR_RETURN(std::vector<uint32_t> pending,
                   PendingPoints(manifest, dir, options_.retry_failed));
  const size_t finished = manifest.point_size() - pending.size();
  std::fprintf(stderr, "sweep %s: %d points (%zu already finished), %d at a time\n",
               manifest.spec().name().c_str(), manifest.point_size(), finished, jobs);
  RETURN_IF_ERROR(RunPoints(manifest, dir, self, pending, jobs));
  return FinishTable(manifest, dir);
}

absl::Status SweepRunner::Collect(const std::string& dir) {
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadSweepManifest(dir));
  RETURN_IF_ERROR(PendingPoints(manifest, dir, /*retry_failed=*/false).status());
  return FinishTable(manifest, dir);
}

absl::Status SweepRunner::RunTask(const std::string& dir, uint32_t task) {
  ASSIGN_OR_RETURN(const std::string self, SelfExecutable());
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadSweepManifest(dir));
  const int batch = options_.slurm_options.batch;
  if (batch < 1) return absl::InvalidArgumentError("--slurm_batch must be >= 1");
  const uint64_t first = uint64_t{task} * batch;
  ASSIGN_OR_RETURN(std::vector<uint32_t> pending,
                   PendingPoints(manifest, dir, /*retry_failed=*/false, first, first + batch));
  return RunPoints(manifest, dir, self, pending, 1);
}

absl::Status SweepRunner::RunPoint(const std::string& dir, uint32_t index) {
  return RunSweepPoint(dir, index, models_);
}

}  // namespace memsim::sweep
