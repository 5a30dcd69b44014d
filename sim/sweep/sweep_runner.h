// SweepRunner: a sweep from spec to results table (docs/sweeps.md). Locally: expand the spec
// into DIR (resuming a sweep already there), make its traces, run the pending points in
// forked worker processes (PointWorker), `jobs` at a time, and write the table.
// On Slurm: the same preparation, then one job array; Collect writes the table afterwards.
// What `memsim sweep` runs; the CLI only reads the flags into Options.
#ifndef MEMSIM_SIM_SWEEP_SWEEP_RUNNER_H_
#define MEMSIM_SIM_SWEEP_SWEEP_RUNNER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/config.pb.h"
#include "sim/memmap/model_registry.h"
#include "sim/sweep/slurm_submitter.h"
#include "sim/sweep/sweep_spec.h"

namespace memsim::sweep {

class SweepRunner {
 public:
  struct Options {
    int jobs = 0;               // points (and traces) made at once; 0: one per CPU
    bool retry_failed = false;  // Run: run failed points again instead of keeping their errors
    bool slurm = false;         // Run: submit to Slurm instead of running the points here
    SlurmOptions slurm_options;
    FlagCheck flag_ok;  // which gen / import flags a spec may set (ValidateSweepSpec)
    // An in-place progress line on a terminal, and its end (the progress is printed one line
    // per point when stderr is not a terminal). Both may be null.
    std::function<void(const std::string&)> progress_line;
    std::function<void()> progress_done;
    // Called with DIR after the table is written, when the spec has plots. May be null.
    std::function<absl::Status(const std::string& dir)> draw_plots;
    // Tests only: called in the worker process before each point runs, with its index (to
    // record which process ran it, or to kill the worker). May be null.
    std::function<void(uint32_t index)> before_point;
  };

  // `models` must outlive the runner.
  SweepRunner(const memmap::ModelRegistry& models, Options options);

  // The sweep of the spec at `spec_path` into `dir`, locally or submitted to Slurm.
  absl::Status Run(const std::string& spec_path, const std::string& dir);
  // The table of `dir` from its finished points (after a Slurm run); an error if some have
  // not finished. Records expansion errors; never runs a point.
  absl::Status Collect(const std::string& dir);
  // Slurm array task `task`: points [task * batch, (task + 1) * batch) without an outcome.
  absl::Status RunTask(const std::string& dir, uint32_t task);
  // One point, in this process (RunSweepPoint).
  absl::Status RunPoint(const std::string& dir, uint32_t index);

 private:
  int Jobs() const;
  // Runs `points` in forked workers, at most `jobs` at a time, each replaying a batch of
  // points (PointWorker::RunBatch); the points a worker did not finish go to the next one.
  // Prints progress as each point finishes.
  absl::Status RunPoints(const config::SweepManifest& manifest, const std::string& dir,
                         const std::vector<uint32_t>& points, int jobs);
  // Writes the table; with `require_complete`, unfinished points are an error naming them.
  absl::Status WriteTable(const config::SweepManifest& manifest, const std::string& dir,
                          bool require_complete);
  absl::Status FinishTable(const config::SweepManifest& manifest, const std::string& dir);

  const memmap::ModelRegistry& models_;
  Options options_;
};

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_SWEEP_RUNNER_H_
