#include "sim/memmap/builtin_models.h"

#include "sim/memmap/allocatee_model.h"
#include "sim/memmap/memdesc_model.h"
#include "sim/memmap/struct_page_model.h"
#include "sim/memmap/transition_model.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

void RegisterBuiltinModels(ModelRegistry& registry) {
  auto add = [&registry](const char* name, ModelValidator validate, ModelFactory create) {
    MEMSIM_CHECK(registry.Register(name, validate, create).ok(),
                 "RegisterBuiltinModels called on a registry that already has them");
  };
  // One line per model; the first is the baseline of `memsim compare`.
  add("page64", &ValidatePage64Config, &CreatePage64Model);
  add("page32", &ValidatePage32Config, &CreatePage32Model);
  add("memdesc", &ValidateMemdescConfig, &CreateMemdescModel);
  add("allocatee", &ValidateAllocateeConfig, &CreateAllocateeModel);
  add("transition", &ValidateTransitionConfig, &CreateTransitionModel);
}

const ModelRegistry& BuiltinModels() {
  static const ModelRegistry* const registry = [] {
    auto* r = new ModelRegistry;
    RegisterBuiltinModels(*r);
    return r;
  }();
  return *registry;
}

}  // namespace memsim::memmap
