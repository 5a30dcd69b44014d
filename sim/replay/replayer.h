// Replaying a trace on a simulated machine with one memmap model: the options and the
// entry point. How the engine works (clocks, quanta, event -> operations) is described in
// replay_engine.h and docs/replay.md; callers need only this header.
#ifndef MEMSIM_SIM_REPLAY_REPLAYER_H_
#define MEMSIM_SIM_REPLAY_REPLAYER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "proto/result.pb.h"
#include "sim/replay/placement.h"

namespace memsim::config {
class MemmapModelConfig;
}
namespace memsim::memmap {
class ModelRegistry;
}

namespace memsim::replay {

class AccessSink;
class BulkCopier;

struct ReplayOptions {
  // Where trace pfns and CPUs go (trace_mapping.h, docs/replay.md). The default follows the
  // kernel: a one-node recording packed on the first socket, a multi-node one on its nodes.
  PfnPlacement pfn_placement = PfnPlacement::kKernel;
  CpuPlacement cpu_placement = CpuPlacement::kAuto;
  bool paced = true;
  uint64_t quantum_ns = 1'000'000;  // 1 ms of simulated time
  // Called about every 2^20 events with (events done, trace bytes read, trace bytes total).
  std::function<void(uint64_t, uint64_t, uint64_t)> progress;
  // If set, receives every event's metadata accesses as they are simulated (not the bulk
  // data copies of migrations); e.g. an AccessDumpWriter. Must outlive the replay.
  AccessSink* access_sink = nullptr;
};

// Replays the trace at `trace_path` (snapshot, then events) on the machine `copier` was
// built for, with the model `model_config` names (built through `models`). Returns the
// result without run metadata (paths, versions, wall time: the caller's) except the placement
// used (RunInfo placement, placement_detail, pfn_mapping, cpu_mapping). Errors: the
// trace cannot be opened or is corrupt (as the reader reports it), it does not fit the
// machine under the placement, or the model config is invalid.
absl::StatusOr<result::Result> Replay(const std::string& trace_path,
                                      const config::MemmapModelConfig& model_config,
                                      const memmap::ModelRegistry& models, BulkCopier* copier,
                                      const ReplayOptions& options);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_REPLAYER_H_
