// "tiering": memory tiering between DRAM nodes and a CPU-less CXL node (--cxl_mem). Each task
// (one per CPU) keeps its share of --footprint, a --hot_share of it hot; its DRAM node may
// hold --demote_watermark of the node's tasks' footprint, the rest sits on the CXL node.
// The trace starts in that steady state (a snapshot of the allocated memory only: the rest
// is undescribed, so replays extrapolate the mix to the whole machine). Then:
//   - tasks touch their pages; a page on the CXL node takes a NUMA hinting fault (NUMA
//     balancing in memory-tiering mode only unmaps pages off the top tier,
//     change_pte_range()); a hot one is promoted to the task's node: migrate_misplaced_folio()
//     (mm/migrate.c) with reason MR_NUMA_MISPLACED (the kernel has no separate promotion
//     reason; it counts PGPROMOTE_SUCCESS), destination allocated with __GFP_THISNODE;
//   - pages cool and warm (a hot page turns cold, a cold one hot);
//   - tasks unmap a page and fault a new (hot) one on their node;
//   - whenever a DRAM node holds more than its watermark, kswapd (on a CPU of that node)
//     demotes cold folios in batches of up to 32 (SWAP_CLUSTER_MAX) to the CXL node:
//     shrink_folio_list() -> demote_folio_list() (mm/vmscan.c) -> migrate_pages(...,
//     MIGRATE_ASYNC, MR_DEMOTION), destinations from alloc_demote_folio().
// Every migration is a per-folio MIGRATE event (dst ALLOC before, src FREE after) plus one
// MIGRATE_BATCH per migrate_pages() call.
#ifndef MEMSIM_SIM_WORKLOAD_TIERING_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_TIERING_WORKLOAD_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

class TieringWorkload : public Workload {
 public:
  // Checks --cxl_mem > 0, --hot_share in (0, 1), --demote_watermark in [0.05, 0.95] and above
  // --hot_share, --thp_share, and --footprint (default 1/16 of the DRAM nodes; its DRAM part
  // must fit in the DRAM nodes and the rest in the CXL node).
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  TieringWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_TIERING_WORKLOAD_H_
