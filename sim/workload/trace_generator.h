// Runs a workload into a .mtrace file with a complete header: source "gen:<name>", the
// machine's nodes and CPUs, clock "synthetic", every parameter and the seed as attributes.
#ifndef MEMSIM_SIM_WORKLOAD_TRACE_GENERATOR_H_
#define MEMSIM_SIM_WORKLOAD_TRACE_GENERATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "proto/trace.pb.h"
#include "sim/workload/workload_params.h"
#include "sim/workload/workload_registry.h"

namespace memsim::workload {

struct GenerateResult {
  uint64_t events = 0;
  uint64_t snapshot_runs = 0;
  uint64_t bytes = 0;  // size of the body written (compressed chunks)
};

// Fills `header` (everything but produced_by) for workload `name` with `params`.
void FillTraceHeader(const std::string& name, const WorkloadParams& params,
                     const Workload& workload, trace::TraceHeader* header);

// Creates the workload from `registry`, generates it into `path` (written atomically) with
// `produced_by` as the header's command line.
absl::StatusOr<GenerateResult> GenerateTraceFile(const WorkloadRegistry& registry,
                                                 const std::string& name,
                                                 const WorkloadParams& params,
                                                 const std::string& path,
                                                 const std::string& produced_by);

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_TRACE_GENERATOR_H_
