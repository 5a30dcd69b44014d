// What the replaying commands share: reading the replay flags, loading the machine,
// progress lines and the plotting tool.
#ifndef MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_
#define MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "proto/result.pb.h"
#include "sim/memmap/model_registry.h"
#include "sim/replay/copier_holder.h"
#include "sim/replay/replay_job.h"

namespace memsim::cli {

// The placement the flags ask for: --placement, or its old name --pfn_mapping (a usage error
// if both are given and differ).
absl::StatusOr<std::string> PlacementFromFlags();

// Fills trace, machine and options from the flags (--trace, --machine, mappings, pacing).
absl::StatusOr<replay::ReplayJob> JobFromFlags();

// The copier for a job: SimGrid-backed unless --nosimgrid (replay/copier_holder.h).
using replay::CopierHolder;

// A model named by a flag (memmap::ResolveModelSpec): an unknown name is a usage error, a
// bad config file a data error.
absl::StatusOr<config::MemmapModelConfig> ModelFromFlag(const std::string& spec,
                                                        const memmap::ModelRegistry& models);

// Progress callback printing "replay <label>: N events, X M ev/s, ETA" on a terminal.
std::function<void(uint64_t, uint64_t, uint64_t)> ProgressPrinter(const std::string& label);

// After a run: an error naming the counts when events fell outside the machine
// (`unmapped_pfn_events`, inconsistency `out_of_range`) unless `allow`; they are dropped
// from the replay, so the result would silently describe a different trace. `command`
// ("replay", "compare") prefixes the warning printed when they are allowed.
absl::Status CheckOutOfRange(const result::Result& r, bool allow, const std::string& command);

// Runs `<--plot_tool> MODE DIR` (tools/plot: its interpreter line picks Debian's python3,
// which has matplotlib). A failure names the command; the outputs already written stay.
absl::Status RunPlotTool(const std::string& mode, const std::string& dir);

// On stderr: the result's migration coverage line (with `line`) and, below 90 %, a warning
// (docs/results.md, "Migration coverage").
void PrintMigrationCoverage(const result::Result& r, bool line = true);

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_
