#include "sim/replay/copier_holder.h"

#include "sim/util/status_macros.h"

namespace memsim::replay {

absl::StatusOr<CopierHolder> CopierHolder::Create(const config::Machine& machine, bool simgrid) {
  return Create(machine, simgrid, nullptr);
}

absl::StatusOr<CopierHolder> CopierHolder::Create(const config::Machine& machine, bool simgrid,
                                                  std::unique_ptr<hw::SimPlatform>* shared) {
  CopierHolder h;
  h.topology_ = std::make_unique<hw::MachineTopology>(machine);  // validated where it was read
  if (!simgrid) {
    h.copier_ = NewAnalyticCopier(*h.topology_);
    return h;
  }
  if (shared == nullptr) {
    ASSIGN_OR_RETURN(h.owned_platform_, hw::SimPlatform::Create(*h.topology_));
    h.platform_ = h.owned_platform_.get();
  } else if (*shared == nullptr) {
    ASSIGN_OR_RETURN(*shared, hw::SimPlatform::Create(*h.topology_));
    h.platform_ = shared->get();
  } else {
    RETURN_IF_ERROR((*shared)->Rebind(*h.topology_));
    h.platform_ = shared->get();
  }
  h.copier_ = NewSimGridCopier(h.platform_);
  return h;
}

}  // namespace memsim::replay
