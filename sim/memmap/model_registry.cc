#include "sim/memmap/model_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/memmap/memmap_model_config.h"

namespace memsim::memmap {

absl::Status ModelRegistry::Register(const std::string& name, ModelFactory factory) {
  if (name.empty() || factory == nullptr) {
    return absl::InvalidArgumentError("model registration needs a name and a factory");
  }
  if (!factories_.emplace(name, factory).second) {
    return absl::AlreadyExistsError(absl::StrCat("model \"", name, "\" is already registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MemmapModel>> ModelRegistry::Create(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) const {
  const std::string key = ModelKey(config);
  if (key.empty()) {
    return absl::InvalidArgumentError("model: none of page64, page32, memdesc, allocatee is set");
  }
  auto it = factories_.find(key);
  if (it == factories_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "model \"", key, "\" is not registered (have: ", absl::StrJoin(names(), ", "), ")"));
  }
  if (nodes.empty()) return absl::InvalidArgumentError("nodes: at least one node is required");
  return it->second(config, nodes);
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

}  // namespace memsim::memmap
