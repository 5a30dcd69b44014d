#include "sim/cli/common_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, o, "", "Output file (written atomically: a temporary file, then renamed).");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON instead of text.");
ABSL_FLAG(uint64_t, seed, 1, "Random seed; the same seed gives byte-identical output.");
ABSL_FLAG(std::string, machine, "",
          "Machine description: a textproto under configs/machines/ or an hwloc XML file.");

ABSL_FLAG(std::string, trace, "",
          "Trace to replay (.mtrace, from `memsim import` or `memsim gen`).");
ABSL_FLAG(std::string, out, "",
          "replay: the result JSON file. compare: the directory for results, table and plots.");
ABSL_FLAG(std::string, pfn_mapping, "proportional",
          "How trace pfns are placed on the machine's nodes: proportional (contiguous equal "
          "pieces, one per node), interleave (128 MiB sections round-robin), identity.");
ABSL_FLAG(std::string, cpu_mapping, "spread",
          "How trace CPUs are placed on cores: spread (evenly over all sockets) or modulo.");
ABSL_FLAG(bool, back_to_back, false,
          "Replay events as fast as the simulated CPUs allow instead of at their trace times.");
ABSL_FLAG(bool, simgrid, true,
          "Carry migration copies through SimGrid (bandwidth sharing); --nosimgrid uses the "
          "uncontended analytic estimate.");
ABSL_FLAG(uint64_t, quantum_ns, 1000000,
          "Synchronisation quantum of the simulated CPUs, in ns of simulated time.");
ABSL_FLAG(bool, plot, true, "Draw the plots (tools/plot, matplotlib) into --out.");
ABSL_FLAG(std::string, plot_tool, MEMSIM_SOURCE_DIR "/tools/plot",
          "The plotting script that --plot runs.");
