// Sweep specs (proto/config.proto SweepSpec): loading, checking and expanding them into
// points. Expansion resolves everything a point needs (absolute paths, the machine and the
// model config with the axis values applied), so that a point runs from the manifest alone:
// in a child process, on another Slurm node, or after a restart.
#ifndef MEMSIM_SIM_SWEEP_SWEEP_SPEC_H_
#define MEMSIM_SIM_SWEEP_SWEEP_SPEC_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/config.pb.h"
#include "sim/memmap/model_registry.h"

namespace memsim::sweep {

// Reads and checks a spec. Errors name the file (and line for syntax errors) and the axis,
// plot or field at fault.
absl::StatusOr<config::SweepSpec> LoadSweepSpec(const std::string& path);

// Checks what does not depend on files: names, paths, values, ranges, plots.
// `metric_names`: the results-table metric columns plots may name.
// `flag_ok(command, flag)`: whether `memsim <command>` ("gen", "import") has a flag a sweep
// may set (for gen.* paths, base.gen and base.capture).
using FlagCheck = std::function<bool(const std::string& command, const std::string& flag)>;
absl::Status ValidateSweepSpec(const config::SweepSpec& spec,
                               const std::vector<std::string>& metric_names,
                               const FlagCheck& flag_ok);

// The values of one axis as text (a range becomes "%.10g"-formatted numbers).
absl::StatusOr<std::vector<std::string>> AxisValues(const config::SweepAxis& axis);

// Expands a checked spec into its points. A point whose values make an invalid machine or
// model config (or name a missing file) is still listed, with `error` set, and is recorded as
// failed without running. Generated traces go to `out_dir`/traces/gen-<k>.mtrace and imported
// captures to `out_dir`/traces/capture-<k>.mtrace, k numbering the distinct specs in point
// order.
absl::StatusOr<config::SweepManifest> ExpandSweep(const config::SweepSpec& spec,
                                                  const std::string& spec_path,
                                                  const std::string& out_dir,
                                                  const memmap::ModelRegistry& models);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_SWEEP_SPEC_H_
