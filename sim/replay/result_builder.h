// The result of a replay from the engine's figures: overhead (machine, nodes, owner types),
// per event kind counts, latency percentiles and metadata access counts, interconnect
// bytes, inconsistencies by cause and counters (docs/results.md). Run metadata (paths,
// versions, wall time) is the caller's.
#ifndef MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_
#define MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_

#include "proto/result.pb.h"
#include "sim/replay/replay_engine.h"

namespace memsim::replay {

// REQUIRES: engine.Run() returned OK.
result::Result BuildResult(const ReplayEngine& engine);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_
