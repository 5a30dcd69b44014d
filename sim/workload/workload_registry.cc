#include "sim/workload/workload_registry.h"

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim::workload {

void WorkloadRegistry::Add(WorkloadEntry entry) {
  MEMSIM_CHECK(Find(entry.name) == nullptr, "workload registered twice");
  entries_.push_back(std::move(entry));
}

const WorkloadEntry* WorkloadRegistry::Find(const std::string& name) const {
  for (const WorkloadEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Workload>> WorkloadRegistry::Create(
    const std::string& name, const WorkloadParams& params) const {
  const WorkloadEntry* entry = Find(name);
  if (entry == nullptr) {
    std::string known;
    for (const WorkloadEntry& e : entries_)
      absl::StrAppend(&known, known.empty() ? "" : ", ", e.name);
    return absl::NotFoundError(
        absl::StrCat("--workload: unknown workload '", name, "' (known: ", known, ")"));
  }
  return entry->create(params);
}

}  // namespace memsim::workload
