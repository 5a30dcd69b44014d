#include "sim/replay/copier_holder.h"

#include "sim/util/status_macros.h"

namespace memsim::replay {

absl::StatusOr<CopierHolder> CopierHolder::Create(const config::Machine& machine, bool simgrid) {
  CopierHolder h;
  h.topology_ = std::make_unique<hw::MachineTopology>(machine);  // validated where it was read
  if (simgrid) {
    ASSIGN_OR_RETURN(h.platform_, hw::SimPlatform::Create(*h.topology_));
    h.copier_ = NewSimGridCopier(h.platform_.get());
  } else {
    h.copier_ = NewAnalyticCopier(*h.topology_);
  }
  return h;
}

}  // namespace memsim::replay
