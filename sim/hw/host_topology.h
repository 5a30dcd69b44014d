// The live hwloc topology of the host memsim runs on, for `memsim machine calibrate`: the
// XML that sim/hw/hwloc_importer.h turns into a machine, and the cache sizes the
// calibration sizes its buffers from.
#ifndef MEMSIM_SIM_HW_HOST_TOPOLOGY_H_
#define MEMSIM_SIM_HW_HOST_TOPOLOGY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace memsim::hw {

struct HostTopology {
  std::string xml;  // hwloc XML of this host (as `lstopo --of xml` writes it)
  // Sizes of one instance of each cache above the first PU, bytes; 0 where hwloc has none.
  uint64_t l1_bytes = 0;
  uint64_t l2_bytes = 0;
  uint64_t llc_bytes = 0;
};

// Discovers this host with libhwloc in-process. Errors: hwloc cannot load or export it.
absl::StatusOr<HostTopology> ReadHostTopology();

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HOST_TOPOLOGY_H_
