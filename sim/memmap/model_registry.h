// ModelRegistry: name -> factory of memmap models. Explicit registration only:
// RegisterBuiltinModels (builtin_models.h) lists the shipped models; tests build their own
// registry. The key of a config is the name of its set `model` field (ModelKey).
#ifndef MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_
#define MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/memmap_model.h"
#include "sim/mm/mm_types.h"

namespace memsim::memmap {

// Builds a model for a validated-or-not config (factories validate) and a node layout.
using ModelFactory = absl::StatusOr<std::unique_ptr<MemmapModel>> (*)(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);

class ModelRegistry {
 public:
  // AlreadyExists if the name is taken; InvalidArgument if empty or factory is null.
  absl::Status Register(const std::string& name, ModelFactory factory);
  // NotFound naming the registered models if the config's model is not registered;
  // InvalidArgument if no model is set or the config is invalid.
  absl::StatusOr<std::unique_ptr<MemmapModel>> Create(
      const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) const;
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return factories_.contains(name); }

 private:
  std::map<std::string, ModelFactory> factories_;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_
