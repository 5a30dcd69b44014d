// Flags shared by several subcommands (absl flags are process-global, so each name is
// defined once, here).
#ifndef MEMSIM_SIM_CLI_COMMON_FLAGS_H_
#define MEMSIM_SIM_CLI_COMMON_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, o);        // output file
ABSL_DECLARE_FLAG(bool, json);            // machine-readable output
ABSL_DECLARE_FLAG(uint64_t, seed);        // random seed
ABSL_DECLARE_FLAG(std::string, machine);  // machine config (textproto or hwloc XML)

// Replay flags shared by `replay`, `compare` (and later `sweep`, `bench`).
ABSL_DECLARE_FLAG(std::string, trace);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, placement);
ABSL_DECLARE_FLAG(std::string, pfn_mapping);  // old name of --placement
ABSL_DECLARE_FLAG(std::string, cpu_mapping);
ABSL_DECLARE_FLAG(bool, back_to_back);
ABSL_DECLARE_FLAG(bool, simgrid);
ABSL_DECLARE_FLAG(uint64_t, quantum_ns);
// Plotting after `compare` and `sweep`.
ABSL_DECLARE_FLAG(bool, plot);
ABSL_DECLARE_FLAG(std::string, plot_tool);

#endif  // MEMSIM_SIM_CLI_COMMON_FLAGS_H_
