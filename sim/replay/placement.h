// How a trace is placed on the simulated machine: the policies TraceMapping implements
// (trace_mapping.h describes them; docs/replay.md says which question each answers) and their
// names on the command line and in results. Kept apart from TraceMapping so that
// ReplayOptions (replayer.h) needs nothing else.
#ifndef MEMSIM_SIM_REPLAY_PLACEMENT_H_
#define MEMSIM_SIM_REPLAY_PLACEMENT_H_

#include <string>

#include "absl/status/statusor.h"

namespace memsim::replay {

// Where trace pfns (and, with CpuPlacement::kAuto, trace CPUs) go.
//   kKernel        the default: kPack for a one-node recording, kNodes for several nodes.
//   kPack          the recording's nodes on the first socket's CPU nodes.
//   kNodes         trace node i on the machine's i-th CPU node (folded modulo their number).
//   kReplicate     one copy of the recording per CPU node (per group of trace-node-count
//                  CPU nodes), each on its own node's memory and cores.
//   kProportional, kInterleave, kIdentity   the span spread over every node (trace_mapping.h).
enum class PfnPlacement {
  kKernel,
  kPack,
  kNodes,
  kReplicate,
  kProportional,
  kInterleave,
  kIdentity
};
// kAuto: kNode under kPack/kNodes/kReplicate, kSpread under the others. kNode puts each trace
// CPU on a core of the machine node its trace node went to.
enum class CpuPlacement { kAuto, kNode, kSpread, kModulo };

// "kernel", "pack", "nodes", "replicate", "proportional", "interleave", "identity";
// InvalidArgument naming the choices otherwise.
absl::StatusOr<PfnPlacement> ParsePfnPlacement(const std::string& name);
// "auto" (or ""), "node", "spread", "modulo"; InvalidArgument naming the choices otherwise.
absl::StatusOr<CpuPlacement> ParseCpuPlacement(const std::string& name);
std::string PfnPlacementName(PfnPlacement p);
std::string CpuPlacementName(CpuPlacement p);

// True for the placements that put each trace node on one machine node (pack, nodes,
// replicate, and kernel, which resolves to one of them).
bool IsNodePlacement(PfnPlacement p);
// kKernel resolved for a recording with `trace_nodes` nodes; others unchanged.
PfnPlacement ResolvePfnPlacement(PfnPlacement p, size_t trace_nodes);
// kAuto resolved for the (resolved) pfn placement; InvalidArgument for a combination that has
// no meaning: kNode without a node placement, kSpread/kModulo with kReplicate.
absl::StatusOr<CpuPlacement> ResolveCpuPlacement(CpuPlacement cpu, PfnPlacement pfn);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_PLACEMENT_H_
