// The shipped memmap models. Adding a model = one file pair, its test, one line here.
#ifndef MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_
#define MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_

#include "sim/memmap/model_registry.h"

namespace memsim::memmap {

// Registers page64, page32, memdesc and allocatee. REQUIRES: none registered yet.
void RegisterBuiltinModels(ModelRegistry& registry);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_BUILTIN_MODELS_H_
