// The workloads `memsim gen` offers. Adding one: a file pair, its test, one line in
// builtin_workloads.cc.
#ifndef MEMSIM_SIM_WORKLOAD_BUILTIN_WORKLOADS_H_
#define MEMSIM_SIM_WORKLOAD_BUILTIN_WORKLOADS_H_

#include "sim/workload/workload_registry.h"

namespace memsim::workload {

void RegisterBuiltinWorkloads(WorkloadRegistry& registry);

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_BUILTIN_WORKLOADS_H_
