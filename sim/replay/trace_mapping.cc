#include "sim/replay/trace_mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

namespace {

constexpr uint64_t kSectionPages = TraceMapping::kSectionPages;

uint64_t RoundUpToSection(uint64_t pfn) { return (pfn + kSectionPages - 1) & ~(kSectionPages - 1); }
uint64_t RoundDownToSection(uint64_t pfn) { return pfn & ~(kSectionPages - 1); }
double GiB(uint64_t pages) { return static_cast<double>(pages) * 4096 / (uint64_t{1} << 30); }

}  // namespace

absl::StatusOr<TraceMapping> TraceMapping::Create(PfnPlacement placement,
                                                  CpuPlacement cpu_placement,
                                                  const TraceLayout& trace,
                                                  const hw::MachineTopology& machine) {
  if (machine.cores() <= 0) return absl::InvalidArgumentError("machine has no cores");
  TraceMapping m;
  m.placement_ = ResolvePfnPlacement(placement, std::max<size_t>(1, trace.nodes.size()));
  ASSIGN_OR_RETURN(m.cpu_placement_, ResolveCpuPlacement(cpu_placement, m.placement_));
  m.trace_cpus_ = std::max<uint32_t>(1, trace.cpus);
  m.cores_ = machine.cores();
  m.node_cores_.assign(machine.nodes(), {});
  for (int c = 0; c < machine.cores(); ++c) {
    m.home_node_.push_back(machine.home_node_of_core(c));
    m.node_cores_[machine.home_node_of_core(c)].push_back(c);
  }
  if (IsNodePlacement(m.placement_)) {
    RETURN_IF_ERROR(m.PlaceNodes(trace, machine));
  } else {
    RETURN_IF_ERROR(m.PlaceSpan(trace, machine));
  }
  return m;
}

