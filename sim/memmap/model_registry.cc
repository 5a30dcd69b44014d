#include "sim/memmap/model_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

absl::Status ModelRegistry::Register(const std::string& name, ModelValidator validate,
                                     ModelFactory create) {
  if (name.empty() || validate == nullptr || create == nullptr) {
    return absl::InvalidArgumentError(
        "model registration needs a name, a config validator and a factory");
  }
  if (contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("model \"", name, "\" is already registered"));
  }
  entries_.push_back(Entry{name, validate, create});
  return absl::OkStatus();
}

const ModelRegistry::Entry* ModelRegistry::Find(const std::string& name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

absl::StatusOr<const ModelRegistry::Entry*> ModelRegistry::EntryFor(
    const config::MemmapModelConfig& config) const {
  const std::string key = ModelKey(config);
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model: none of ", absl::StrJoin(names(), ", "), " is set"));
  }
  const Entry* entry = Find(key);
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "model \"", key, "\" is not registered (have: ", absl::StrJoin(names(), ", "), ")"));
  }
  return entry;
}

absl::Status ModelRegistry::Validate(const config::MemmapModelConfig& config) const {
  ASSIGN_OR_RETURN(const Entry* entry, EntryFor(config));
  return entry->validate(config);
}

absl::StatusOr<std::unique_ptr<MemmapModel>> ModelRegistry::Create(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) const {
  ASSIGN_OR_RETURN(const Entry* entry, EntryFor(config));
  if (nodes.empty()) return absl::InvalidArgumentError("nodes: at least one node is required");
  RETURN_IF_ERROR(entry->validate(config));
  return entry->create(config, nodes);
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

}  // namespace memsim::memmap
