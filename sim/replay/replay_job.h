// One replay as the CLI, sweeps and benchmarks run it (the model spec resolved by
// memmap::ResolveModelSpec): build the replayer, run it, and fill the result's run metadata (paths,
// versions, wall time, rate, host peak RSS).
#ifndef MEMSIM_SIM_REPLAY_REPLAY_JOB_H_
#define MEMSIM_SIM_REPLAY_REPLAY_JOB_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "proto/memmap.pb.h"
#include "proto/result.pb.h"
#include "sim/replay/replayer.h"

namespace memsim::replay {

struct ReplayJob {
  std::string trace_path;
  std::string machine_path;
  config::Machine machine;  // validated
  config::MemmapModelConfig model;
  ReplayOptions options;
};

// REQUIRES: copier built for job.machine (the replay uses the copier's topology).
absl::StatusOr<result::Result> RunReplayJob(const ReplayJob& job,
                                            const memmap::ModelRegistry& models,
                                            BulkCopier* copier);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_REPLAY_JOB_H_
