// "numa": tasks whose memory sits on one node while the scheduler runs them on another.
// Each balancing epoch the load balancer swaps --imbalance of the tasks onto CPUs of other
// nodes; NUMA balancing then scans each task's address space (task_numa_work() making a
// window of PTEs PROT_NONE), every access in the window takes a NUMA hinting fault
// (do_numa_page()), and a page found on a node other than the task's is migrated there:
// migrate_misplaced_folio() → migrate_pages() on one folio with MR_NUMA_MISPLACED, the
// destination allocated on the task's node with alloc_misplaced_dst_folio()'s gfp mask, the
// source freed after the copy. Tasks also unmap and fault pages as they run.
#ifndef MEMSIM_SIM_WORKLOAD_NUMA_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_NUMA_WORKLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

class NumaWorkload : public Workload {
 public:
  // Checks --nodes >= 2, --imbalance, --thp_share and --footprint (the tasks' memory, default
  // 1/4 of the machine; it must fit on one node).
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  NumaWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_NUMA_WORKLOAD_H_