absl::Status TraceMapping::PlaceNodes(const TraceLayout& trace,
                                      const hw::MachineTopology& machine) {
  // CPU nodes in id order, and those of the first socket.
  std::vector<int> cpu_nodes, first_socket;
  for (int n = 0; n < machine.nodes(); ++n) {
    if (node_cores_[n].empty()) continue;
    cpu_nodes.push_back(n);
    if (machine.socket_of_node(n) == 0) first_socket.push_back(n);
  }
  if (cpu_nodes.empty()) return absl::InvalidArgumentError("machine has no node with cores");
  if (first_socket.empty()) first_socket.push_back(cpu_nodes[0]);
  // Trace nodes: section-aligned spans (an empty trace gets one empty node).
  std::vector<TraceLayout::Node> nodes = trace.nodes;
  if (nodes.empty()) nodes.push_back({0, 0});
  const size_t t_nodes = nodes.size();
  for (const TraceLayout::Node& n : nodes) {
    const uint64_t base = RoundDownToSection(n.start_pfn);
    trace_base_.push_back(base);
    trace_end_.push_back(n.end_pfn > n.start_pfn ? base + RoundUpToSection(n.end_pfn - base)
                                                 : base);
  }
  // CPU-less machine nodes (CXL expanders, memory tiers), the first socket's first.
  std::vector<int> cpu_less;
  for (int pass = 0; pass < 2; ++pass) {
    for (int n = 0; n < machine.nodes(); ++n) {
      if (!node_cores_[n].empty() || (machine.socket_of_node(n) == 0) != (pass == 0)) continue;
      cpu_less.push_back(n);
    }
  }
  // The CPU -> node map, where the trace has one.
  const bool have_map = !trace.cpu_node.empty();
  for (uint32_t c = 0; c < trace_cpus_; ++c) {
    const int32_t n = c < trace.cpu_node.size() ? trace.cpu_node[c] : -1;
    cpu_trace_node_.push_back(n >= 0 && static_cast<size_t>(n) < t_nodes ? n : -1);
  }
  memory_only_.assign(t_nodes, have_map);
  for (uint32_t c = 0; c < trace_cpus_; ++c) memory_only_[TraceNodeOfCpu(c)] = false;
  if (t_nodes > 1) {
    for (uint32_t c = 0; c < trace_cpus_; ++c) cpus_assumed_ += cpu_trace_node_[c] < 0;
    if (cpus_assumed_ > 0) {
      cpu_map_warning_ = absl::StrCat(
          have_map ? absl::StrCat(cpus_assumed_, " of ", trace_cpus_, " trace CPUs are")
                   : "the trace has no CPU -> node map: every trace CPU is",
          " taken to be on trace node floor(c*", t_nodes, "/", trace_cpus_,
          ") (contiguous CPU numbering assumed; re-import with a current memsim to infer it)");
    }
  }
  const size_t n_cpu_nodes = cpu_nodes.size();
  copies_ = placement_ == PfnPlacement::kReplicate
                ? static_cast<int>(std::max<size_t>(1, n_cpu_nodes / t_nodes))
                : 1;
  // Trace CPUs per trace node.
  std::vector<uint32_t> node_cpus(t_nodes, 0);
  for (uint32_t c = 0; c < trace_cpus_; ++c) ++node_cpus[TraceNodeOfCpu(c)];
  // Slots, one after the other in each machine node.
  const config::Machine& cfg = machine.machine();
  std::vector<uint64_t> used(machine.nodes(), 0);     // pages placed so far
  std::vector<uint32_t> cpus_on(machine.nodes(), 0);  // trace CPUs placed so far
  for (int k = 0; k < copies_; ++k) {
    size_t memory_rank = 0;
    for (size_t t = 0; t < t_nodes; ++t) {
      int target;
      if (memory_only_[t] && !cpu_less.empty()) {
        target = cpu_less[(k * t_nodes + memory_rank++) % cpu_less.size()];
      } else if (placement_ == PfnPlacement::kPack) {
        target = first_socket[t % first_socket.size()];
      } else {
        target = cpu_nodes[(k * t_nodes + t) % n_cpu_nodes];
      }
      const auto& node = cfg.node(target);
      const uint64_t base = RoundUpToSection(node.start_pfn());
      const uint64_t capacity =
          node.end_pfn() > base ? RoundDownToSection(node.end_pfn() - base) : 0;
      const uint64_t need = trace_end_[t] - trace_base_[t];
      if (used[target] + need > capacity) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "trace node %d (%.1f GiB from its 128 MiB section) does not fit machine node %d "
            "with %s placement (%.1f GiB, %.1f GiB already placed there); use "
            "--placement=proportional or interleave (the trace spread over every node) or a "
            "machine with more memory per node",
            t, GiB(need), target, PfnPlacementName(placement_), GiB(capacity), GiB(used[target])));
      }
      slots_.push_back(Slot{base + used[target], target, cpus_on[target]});
      used[target] += need;
      cpus_on[target] += node_cpus[t];
    }
  }
  if (cpu_placement_ == CpuPlacement::kNode) {
    for (int k = 0; k < copies_; ++k) {
      std::vector<uint32_t> rank(t_nodes, 0);
      for (uint32_t c = 0; c < trace_cpus_; ++c) {
        const uint32_t t = TraceNodeOfCpu(c);
        const Slot& s = slots_[k * t_nodes + t];
        const std::vector<int>& cores = node_cores_[s.machine_node];
        cpu_core_.push_back(cores[(s.cpu_offset + rank[t]++) % cores.size()]);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status TraceMapping::PlaceSpan(const TraceLayout& trace, const hw::MachineTopology& machine) {
  if (placement_ == PfnPlacement::kIdentity) return absl::OkStatus();
  uint64_t start = kNoPfn, end = 0;
  for (const TraceLayout::Node& n : trace.nodes) {
    if (n.end_pfn <= n.start_pfn) continue;
    start = std::min(start, n.start_pfn);
    end = std::max(end, n.end_pfn);
  }
  if (start == kNoPfn) {
    placement_ = PfnPlacement::kIdentity;  // no pfn anywhere: any placement will do
    return absl::OkStatus();
  }
  base_ = RoundDownToSection(start);
  const uint64_t sections = (end - base_ + kSectionPages - 1) >> kSectionShift;
  std::vector<uint64_t> capacity;  // sections per node
  std::vector<uint32_t> ids;
  for (const auto& n : machine.machine().node()) {
    const uint64_t base = RoundUpToSection(n.start_pfn());
    const uint64_t node_end = n.end_pfn();
    if (node_end <= base || ((node_end - base) >> kSectionShift) == 0) continue;
    node_base_.push_back(base);
    capacity.push_back((node_end - base) >> kSectionShift);
    ids.push_back(n.id());
  }
  if (node_base_.empty()) {
    return absl::InvalidArgumentError("no machine node holds a whole 128 MiB section");
  }
  const uint64_t n = node_base_.size();
  sections_per_piece_ = (sections + n - 1) / n;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t need =
        placement_ == PfnPlacement::kProportional
            ? std::min(sections_per_piece_, sections - std::min(sections, i * sections_per_piece_))
            : (sections + n - 1 - i) / n;
    if (need > capacity[i]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the trace's pfn span (%.1f GiB) does not fit the machine with %s placement: node %u "
          "would need %.1f GiB and has %.1f GiB; use a machine with more memory",
          sections * 128 / 1024.0, PfnPlacementName(placement_), ids[i], need * 128 / 1024.0,
          capacity[i] * 128 / 1024.0));
    }
  }
  end_ = base_ + (sections << kSectionShift);
  return absl::OkStatus();
}

