// "fragment": a node full of movable page-cache pages with holes punched at random, some
// unmovable kernel pages, and tasks that fault THPs into it. When no 2 MiB block is free the
// THP fault runs direct compaction on its node (compact_zone(), async): the migrate scanner
// walks pageblocks upward from the zone start isolating up to COMPACT_CLUSTER_MAX movable
// pages, the free scanner walks pageblocks downward from the zone end isolating free pages,
// migrate_pages() moves each isolated folio (MR_COMPACTION), until a free order-9 block
// exists (COMPACT_SUCCESS) or the scanners meet (COMPACT_COMPLETE). Page-cache churn (a page
// reclaimed, another read in) keeps the node fragmented.
#ifndef MEMSIM_SIM_WORKLOAD_FRAGMENT_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_FRAGMENT_WORKLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

// Kernel enum compact_result (include/linux/compaction.h, Linux 4.8 to 6.x).
inline constexpr int32_t kCompactComplete = 5;
inline constexpr int32_t kCompactSuccess = 8;

class FragmentWorkload : public Workload {
 public:
  // Checks --fill, --fragmentation, --unmovable_share.
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  FragmentWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_FRAGMENT_WORKLOAD_H_
