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
ABSL_FLAG(std::string, placement, "kernel",
          "Where the trace's memory and CPUs go on the machine (docs/replay.md): kernel (as the "
          "kernel would: a one-node recording packed on the first socket, a multi-node one on "
          "its own nodes), pack, nodes, replicate (one copy per CPU node), proportional, "
          "interleave, identity.");
ABSL_FLAG(std::string, pfn_mapping, "",
          "Old name of --placement (same values; give one of the two).");
ABSL_FLAG(std::string, cpu_mapping, "auto",
          "How trace CPUs are placed on cores: auto (node under kernel/pack/nodes/replicate, "
          "spread under the others), node (on the cores of the node their memory went to), "
          "spread (evenly over all sockets) or modulo.");
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
