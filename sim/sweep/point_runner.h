// One point of a sweep, run in this process (the child `memsim sweep --run_point=I DIR`
// that the sweep starts for each point): the replay whose result the table reads.
#ifndef MEMSIM_SIM_SWEEP_POINT_RUNNER_H_
#define MEMSIM_SIM_SWEEP_POINT_RUNNER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "proto/config.pb.h"
#include "sim/memmap/model_registry.h"

namespace memsim::sweep {

// Replays point `index` of the sweep in `dir` from its manifest entry alone and writes its
// result (PointResultPath) or, if it fails, its error (PointErrorPath), then returns the
// failure too. An index beyond the sweep is an error that records nothing.
absl::Status RunSweepPoint(const std::string& dir, uint32_t index,
                           const memmap::ModelRegistry& models);

// The same for a point of a manifest the caller has read already (a forked point of the
// running sweep: the manifest, every point's machine included, is parsed once, not once per
// point).
absl::Status RunSweepPoint(const std::string& dir, const config::SweepPoint& point,
                           const memmap::ModelRegistry& models);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_POINT_RUNNER_H_
