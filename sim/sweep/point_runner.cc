#include "sim/sweep/point_runner.h"

#include "absl/strings/str_cat.h"
#include "proto/config.pb.h"
#include "proto/result.pb.h"
#include "sim/replay/copier_holder.h"
#include "sim/replay/replay_job.h"
#include "sim/replay/trace_mapping.h"
#include "sim/report/result_format.h"
#include "sim/sweep/sweep_manifest.h"
#include "sim/sweep/sweep_table.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {
namespace {

absl::StatusOr<result::Result> Replay(const config::SweepPoint& p,
                                      const memmap::ModelRegistry& models,
                                      std::unique_ptr<hw::SimPlatform>* platform) {
  if (!p.error().empty()) return absl::InvalidArgumentError(p.error());
  replay::ReplayJob job;
  job.trace_path = p.trace();
  job.machine_path = p.machine_path();
  job.machine = p.machine();
  job.model = p.model();
  const config::ReplaySettings& r = p.replay();
  ASSIGN_OR_RETURN(job.options.pfn_placement,
                   replay::ParsePfnPlacement(r.pfn_mapping().empty() ? "kernel" : r.pfn_mapping()));
  ASSIGN_OR_RETURN(job.options.cpu_placement, replay::ParseCpuPlacement(r.cpu_mapping()));
  job.options.paced = !r.back_to_back();
  if (r.quantum_ns() != 0) job.options.quantum_ns = r.quantum_ns();
  ASSIGN_OR_RETURN(replay::CopierHolder copier,
                   replay::CopierHolder::Create(job.machine, !r.no_simgrid(), platform));
  return replay::RunReplayJob(job, models, copier.get());
}

}  // namespace

absl::Status RunSweepPoint(const std::string& dir, uint32_t index,
                           const memmap::ModelRegistry& models) {
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ReadSweepManifest(dir));
  if (index >= static_cast<uint32_t>(manifest.point_size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--run_point=", index, ": the sweep has ", manifest.point_size(), " points"));
  }
  return RunSweepPoint(dir, manifest.point(index), models, nullptr);
}

absl::Status RunSweepPoint(const std::string& dir, const config::SweepPoint& point,
                           const memmap::ModelRegistry& models,
                           std::unique_ptr<hw::SimPlatform>* platform) {
  absl::StatusOr<result::Result> r = Replay(point, models, platform);
  if (!r.ok()) {
    RETURN_IF_ERROR(RecordPointFailure(dir, point.index(), std::string(r.status().message())));
    return r.status();
  }
  ASSIGN_OR_RETURN(std::string json, report::ResultToJson(*r));
  return WriteFileAtomically(PointResultPath(dir, point.index()), json);
}

}  // namespace memsim::sweep
