#include "sim/replay/trace_mapping.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace memsim::replay {

absl::StatusOr<TraceMapping> TraceMapping::Create(PfnPlacement placement, uint64_t trace_start_pfn,
                                                  uint64_t trace_end_pfn,
                                                  const std::vector<mm::NodeLayout>& nodes,
                                                  CpuPlacement cpu_placement, uint32_t trace_cpus,
                                                  int machine_cores) {
  if (machine_cores <= 0) return absl::InvalidArgumentError("machine has no cores");
  TraceMapping m;
  m.placement_ = placement;
  m.cpu_placement_ = cpu_placement;
  m.trace_cpus_ = trace_cpus;
  m.cores_ = machine_cores;
  if (placement == PfnPlacement::kIdentity) return m;
  if (trace_end_pfn <= trace_start_pfn) {
    return absl::InvalidArgumentError("the trace names no pfn range to place");
  }
  m.base_ = trace_start_pfn & ~(kSectionPages - 1);
  const uint64_t sections = (trace_end_pfn - m.base_ + kSectionPages - 1) >> kSectionShift;
  std::vector<uint64_t> capacity;  // sections per node
  std::vector<uint32_t> ids;
  for (const mm::NodeLayout& n : nodes) {
    const uint64_t base = (n.start_pfn + kSectionPages - 1) & ~(kSectionPages - 1);
    const uint64_t end = n.start_pfn + n.pages;
    if (end <= base || ((end - base) >> kSectionShift) == 0) continue;  // no whole section
    m.node_base_.push_back(base);
    capacity.push_back((end - base) >> kSectionShift);
    ids.push_back(n.node_id);
  }
  if (m.node_base_.empty()) {
    return absl::InvalidArgumentError("no machine node holds a whole 128 MiB section");
  }
  const uint64_t n = m.node_base_.size();
  m.sections_per_piece_ = (sections + n - 1) / n;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t need = placement == PfnPlacement::kProportional
                              ? std::min(m.sections_per_piece_,
                                         sections - std::min(sections, i * m.sections_per_piece_))
                              : (sections + n - 1 - i) / n;
    if (need > capacity[i]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the trace's pfn span (%.1f GiB) does not fit the machine with %s placement: node %u "
          "would need %.1f GiB and has %.1f GiB; use a machine with more memory",
          sections * 128 / 1024.0, PfnPlacementName(placement), ids[i], need * 128 / 1024.0,
          capacity[i] * 128 / 1024.0));
    }
  }
  m.end_ = m.base_ + (sections << kSectionShift);
  return m;
}

std::string TraceMapping::Describe() const {
  std::string s = PfnPlacementName(placement_);
  if (placement_ != PfnPlacement::kIdentity) {
    absl::StrAppendFormat(&s, " (trace pfn 0x%x-0x%x over %d nodes)", base_, end_,
                          node_base_.size());
  }
  return s;
}

}  // namespace memsim::replay
