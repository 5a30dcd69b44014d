// ModelRegistry: name -> (config check, factory) of memmap models. Explicit registration
// only: RegisterBuiltinModels (builtin_models.h) lists the shipped models and is the only
// list of them; tests build their own registry. The key of a config is the name of its set
// `model` field (ModelKey), which is the name the model is registered under.
#ifndef MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_
#define MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/memmap_model.h"
#include "sim/mm/mm_types.h"

namespace memsim::memmap {

// Checks a model's own config. InvalidArgument naming the field ("memdesc.slab.align_bytes:
// ...") on the first violation. REQUIRES: the config's `model` is the validator's model.
using ModelValidator = absl::Status (*)(const config::MemmapModelConfig& config);

// Builds a model. REQUIRES: the model's validator accepted `config`; `nodes` not empty.
using ModelFactory = absl::StatusOr<std::unique_ptr<MemmapModel>> (*)(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);

class ModelRegistry {
 public:
  // `name` is the MemmapModelConfig `model` field that carries the model's config.
  // AlreadyExists if the name is taken; InvalidArgument if it is empty or a function is null.
  absl::Status Register(const std::string& name, ModelValidator validate, ModelFactory create);

  // InvalidArgument if no model is set or the model's validator rejects the config;
  // NotFound naming the registered models if the config's model is not registered.
  absl::Status Validate(const config::MemmapModelConfig& config) const;

  // Validates, then builds. InvalidArgument also if `nodes` is empty.
  absl::StatusOr<std::unique_ptr<MemmapModel>> Create(
      const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) const;

  // In registration order.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return Find(name) != nullptr; }

 private:
  struct Entry {
    std::string name;
    ModelValidator validate;
    ModelFactory create;
  };
  const Entry* Find(const std::string& name) const;
  // NotFound / InvalidArgument as Validate says; else the config's entry.
  absl::StatusOr<const Entry*> EntryFor(const config::MemmapModelConfig& config) const;

  std::vector<Entry> entries_;  // a handful: a linear search is the fastest lookup
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MODEL_REGISTRY_H_
