// The bulk copier of a replay and what it needs: the machine's topology and, for the
// SimGrid copier, the SimGrid platform (one per process). Used by the replaying commands,
// sweep points and benchmarks.
#ifndef MEMSIM_SIM_REPLAY_COPIER_HOLDER_H_
#define MEMSIM_SIM_REPLAY_COPIER_HOLDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/sim_platform.h"
#include "sim/replay/bulk_copier.h"

namespace memsim::replay {

class CopierHolder {
 public:
  // SimGrid-backed if `simgrid`, else the uncontended analytic estimate. REQUIRES: `machine`
  // validated (LoadMachine, sweep expansion): its topology is built without validating again.
  static absl::StatusOr<CopierHolder> Create(const config::Machine& machine, bool simgrid);
  BulkCopier* get() const { return copier_.get(); }
  // The SimGrid platform, or nullptr for the analytic copier.
  const hw::SimPlatform* platform() const { return platform_.get(); }

 private:
  std::unique_ptr<hw::MachineTopology> topology_;
  std::unique_ptr<hw::SimPlatform> platform_;
  std::unique_ptr<BulkCopier> copier_;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_COPIER_HOLDER_H_
