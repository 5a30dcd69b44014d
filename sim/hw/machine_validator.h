// Checks a Machine config before anything is built from it.
#ifndef MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_
#define MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_

#include "absl/status/status.h"
#include "proto/machine.pb.h"

namespace memsim::hw {

// The largest socket count the coherence directory tracks (one byte per socket per line).
inline constexpr int kMaxSockets = 8;
// Page size of the pfn ranges.
inline constexpr uint64_t kPageBytes = 4096;

// Returns InvalidArgument naming the first offending field ("node[1].start_pfn: ...") if
// the machine cannot exist: zero sizes, non-power-of-two cache sets, a latency matrix of
// the wrong shape, overlapping node memory, a core with no socket or no home node, a
// route through an unknown link, a route whose links alone exceed the matrix latency, ….
absl::Status ValidateMachine(const config::Machine& machine);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_
