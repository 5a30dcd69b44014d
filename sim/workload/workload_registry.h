// Named workload factories. RegisterBuiltinWorkloads() (builtin_workloads.h) lists the
// built-in ones; tests may build registries of their own.
#ifndef MEMSIM_SIM_WORKLOAD_WORKLOAD_REGISTRY_H_
#define MEMSIM_SIM_WORKLOAD_WORKLOAD_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/workload/workload.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

struct WorkloadEntry {
  std::string name;     // "anon"
  std::string summary;  // one line for `memsim gen --help`
  std::string flags;    // the workload-specific flags it reads, e.g. "--thp_share --footprint"
  // Validates the parameters (InvalidArgument naming the flag) and builds the workload.
  std::function<absl::StatusOr<std::unique_ptr<Workload>>(const WorkloadParams&)> create;
};

class WorkloadRegistry {
 public:
  // REQUIRES: no entry of that name yet.
  void Add(WorkloadEntry entry);
  const WorkloadEntry* Find(const std::string& name) const;
  const std::vector<WorkloadEntry>& entries() const { return entries_; }
  // NotFound listing the known names if `name` is not registered.
  absl::StatusOr<std::unique_ptr<Workload>> Create(const std::string& name,
                                                   const WorkloadParams& params) const;

 private:
  std::vector<WorkloadEntry> entries_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_WORKLOAD_REGISTRY_H_
