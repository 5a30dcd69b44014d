#include "sim/replay/copier_holder.h"

#include "sim/util/status_macros.h"

namespace memsim::replay {

absl::StatusOr<CopierHolder> CopierHolder::Create(const config::Machine& machine, bool simgrid) {
  CopierHolder h;
  ASSIGN_OR_RETURN(hw::MachineTopology t, hw::MachineTopology::Create(machine));
  h.topology_ = std::make_unique<hw::MachineTopology>(std::move(t));
  if (simgrid) {
    ASSIGN_OR_RETURN(h.platform_, hw::SimPlatform::Create(*h.topology_));
    h.copier_ = NewSimGridCopier(h.platform_.get());
  } else {
    h.copier_ = NewAnalyticCopier(*h.topology_);
  }
  return h;
}

}  // namespace memsim::replay
