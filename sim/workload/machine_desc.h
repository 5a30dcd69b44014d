// The machine a synthetic workload runs on: NUMA nodes with their pfn ranges and the CPUs
// attached to each. A plain struct on purpose: `memsim gen` builds it from flags today
// (MachineDesc::Uniform), and a machine config (proto/machine.proto) can fill it later.
#ifndef MEMSIM_SIM_WORKLOAD_MACHINE_DESC_H_
#define MEMSIM_SIM_WORKLOAD_MACHINE_DESC_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memsim::workload {

inline constexpr uint64_t kPageSizeBytes = 4096;
// MAX_PAGE_ORDER on x86-64 (Linux 6.x): the largest buddy block is 2^10 pages (4 MiB).
inline constexpr uint32_t kMaxOrder = 10;
// pageblock_order = HPAGE_PMD_ORDER on x86-64: 512 pages (2 MiB), also the THP order.
inline constexpr uint32_t kPageblockOrder = 9;

struct NodeDesc {
  uint32_t node_id = 0;
  uint64_t start_pfn = 0;  // first pfn
  uint64_t end_pfn = 0;    // one past the last pfn
  std::vector<uint32_t> cpus;

  uint64_t pages() const { return end_pfn - start_pfn; }
};

struct MachineDesc {
  std::vector<NodeDesc> nodes;  // sorted by start_pfn, non-overlapping
  uint32_t num_cpus = 0;
  std::vector<uint32_t> cpu_node;  // node index (into `nodes`) of each cpu

  // `nodes` nodes of `node_mem_bytes` each, laid out back to back from pfn 0, and `cpus` CPUs
  // spread over them in contiguous groups (cpu c on node c * nodes / cpus), the way firmware
  // usually numbers cores socket by socket. Errors name the flags --nodes, --node_mem, --cpus.
  static absl::StatusOr<MachineDesc> Uniform(uint32_t nodes, uint64_t node_mem_bytes,
                                             uint32_t cpus);

  // Appends a node without CPUs of `bytes` (a CXL expander: --cxl_mem) after the last node.
  // Errors name --cxl_mem.
  absl::Status AddCpuLessNode(uint64_t bytes);
  uint64_t total_pages() const;
  // Index into `nodes` of the node holding `pfn`; nodes.size() if none.
  uint32_t NodeOfPfn(uint64_t pfn) const;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_MACHINE_DESC_H_
