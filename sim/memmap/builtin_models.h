// The shipped memmap models. Adding a model = one file pair (its config validator and
// factory), its test, its config message in proto/memmap.proto, and one line in
// RegisterBuiltinModels: this list is the only one; flag help, validation and the default
// model list of `memsim compare` come from it.
#ifndef MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_
#define MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_

#include "sim/memmap/model_registry.h"

namespace memsim::memmap {

// Registers page64, page32, memdesc and allocatee, in that order (the first is the baseline
// of comparisons). REQUIRES: none registered yet.
void RegisterBuiltinModels(ModelRegistry& registry);

// The registry of the shipped models, built on first use and shared by the whole process.
const ModelRegistry& BuiltinModels();

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_
