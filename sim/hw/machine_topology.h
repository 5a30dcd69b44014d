// Derived, read-only facts about a validated Machine that the simulator asks per access:
// which socket and home node a core has, which node a page frame is on, latencies in ns.
#ifndef MEMSIM_SIM_HW_MACHINE_TOPOLOGY_H_
#define MEMSIM_SIM_HW_MACHINE_TOPOLOGY_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"

namespace memsim::hw {

class MachineTopology {
 public:
  // Validates `machine` first (for machines that did not come from LoadMachine).
  static absl::StatusOr<MachineTopology> Create(const config::Machine& machine);
  // REQUIRES: ValidateMachine(machine) is OK, e.g. a machine LoadMachine returned: a
  // machine is validated once, where it is read.
  explicit MachineTopology(const config::Machine& machine);

  const config::Machine& machine() const { return machine_; }
  int sockets() const { return sockets_; }
  int cores() const { return static_cast<int>(core_socket_.size()); }
  int nodes() const { return nodes_; }
  int socket_of_core(int core) const { return core_socket_[core]; }
  int home_node_of_core(int core) const { return core_home_node_[core]; }
  int socket_of_node(int node) const { return node_socket_[node]; }
  // The first node with CPUs of `socket`: where a socket-level request starts.
  int first_cpu_node(int socket) const { return socket_first_cpu_node_[socket]; }
  // Idle DRAM latency from a core of node `from` to memory of node `to`, ns.
  double latency_ns(int from, int to) const { return latency_ns_[from * nodes_ + to]; }
  // Node holding 4 KiB page frame `pfn`, or -1 if no node's range covers it.
  int NodeOfPfn(uint64_t pfn) const;
  // Cost of taking a line that socket `owner` holds modified, for a core of node `from`.
  double HitmNs(int from_node, int owner_socket) const;

  double l1_hit_ns() const { return l1_hit_ns_; }
  double l2_hit_ns() const { return l2_hit_ns_; }
  double llc_hit_ns() const { return llc_hit_ns_; }

 private:
  config::Machine machine_;
  int sockets_ = 0;
  int nodes_ = 0;
  std::vector<int> core_socket_;
  std::vector<int> core_home_node_;
  std::vector<int> node_socket_;
  std::vector<int> socket_first_cpu_node_;
  std::vector<double> latency_ns_;
  // Node ranges sorted by start_pfn: {start, end, node}.
  struct Range {
    uint64_t start_pfn;
    uint64_t end_pfn;
    int node;
  };
  std::vector<Range> ranges_;
  double l1_hit_ns_ = 0, l2_hit_ns_ = 0, llc_hit_ns_ = 0;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MACHINE_TOPOLOGY_H_
