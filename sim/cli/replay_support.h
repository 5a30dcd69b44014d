// What `replay` and `compare` share: reading the replay flags, loading the machine, and
// building the bulk copier (SimGrid platform, one per process).
#ifndef MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_
#define MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sim/hw/sim_platform.h"
#include "sim/replay/bulk_copier.h"
#include "sim/replay/replay_job.h"

namespace memsim::cli {

// Fills trace, machine and options from the flags (--trace, --machine, mappings, pacing).
absl::StatusOr<replay::ReplayJob> JobFromFlags();

// The copier for a job: SimGrid-backed unless --nosimgrid. Owns the SimGrid platform.
class CopierHolder {
 public:
  // REQUIRES: `machine` validated (LoadMachine, sweep expansion). Builds its topology.
  static absl::StatusOr<CopierHolder> Create(const config::Machine& machine, bool simgrid);
  replay::BulkCopier* get() const { return copier_.get(); }
  // The SimGrid platform, or nullptr for the analytic copier.
  const hw::SimPlatform* platform() const { return platform_.get(); }

 private:
  std::unique_ptr<hw::MachineTopology> topology_;
  std::unique_ptr<hw::SimPlatform> platform_;
  std::unique_ptr<replay::BulkCopier> copier_;
};

// Progress callback printing "replay <label>: N events, X M ev/s, ETA" on a terminal.
std::function<void(uint64_t, uint64_t, uint64_t)> ProgressPrinter(const std::string& label);

// Runs `<--plot_tool> MODE DIR` (tools/plot: its interpreter line picks Debian's python3,
// which has matplotlib). A failure names the command; the outputs already written stay.
absl::Status RunPlotTool(const std::string& mode, const std::string& dir);

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_REPLAY_SUPPORT_H_