uint32_t TraceMapping::TraceNodeOfCpu(uint32_t cpu) const {
  if (!cpu_trace_node_.empty() && cpu_trace_node_[cpu % trace_cpus_] >= 0) {
    return static_cast<uint32_t>(cpu_trace_node_[cpu % trace_cpus_]);
  }
  const uint64_t t_nodes = std::max<size_t>(1, trace_base_.size());
  return static_cast<uint32_t>(uint64_t{cpu % trace_cpus_} * t_nodes / trace_cpus_);
}

std::string TraceMapping::Describe() const {
  std::string s = PfnPlacementName(placement_);
  if (!slots_.empty()) {
    const size_t t_nodes = trace_base_.size();
    if (copies_ > 1) absl::StrAppend(&s, ", ", copies_, " copies");
    absl::StrAppend(&s, ", cpus ", CpuPlacementName(cpu_placement_));
    if (cpu_placement_ == CpuPlacement::kNode) absl::StrAppend(&s, " (kcompactd rule)");
    absl::StrAppend(&s, ":");
    for (int k = 0; k < copies_; ++k) {
      if (copies_ > 1) absl::StrAppend(&s, k == 0 ? "" : ";", " copy ", k, ":");
      for (size_t t = 0; t < t_nodes; ++t) {
        const Slot& slot = slots_[k * t_nodes + t];
        absl::StrAppendFormat(&s, " trace node %d pfn 0x%x-0x%x -> node %d pfn 0x%x,", t,
                              trace_base_[t], trace_end_[t], slot.machine_node, slot.machine_base);
      }
      if (cpu_placement_ == CpuPlacement::kNode) {
        const auto first = cpu_core_.begin() + k * trace_cpus_;
        const auto [lo, hi] = std::minmax_element(first, first + trace_cpus_);
        absl::StrAppend(&s, " ", trace_cpus_, " trace CPUs -> cores ", *lo, "-", *hi);
      } else {
        absl::StrAppend(&s, " ", trace_cpus_, " trace CPUs -> ", cores_, " cores");
      }
    }
    if (t_nodes > 1 && cpus_assumed_ == 0) {
      absl::StrAppend(&s, "; CPU -> node map from the trace");
    } else if (t_nodes > 1) {
      absl::StrAppend(&s, "; ", cpus_assumed_, " CPUs on trace node floor(c*", t_nodes, "/",
                      trace_cpus_, ") (assumed: no CPU -> node map for them)");
    }
    return s;
  }
  absl::StrAppend(&s, ", cpus ", CpuPlacementName(cpu_placement_));
  if (placement_ != PfnPlacement::kIdentity) {
    absl::StrAppendFormat(&s, " (trace pfn 0x%x-0x%x over %d nodes)", base_, end_,
                          node_base_.size());
  }
  return s;
}

}  // namespace memsim::replay
