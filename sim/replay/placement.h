// How a trace is placed on the simulated machine: the policies TraceMapping implements
// (trace_mapping.h describes them) and their names on the command line and in results.
// Kept apart from TraceMapping so that ReplayOptions (replayer.h) needs nothing else.
#ifndef MEMSIM_SIM_REPLAY_PLACEMENT_H_
#define MEMSIM_SIM_REPLAY_PLACEMENT_H_

#include <string>

#include "absl/status/statusor.h"

namespace memsim::replay {

enum class PfnPlacement { kIdentity, kProportional, kInterleave };
enum class CpuPlacement { kSpread, kModulo };

// "identity", "proportional", "interleave"; InvalidArgument naming the choices otherwise.
absl::StatusOr<PfnPlacement> ParsePfnPlacement(const std::string& name);
// "spread", "modulo"; InvalidArgument naming the choices otherwise.
absl::StatusOr<CpuPlacement> ParseCpuPlacement(const std::string& name);
std::string PfnPlacementName(PfnPlacement p);
std::string CpuPlacementName(CpuPlacement p);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_PLACEMENT_H_
