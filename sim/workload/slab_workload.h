// "slab": kernel objects of several slab caches are allocated and freed in alternating growth
// and shrink phases (up to a per-cache target, down to a quarter of it); the trace shows the slab
// *pages* SLUB takes from and returns to the buddy allocator. Mimics allocate_slab() (a new slab
// when a cache has no partial slab on the node) and discard_slab() (an empty slab is freed once the
// node already keeps min_partial partial slabs). Object frees are mostly oldest-first (dentry/inode
// shrinkers walk LRUs) with a
// --slab_random_free share of random frees, which leaves partially used slabs behind.
#ifndef MEMSIM_SIM_WORKLOAD_SLAB_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_SLAB_WORKLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

// One simulated kmem_cache. Values are typical of x86-64 SLUB on Linux 6.x (/proc/slabinfo:
// objsize, objperslab, pagesperslab).
struct SlabCacheDesc {
  const char* name;
  uint32_t object_bytes;
  uint32_t objects_per_slab;
  uint32_t order;    // slab size: 2^order pages
  bool reclaimable;  // SLAB_RECLAIM_ACCOUNT: __GFP_RECLAIMABLE, MIGRATE_RECLAIMABLE
  double weight;     // share of object allocations
};

class SlabWorkload : public Workload {
 public:
  // Checks --slab_random_free and --footprint (target slab memory; default 1/16 of memory).
  static absl::StatusOr<std::unique_ptr<Workload>> Create(const WorkloadParams& params);
  // The caches the workload uses.
  static const std::vector<SlabCacheDesc>& Caches();

  std::vector<std::pair<std::string, std::string>> Attributes() const override;
  absl::Status Generate(EventSink* sink) override;

 private:
  SlabWorkload(const WorkloadParams& params, MachineDesc machine)
      : params_(params), machine_(std::move(machine)) {}

  WorkloadParams params_;
  MachineDesc machine_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_SLAB_WORKLOAD_H_
