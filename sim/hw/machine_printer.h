// `memsim machine show`: a validated Machine as a person reads it, or as JSON.
#ifndef MEMSIM_SIM_HW_MACHINE_PRINTER_H_
#define MEMSIM_SIM_HW_MACHINE_PRINTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"

namespace memsim::hw {

// Human-readable summary: sockets, caches with derived sets and ns, nodes with pfn ranges
// and home cores, the latency matrix, links and routes. REQUIRES: ValidateMachine is OK.
std::string FormatMachineText(const config::Machine& machine);

// Protobuf's JSON mapping with the proto field names.
absl::StatusOr<std::string> FormatMachineJson(const config::Machine& machine);

// Protobuf text format, as written by `memsim machine import-hwloc`.
std::string FormatMachineTextproto(const config::Machine& machine);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MACHINE_PRINTER_H_
