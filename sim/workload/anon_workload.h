// "anon": processes fault in anonymous memory and unmap it again, with a configurable share
// of the memory backed by transparent huge pages. Mimics do_anonymous_page() (a write fault
// on an untouched page allocates one zeroed order-0 folio) and do_huge_pmd_anonymous_page()
// (a fault in a 2 MiB-aligned range allocates an order-9 THP; if none is free the fault falls
// back to an order-0 page), and munmap()/exit() freeing the folios (order-0 frees batched).
#ifndef MEMSIM_SIM_WORKLOAD_ANON_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_ANON_WORKLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

class AnonWorkload : public Workload {
 public:
  // Checks --thp_share and --footprint; resolves the default footprint (1/4 of memory).
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  AnonWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_ANON_WORKLOAD_H_
