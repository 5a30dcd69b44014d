// What a user names a model by (a flag, a sweep spec) turned into a checked config: a
// registered model name or the path of a model config file.
#ifndef MEMSIM_SIM_MEMMAP_MODEL_SPEC_H_
#define MEMSIM_SIM_MEMMAP_MODEL_SPEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/model_registry.h"

namespace memsim::memmap {

// Reads, parses and validates (with the model's registered validator) a .textproto file.
// Errors name the file (and line and column for syntax errors).
absl::StatusOr<config::MemmapModelConfig> LoadMemmapModelConfig(const std::string& path,
                                                                const ModelRegistry& models);

// Whether a model spec names a config file rather than a registered model.
bool IsModelConfigPath(const std::string& spec);

// A model spec is a registered model name ("memdesc": its default config, labelled with the
// name) or the path of a model config file (contains '/' or ends in .textproto, e.g.
// configs/models/memdesc-cpu-node.textproto). An unknown name is an error listing the
// registered ones.
absl::StatusOr<config::MemmapModelConfig> ResolveModelSpec(const std::string& spec,
                                                           const ModelRegistry& models);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MODEL_SPEC_H_
