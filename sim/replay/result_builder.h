// The result of a replay from the engine's figures: overhead (machine, nodes, owner types;
// described memory and the whole machine under a rule for undescribed memory), per event
// kind counts, latency percentiles and metadata access counts, interconnect bytes,
// inconsistencies by cause, counters, event coverage and warnings (docs/results.md). Run
// metadata (paths, versions, wall time) is the caller's.
#ifndef MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_
#define MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/result.pb.h"
#include "sim/replay/replay_engine.h"

namespace memsim::replay {

// How Overhead.whole counts undescribed memory (pages no snapshot run or event described).
enum class UndescribedRule {
  // It holds what the described memory holds per page (descriptors, slabs, HVO savings).
  kExtrapolate,
  // It holds no descriptor, like free memory: the replayed machine figures.
  kFree,
};
// The default: a machine as full as the part the trace described. docs/results.md says why.
inline constexpr UndescribedRule kDefaultUndescribedRule = UndescribedRule::kExtrapolate;

// "extrapolate" / "free".
std::string UndescribedRuleName(UndescribedRule rule);
// InvalidArgument naming the valid names for anything else.
absl::StatusOr<UndescribedRule> ParseUndescribedRule(const std::string& name);

// Warning thresholds (docs/results.md, "Uncertainty"): a warning when more than this
// percentage of the events is dropped, or of the alloc/free/migrate operations contradicts
// the replayed state.
inline constexpr double kDroppedWarnPercent = 10.0;
inline constexpr double kContradictionsWarnPercent = 10.0;

// REQUIRES: engine.Run() returned OK. Overhead.whole under kDefaultUndescribedRule.
result::Result BuildResult(const ReplayEngine& engine);

// Sets overhead.whole, overhead.nodes[].whole and overhead.undescribed_rule from the
// result's machine, node and described figures (a pure function of them: may be applied
// again with another rule).
void ApplyUndescribedRule(UndescribedRule rule, result::Result* result);

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_RESULT_BUILDER_H_
