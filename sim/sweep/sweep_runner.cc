#include "sim/sweep/sweep_runner.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/result.pb.h"
#include "sim/hw/sim_platform.h"
#include "sim/report/result_format.h"
#include "sim/sweep/point_runner.h"
#include "sim/sweep/point_worker.h"
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
                                    const std::vector<uint32_t>& points, int jobs) {
  // What every worker would otherwise build for itself, built once here and inherited
  // copy-on-write: the manifest (passed, not re-read), the protobuf descriptors the result's
  // JSON needs (built lazily on first use) and the SimGrid engine (loaded, configured, never
  // run here; each worker builds its own platform, which depends on the points' machines).
  if (!points.empty()) {
    (void)report::ResultToJson(result::Result());
    for (uint32_t i : points) {
      if (!manifest.point(i).replay().no_simgrid()) {
        hw::SimPlatform::CreateEngine();
        break;
      }
    }
  }
  for (uint32_t i : points) std::remove(PointLogPath(dir, i).c_str());
  // Points not yet given to a worker, or given back by one that ended before it ran them.
  std::deque<uint32_t> queue(points.begin(), points.end());
  struct Worker {
    ReportingChild child;
    std::vector<uint32_t> batch;
    std::string report;  // bytes read from the pipe, not yet a whole index
  };
  std::vector<Worker> workers;
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0, failed = 0;
  absl::Status status;
  const bool tty = isatty(STDERR_FILENO);
  auto finished = [&](uint32_t index, bool ok) {
    ++done;
    if (!ok) ++failed;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = s / done * (points.size() - done);
    const std::string line = absl::StrFormat(
        "sweep %s: %zu/%zu points run, %zu failed, %.1f s/point, ETA %s", manifest.spec().name(),
        done, points.size(), failed, s / done * jobs, FormatSeconds(eta));
    if (tty) {
      if (options_.progress_line) options_.progress_line(line);
    } else {
      std::fprintf(stderr, "%s (point %u %s)\n", line.c_str(), index, ok ? "ok" : "failed");
    }
  };
  // A worker ended: the points of its batch without an outcome go back to the queue's front.
  // If it died (a signal, or exit status 1: a point without an outcome) before its first
  // point had an outcome, that point killed a fresh process: it fails, as it would alone.
  auto worker_ended = [&](const Worker& w, const ProcessOutcome& o) {
    std::vector<uint32_t> unfinished;
    for (uint32_t i : w.batch) {
      if (StateOf(dir, i) == PointState::kPending) unfinished.push_back(i);
    }
    if (!unfinished.empty() && unfinished[0] == w.batch[0]) {
      const std::string log = PointLogPath(dir, w.batch[0]);
      status.Update(
          RecordPointFailure(dir, w.batch[0],
                             absl::StrCat("point process ", o.ok ? "ran no point" : o.what, ": ",
                                          LastLineOf(log), " (log ", log, ")")));
      finished(w.batch[0], false);
      unfinished.erase(unfinished.begin());
    }
    queue.insert(queue.begin(), unfinished.begin(), unfinished.end());
  };
  while (!queue.empty() || !workers.empty()) {
    while (!queue.empty() && workers.size() < static_cast<size_t>(jobs)) {
      // One job: every queued point to one worker. More: a share small enough that the
      // workers finish together even when points differ in cost.
      const size_t take = jobs == 1
                              ? queue.size()
                              : std::max<size_t>(1, (queue.size() + 2 * jobs - 1) / (2 * jobs));
      Worker w;
      w.batch.assign(queue.begin(), queue.begin() + take);
      queue.erase(queue.begin(), queue.begin() + take);
      const std::vector<uint32_t>& batch = w.batch;
      ASSIGN_OR_RETURN(w.child, ForkReporting(
                                    [&](int report_fd) {
                                      PointWorker worker(dir, models_);
                                      return worker.RunBatch(manifest, batch, report_fd,
                                                             options_.before_point);
                                    },
                                    PointLogPath(dir, w.batch[0])));
      workers.push_back(std::move(w));
    }
    std::vector<pollfd> fds;
    for (const Worker& w : workers) fds.push_back({w.child.report_fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
    }
    for (size_t k = fds.size(); k-- > 0;) {
      if (fds[k].revents == 0) continue;
      Worker& w = workers[k];
      char buf[256];
      const ssize_t n = read(w.child.report_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.report.append(buf, n);
        while (w.report.size() >= sizeof(uint32_t)) {
          uint32_t index;
          std::memcpy(&index, w.report.data(), sizeof index);
          w.report.erase(0, sizeof index);
          finished(index, StateOf(dir, index) == PointState::kOk);
        }
        continue;
      }
      close(w.child.report_fd);
      worker_ended(w, WaitFor(w.child.pid));
      workers.erase(workers.begin() + k);
    }
  }
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
  RETURN_IF_ERROR(RunPoints(manifest, dir, pending, jobs));
  return FinishTable(manifest, dir);
}

absl::Status SweepRunner::Collect(const std::string& dir) {
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadSweepManifest(dir));
  RETURN_IF_ERROR(PendingPoints(manifest, dir, /*retry_failed=*/false).status());
  return FinishTable(manifest, dir);
}

absl::Status SweepRunner::RunTask(const std::string& dir, uint32_t task) {
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadSweepManifest(dir));
  const int batch = options_.slurm_options.batch;
  if (batch < 1) return absl::InvalidArgumentError("--slurm_batch must be >= 1");
  const uint64_t first = uint64_t{task} * batch;
  ASSIGN_OR_RETURN(std::vector<uint32_t> pending,
                   PendingPoints(manifest, dir, /*retry_failed=*/false, first, first + batch));
  return RunPoints(manifest, dir, pending, 1);
}

absl::Status SweepRunner::RunPoint(const std::string& dir, uint32_t index) {
  return RunSweepPoint(dir, index, models_);
}

}  // namespace memsim::sweep
