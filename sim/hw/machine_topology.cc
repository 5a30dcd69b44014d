#include "sim/hw/machine_topology.h"

#include <algorithm>

#include "sim/hw/machine_validator.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

absl::StatusOr<MachineTopology> MachineTopology::Create(const config::Machine& machine) {
  RETURN_IF_ERROR(ValidateMachine(machine));
  return MachineTopology(machine);
}

MachineTopology::MachineTopology(const config::Machine& m) : machine_(m) {
  sockets_ = static_cast<int>(m.sockets());
  nodes_ = m.node_size();
  const int cps = static_cast<int>(m.cores_per_socket());
  core_socket_.resize(sockets_ * cps);
  core_home_node_.assign(sockets_ * cps, -1);
  node_socket_.resize(nodes_);
  socket_first_cpu_node_.assign(sockets_, -1);
  for (int c = 0; c < sockets_ * cps; ++c) core_socket_[c] = c / cps;
  for (int n = 0; n < nodes_; ++n) {
    const auto& node = m.node(n);
    node_socket_[n] = static_cast<int>(node.socket());
    if (!node.cpu_less() && socket_first_cpu_node_[node.socket()] < 0) {
      socket_first_cpu_node_[node.socket()] = n;
    }
    for (uint32_t core : node.cores()) core_home_node_[core] = n;
    ranges_.push_back({node.start_pfn(), node.end_pfn(), n});
  }
  // Sockets whose nodes list no cores: split the cores evenly among the CPU nodes, in order.
  for (int s = 0; s < sockets_; ++s) {
    std::vector<int> cpu_nodes;
    bool listed = false;
    for (int n = 0; n < nodes_; ++n) {
      if (node_socket_[n] != s || m.node(n).cpu_less()) continue;
      cpu_nodes.push_back(n);
      listed |= m.node(n).cores_size() > 0;
    }
    if (listed) continue;
    const int per_node = cps / static_cast<int>(cpu_nodes.size());
    for (int i = 0; i < cps; ++i) core_home_node_[s * cps + i] = cpu_nodes[i / per_node];
  }
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.start_pfn < b.start_pfn; });
  latency_ns_.assign(m.latency_ns().begin(), m.latency_ns().end());
  l1_hit_ns_ = m.l1d().hit_latency_cycles() / m.clock_ghz();
  l2_hit_ns_ = m.l2().hit_latency_cycles() / m.clock_ghz();
  llc_hit_ns_ = m.llc().hit_latency_cycles() / m.clock_ghz();
}

int MachineTopology::NodeOfPfn(uint64_t pfn) const {
  // Few nodes: a binary search over the sorted ranges.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), pfn,
                             [](uint64_t p, const Range& r) { return p < r.start_pfn; });
  if (it == ranges_.begin()) return -1;
  --it;
  return pfn < it->end_pfn ? it->node : -1;
}

double MachineTopology::HitmNs(int from_node, int owner_socket) const {
  if (machine_.coherence().remote_hitm_ns() > 0) return machine_.coherence().remote_hitm_ns();
  return latency_ns(from_node, socket_first_cpu_node_[owner_socket]);
}

}  // namespace memsim::hw
