// Moves bulk data (migration page copies) between NUMA nodes and says when each copy ends.
// The replayer collects a quantum's copies and hands them over in one batch, so SimGrid is
// entered once per quantum, never once per event.
#ifndef MEMSIM_SIM_REPLAY_BULK_COPIER_H_
#define MEMSIM_SIM_REPLAY_BULK_COPIER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/hw/machine_topology.h"

namespace memsim::hw {
class SimPlatform;
}

namespace memsim::replay {

struct Copy {
  int from_node = 0;
  int to_node = 0;
  uint64_t bytes = 0;
  double start_ns = 0;  // relative to the batch start
  int cpu = -1;         // simulated core that issues the copy (its SimGrid actor); -1: none
};

class BulkCopier {
 public:
  virtual ~BulkCopier() = default;
  // Completion time of each copy, ns after the batch start (>= its start_ns).
  virtual absl::StatusOr<std::vector<double>> Run(const std::vector<Copy>& copies) = 0;
  // Duration of one copy alone on an idle machine, ns (the in-quantum estimate).
  virtual double AloneNs(const Copy& copy) const = 0;
  virtual bool uses_simgrid() const = 0;
  // The machine the copier was built for; the replay runs on it (built once per process).
  virtual const hw::MachineTopology& topology() const = 0;
};

// Each copy alone on an idle machine: latency(from, to) + bytes / the narrowest bandwidth
// on its path (either node's DRAM, and the inter-socket link when the nodes' sockets
// differ). No contention: the stand-in used to measure what SimGrid costs. `topology` must
// outlive the copier.
std::unique_ptr<BulkCopier> NewAnalyticCopier(const hw::MachineTopology& topology);

// Copies through the machine's SimGrid platform: concurrent copies share link and DRAM
// bandwidth (max-min fairness). `platform` must outlive the copier.
std::unique_ptr<BulkCopier> NewSimGridCopier(hw::SimPlatform* platform);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_BULK_COPIER_H_
