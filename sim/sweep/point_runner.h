// One point of a sweep, run in this process (a sweep's worker, or `memsim sweep
// --run_point=I DIR`): the replay whose result the table reads.
#ifndef MEMSIM_SIM_SWEEP_POINT_RUNNER_H_
#define MEMSIM_SIM_SWEEP_POINT_RUNNER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "proto/config.pb.h"
#include "sim/memmap/model_registry.h"

namespace memsim::hw {
class SimPlatform;
}

namespace memsim::sweep {

// Replays point `index` of the sweep in `dir` from its manifest entry alone and writes its
// result (PointResultPath) or, if it fails, its error (PointErrorPath), then returns the
// failure too. An index beyond the sweep is an error that records nothing.
absl::Status RunSweepPoint(const std::string& dir, uint32_t index,
                           const memmap::ModelRegistry& models);

// The same for a point of a manifest the caller has read already (a point of a sweep's
// worker: the manifest, every point's machine included, is parsed once, not once per point).
// With `platform` non-null, a SimGrid replay uses *platform, building it if null
// (replay::CopierHolder::Create); null: a platform of its own.
absl::Status RunSweepPoint(const std::string& dir, const config::SweepPoint& point,
                           const memmap::ModelRegistry& models,
                           std::unique_ptr<hw::SimPlatform>* platform);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_POINT_RUNNER_H_
