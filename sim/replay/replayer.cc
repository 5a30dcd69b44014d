#include "sim/replay/replayer.h"

#include "sim/replay/replay_engine.h"
#include "sim/replay/result_builder.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

absl::StatusOr<result::Result> Replay(const std::string& trace_path,
                                      const config::MemmapModelConfig& model_config,
                                      const memmap::ModelRegistry& models, BulkCopier* copier,
                                      const ReplayOptions& options) {
  ASSIGN_OR_RETURN(auto engine,
                   ReplayEngine::Create(model_config, models, trace_path, copier, options));
  RETURN_IF_ERROR(engine->Run());
  result::Result r = BuildResult(*engine);
  auto* run = r.mutable_run();
  run->set_placement(PfnPlacementName(options.pfn_placement));
  run->set_placement_detail(engine->mapping().Describe());
  run->set_pfn_mapping(PfnPlacementName(engine->mapping().placement()));
  run->set_cpu_mapping(CpuPlacementName(engine->mapping().cpu_placement()));
  if (!engine->mapping().CpuMapWarning().empty()) r.add_warnings(engine->mapping().CpuMapWarning());
  return r;
}

}  // namespace memsim::replay
