// The worker side of a local sweep (docs/sweeps.md, "Processes"): a process forked by the
// sweep that replays a batch of points one after the other, each from fresh state, on one
// SimGrid platform, and leaves as soon as a point ran SimGrid's engine.
#ifndef MEMSIM_SIM_SWEEP_POINT_WORKER_H_
#define MEMSIM_SIM_SWEEP_POINT_WORKER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/config.pb.h"
#include "sim/hw/sim_platform.h"
#include "sim/memmap/model_registry.h"

namespace memsim::sweep {

// Where point `index`'s output (and a crash's last words) go: DIR/logs/point-<index>.log.
std::string PointLogPath(const std::string& dir, uint32_t index);

class PointWorker {
 public:
  // `models` must outlive the worker.
  PointWorker(std::string dir, const memmap::ModelRegistry& models);

  // Whether `point` may run in this process now with the result it has alone: SimGrid's
  // engine has never run here (hw::SimPlatform::EngineHasRun: a batch starts at the engine's
  // clock, so once it moved, completion times may differ in their last bits), and the point
  // replays without SimGrid or on the platform this process built, if it built one (same
  // hw::SimPlatform::Key). A fresh process can run any point.
  bool CanRun(const config::SweepPoint& point) const;

  // Runs `point` (RunSweepPoint): writes its result or its error. REQUIRES: CanRun(point).
  absl::Status Run(const config::SweepPoint& point);

  // The body of a forked worker. For each point of `batch` in order while CanRun: sends
  // stdout and stderr to its log, calls `before_point` (tests; may be null), runs it and
  // writes its index (a uint32_t) to `report_fd`. Returns the process's exit status: 0 when
  // every point it ran has an outcome (the points it did not start are the parent's to give
  // to another worker), 1 if a point's outcome could not be written.
  int RunBatch(const config::SweepManifest& manifest, const std::vector<uint32_t>& batch,
               int report_fd, const std::function<void(uint32_t)>& before_point);

 private:
  std::string dir_;
  const memmap::ModelRegistry& models_;
  std::unique_ptr<hw::SimPlatform> platform_;  // built by the first SimGrid point
};

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_POINT_WORKER_H_
