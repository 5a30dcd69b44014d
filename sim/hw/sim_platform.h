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
// (tests/hw/sim_platform_test.cc). Batches can be run any number of times. A sweep worker
// replays several points on the one platform: Rebind gives it the next point's machine when
// that machine has the same platform (Key), as long as the engine has not run (EngineHasRun;
// docs/sweeps.md, "Processes").
//
// SimGrid itself is loaded on first use (CreateEngine or Create), from the module
// libmemsim_simgrid.so (simgrid_backend.h): commands that build no platform never map it. It
// is looked for beside the running binary, then where the build put it; $MEMSIM_SIMGRID_MODULE
// names it instead.
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
#include "sim/hw/simgrid_backend.h"

namespace memsim::hw {

struct SimPlatformOptions {
  // SimGrid network model; anything but CM02 is refused unless allow_tcp_models is set
  // (which exists so a test can show what LV08 does to memory latencies).
  std::string network_model = "CM02";
  bool allow_tcp_models = false;
  // Transfers of a batch that no other transfer can overlap get SimGrid's own lone-flow
  // time (route latency + bytes / the route's narrowest link) in closed form instead of a
  // comm each; see RunBatch. Only under CM02, whose lone-flow time is that formula. Off:
  // every transfer goes through SimGrid (tests compare the two).
  bool closed_form_when_alone = true;
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
    // The simulated core that issues the transfer: each core with transfers in a batch is
    // one SimGrid actor on its socket's host. -1: an anonymous issuer.
    int cpu = -1;
  };

  // Creates the process's SimGrid engine if it has none yet. A sweep calls it before forking
  // its points, so each point inherits the engine (and the loaded SimGrid) and builds only
  // its platform. Does nothing if the SimGrid module cannot be loaded (Create says why).
  static void CreateEngine();
  // Creates the process's SimGrid engine and builds the platform.
  // FailedPrecondition if this process already built one or the model is refused.
  static absl::StatusOr<std::unique_ptr<SimPlatform>> Create(const MachineTopology& topology,
                                                             const SimPlatformOptions& options);
  static absl::StatusOr<std::unique_ptr<SimPlatform>> Create(const MachineTopology& topology);

  // Everything of `topology` (and `options`) that the platform reads, in bytes: two machines
  // with the same key build the same platform (hosts, links, routes, latencies, bandwidths)
  // and have their transfers placed and timed alike, whatever else differs (caches, metadata
  // cache share, name).
  static std::string Key(const MachineTopology& topology, const SimPlatformOptions& options);
  // Whether SimGrid's engine has run in this process (a batch went through Simulate). Its
  // clock then is no longer 0, and the completion times of later batches, differences of
  // absolute times, may differ in their last bits from those of a fresh process.
  static bool EngineHasRun();
  // Makes `topology` the platform's machine (topology() returns it from now on) and starts
  // simulated_transfers() again from 0. FailedPrecondition if its Key differs from the
  // platform's. The route costs looked up so far stay: they depend only on the key.
  absl::Status Rebind(const MachineTopology& topology);
  // Whether Rebind(topology) would succeed.
  bool CanRebind(const MachineTopology& topology) const;

  // Runs `transfers` concurrently (each starts at its start_ns) and returns, per transfer,
  // its completion time in ns after the batch start. Bandwidth is shared among
  // simultaneous transfers on common links (max-min fairness).
  //
  // Speed: the batch is cut into clusters of transfers that may overlap in time, using for
  // each cluster an upper bound on when its last transfer ends (the sum of the members'
  // lone times after the cluster's first start; max-min fairness never does worse, see
  // docs/replay.md). A cluster of one transfer is alone on the machine for its whole life,
  // so SimGrid would give it exactly its lone time: it gets that in closed form (with
  // closed_form_when_alone). The other clusters run in SimGrid, as comms started by one
  // actor per batch.
  absl::StatusOr<std::vector<double>> RunBatch(const std::vector<Transfer>& transfers);

  // Transfers of all batches so far that went through SimGrid rather than the closed form.
  uint64_t simulated_transfers() const { return simulated_transfers_; }

  // Latency of the route between two endpoints as SimGrid sees it (sum of link
  // latencies), ns.
  absl::StatusOr<double> RouteLatencyNs(Endpoint from, Endpoint to) const;

  // SimGrid's clock, ns: the simulated time its batches took (transfers given their lone time
  // in closed form do not advance it).
  double now_ns() const;
  const MachineTopology& topology() const { return topology_; }

 private:
  // A route as SimGrid sees it: what one transfer alone on it takes.
  struct RouteCost {
    double latency_ns = -1;  // < 0: not looked up yet
    double bytes_per_ns = 0;
  };

  SimPlatform(const MachineTopology& topology, const SimPlatformOptions& options,
              SimGridBackend* backend)
      : topology_(topology), options_(options), sg_(backend) {}
  absl::Status Build();
  // The endpoint's host in the backend: sockets first, then nodes.
  absl::StatusOr<int> HostOf(Endpoint e) const;
  const RouteCost& CostOf(Endpoint from, Endpoint to);
  // Runs the transfers listed in `which` in SimGrid and fills their done_ns.
  // REQUIRES: `which` is sorted by start_ns; its endpoints are valid.
  void Simulate(const std::vector<Transfer>& transfers, const std::vector<size_t>& which,
                std::vector<double>* done_ns);

  MachineTopology topology_;
  SimPlatformOptions options_;
  uint64_t simulated_transfers_ = 0;
  // Indexed by endpoint pair: sockets first, then nodes, on both sides.
  std::vector<RouteCost> route_costs_;
  SimGridBackend* sg_;  // the process's, never destroyed
  std::vector<int> socket_hosts_;
  std::vector<int> node_hosts_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_SIM_PLATFORM_H_
