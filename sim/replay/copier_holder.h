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
  // The same, but a SimGrid copier uses `*shared`, a platform that outlives this holder and
  // is kept for the next replay in this process (a sweep worker's): built into it if null,
  // else rebound to `machine` (hw::SimPlatform::Rebind: FailedPrecondition unless `machine`
  // has the platform's key).
  static absl::StatusOr<CopierHolder> Create(const config::Machine& machine, bool simgrid,
                                             std::unique_ptr<hw::SimPlatform>* shared);
  BulkCopier* get() const { return copier_.get(); }
  // The SimGrid platform, or nullptr for the analytic copier.
  const hw::SimPlatform* platform() const { return platform_; }

 private:
  std::unique_ptr<hw::MachineTopology> topology_;
  std::unique_ptr<hw::SimPlatform> owned_platform_;
  hw::SimPlatform* platform_ = nullptr;
  std::unique_ptr<BulkCopier> copier_;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_COPIER_HOLDER_H_
