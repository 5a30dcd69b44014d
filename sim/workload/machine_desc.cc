#include "sim/workload/machine_desc.h"

#include "absl/strings/str_cat.h"

namespace memsim::workload {

absl::StatusOr<MachineDesc> MachineDesc::Uniform(uint32_t nodes, uint64_t node_mem_bytes,
                                                 uint32_t cpus) {
  constexpr uint64_t kMaxBlockBytes = kPageSizeBytes << kMaxOrder;
  if (nodes == 0 || nodes > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("--nodes must be in [1, 1024], got ", nodes));
  }
  if (node_mem_bytes == 0) {
    return absl::InvalidArgumentError("--node_mem must be positive, got 0");
  }
  if (node_mem_bytes % kMaxBlockBytes != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--node_mem must be a multiple of 4MiB (the largest buddy block, order ",
                     kMaxOrder, "), got ", node_mem_bytes, " bytes"));
  }
  // 2^52 pages (16 EiB / 4 KiB) is where pfn arithmetic would overflow.
  if (node_mem_bytes / kPageSizeBytes > (uint64_t{1} << 52) / nodes) {
    return absl::InvalidArgumentError(absl::StrCat("--nodes × --node_mem is too large (", nodes,
                                                   " × ", node_mem_bytes, " bytes)"));
  }
  if (cpus < nodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cpus (", cpus, ") must be at least --nodes (", nodes,
                     "): every node needs a CPU to run its share of the workload"));
  }
  if (cpus > 65536) {
    return absl::InvalidArgumentError(absl::StrCat("--cpus must be at most 65536, got ", cpus));
  }
  MachineDesc m;
  const uint64_t pages = node_mem_bytes / kPageSizeBytes;
  for (uint32_t n = 0; n < nodes; ++n) {
    m.nodes.push_back(NodeDesc{n, n * pages, (n + 1) * pages, {}});
  }
  m.num_cpus = cpus;
  for (uint32_t c = 0; c < cpus; ++c) {
    uint32_t node = static_cast<uint32_t>(uint64_t{c} * nodes / cpus);
    m.cpu_node.push_back(node);
    m.nodes[node].cpus.push_back(c);
  }
  return m;
}

absl::Status MachineDesc::AddCpuLessNode(uint64_t bytes) {
  constexpr uint64_t kMaxBlockBytes = kPageSizeBytes << kMaxOrder;
  if (bytes == 0 || bytes % kMaxBlockBytes != 0 || bytes / kPageSizeBytes > (uint64_t{1} << 40)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cxl_mem must be a positive multiple of 4MiB up to 4PiB, got ", bytes, " bytes"));
  }
  const uint64_t start = nodes.empty() ? 0 : nodes.back().end_pfn;
  nodes.push_back(
      NodeDesc{static_cast<uint32_t>(nodes.size()), start, start + bytes / kPageSizeBytes, {}});
  return absl::OkStatus();
}

uint64_t MachineDesc::total_pages() const {
  uint64_t total = 0;
  for (const NodeDesc& n : nodes) total += n.pages();
  return total;
}

uint32_t MachineDesc::NodeOfPfn(uint64_t pfn) const {
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (pfn >= nodes[i].start_pfn && pfn < nodes[i].end_pfn) return i;
  }
  return static_cast<uint32_t>(nodes.size());
}

}  // namespace memsim::workload
