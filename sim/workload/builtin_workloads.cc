#include "sim/workload/builtin_workloads.h"

#include "sim/workload/anon_workload.h"
#include "sim/workload/fragment_workload.h"
#include "sim/workload/numa_workload.h"
#include "sim/workload/pagecache_workload.h"
#include "sim/workload/slab_workload.h"
#include "sim/workload/tiering_workload.h"

namespace memsim::workload {

void RegisterBuiltinWorkloads(WorkloadRegistry& registry) {
  registry.Add({"anon", "anonymous memory faulted in and unmapped, part of it as THPs",
                "--footprint --thp_share", &AnonWorkload::Create});
  registry.Add({"pagecache", "streaming file reads through readahead, kswapd evicting",
                "--footprint --file_size --folio_order", &PagecacheWorkload::Create});
  registry.Add({"slab", "slab object churn over dentry/inode/kmalloc caches",
                "--footprint --slab_random_free", &SlabWorkload::Create});
  registry.Add({"numa", "tasks moved off their memory's node; NUMA balancing migrates it",
                "--footprint --imbalance --thp_share", &NumaWorkload::Create});
  registry.Add({"fragment", "fragmented nodes where THP faults trigger direct compaction",
                "--fill --fragmentation --unmovable_share", &FragmentWorkload::Create});
  registry.Add({"tiering", "hot/cold pages demoted to a CXL node and promoted back",
                "--cxl_mem --footprint --hot_share --demote_watermark --thp_share",
                &TieringWorkload::Create});
}

}  // namespace memsim::workload
