// The machine as a SimGrid platform, for traffic whose cost depends on bandwidth sharing:
// page copies, bulk remote reads, contended transfers. Built in C++ by Create(): one host
// per socket (with its cores), one endpoint host per NUMA node (its memory controller or
// CXL port), a link per node for its memory channels (the node's DRAM bandwidth), the
// machine's interconnect links, and routes from every socket to every node and between
// every pair of nodes. Each route also crosses a private latency-only link that brings its
// total latency to the latency-matrix entry, so one line moved by SimGrid costs the
// configured latency (+ line / bandwidth).
//
// SimGrid 3.32 allows one Engine per process and a sealed platform cannot be extended, so a
// process builds at most one SimPlatform; tests run each scenario in a forked child
// (tests/hw/sim_platform_test.cc). Batches can be run any number of times.
//
// Only network/model:CM02 is accepted by default: SimGrid's default LV08 model multiplies
// latencies by 13.01 for TCP slow start, turning an 80 ns access into about 1 us.
#ifndef MEMSIM_SIM_HW_SIM_PLATFORM_H_
#define MEMSIM_SIM_HW_SIM_PLATFORM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/hw/machine_topology.h"

namespace simgrid::s4u {
class Host;
}  // namespace simgrid::s4u

namespace memsim::hw {

struct SimPlatformOptions {
  // SimGrid network model; anything but CM02 is refused unless allow_tcp_models is set
  // (which exists so a test can show what LV08 does to memory latencies).
  std::string network_model = "CM02";
  bool allow_tcp_models = false;
};

class SimPlatform {
 public:
  struct Endpoint {
    enum Kind : uint8_t { kSocket, kNode };
    Kind kind;
    int index;
    static Endpoint Socket(int s) { return {kSocket, s}; }
    static Endpoint Node(int n) { return {kNode, n}; }
  };
  struct Transfer {
    Endpoint from;
    Endpoint to;
    uint64_t bytes = 0;
    double start_ns = 0;  // relative to the start of the batch
  };

  // Creates the process's SimGrid engine and builds the platform.
  // FailedPrecondition if this process already built one or the model is refused.
  static absl::StatusOr<std::unique_ptr<SimPlatform>> Create(const MachineTopology& topology,
                                                             const SimPlatformOptions& options);
  static absl::StatusOr<std::unique_ptr<SimPlatform>> Create(const MachineTopology& topology);

  // Runs `transfers` concurrently (each starts at its start_ns) and returns, per transfer,
  // its completion time in ns after the batch start. Bandwidth is shared among
  // simultaneous transfers on common links (max-min fairness).
  absl::StatusOr<std::vector<double>> RunBatch(const std::vector<Transfer>& transfers);

  // Latency of the route between two endpoints as SimGrid sees it (sum of link
  // latencies), ns.
  absl::StatusOr<double> RouteLatencyNs(Endpoint from, Endpoint to) const;

  // Simulated time consumed by all batches so far, ns.
  double now_ns() const;
  const MachineTopology& topology() const { return topology_; }

 private:
  explicit SimPlatform(const MachineTopology& topology) : topology_(topology) {}
  absl::Status Build();
  absl::StatusOr<simgrid::s4u::Host*> HostOf(Endpoint e) const;

  MachineTopology topology_;
  std::vector<simgrid::s4u::Host*> socket_hosts_;
  std::vector<simgrid::s4u::Host*> node_hosts_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_SIM_PLATFORM_H_
