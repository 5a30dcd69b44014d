// One replay as the CLI, sweeps and benchmarks run it: load the model spec, build the
// replayer, run it, and fill the result's run metadata (paths, versions, wall time, rate,
// host peak RSS).
#ifndef MEMSIM_SIM_REPLAY_REPLAY_JOB_H_
#define MEMSIM_SIM_REPLAY_REPLAY_JOB_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "proto/memmap.pb.h"
#include "proto/result.pb.h"
#include "sim/replay/replayer.h"

namespace memsim::replay {

// A model spec is a registered model name ("memdesc": its default config) or the path of a
// model config file (.textproto, e.g. configs/models/memdesc-cpu-node.textproto).
absl::StatusOr<config::MemmapModelConfig> ResolveModelSpec(const std::string& spec,
                                                           const memmap::ModelRegistry& models);

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
