// "pagecache": tasks stream through large files with read(); readahead fills the page cache
// and kswapd evicts the oldest folios once a node's cache reaches its share of the limit.
// Mimics page_cache_ra_unbounded() / page_cache_ra_order() allocating folios with
// readahead_gfp_mask(), and shrink_folio_list() freeing clean file folios in
// SWAP_CLUSTER_MAX batches (order-0 frees through free_unref_folios(): mm_page_free_batched).
#ifndef MEMSIM_SIM_WORKLOAD_PAGECACHE_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_PAGECACHE_WORKLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

class PagecacheWorkload : public Workload {
 public:
  // Checks --file_size, --folio_order, --footprint (the page-cache limit; default 1/2 of
  // memory, split evenly over the nodes).
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  PagecacheWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_PAGECACHE_WORKLOAD_H_
