#include "sim/memmap/builtin_models.h"

#include "sim/memmap/allocatee_model.h"
#include "sim/memmap/memdesc_model.h"
#include "sim/memmap/struct_page_model.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

void RegisterBuiltinModels(ModelRegistry& registry) {
  const bool ok =
      registry.Register("page64", &ValidatePage64Config, &CreatePage64Model).ok() &&
      registry.Register("page32", &ValidatePage32Config, &CreatePage32Model).ok() &&
      registry.Register("memdesc", &ValidateMemdescConfig, &CreateMemdescModel).ok() &&
      registry.Register("allocatee", &ValidateAllocateeConfig, &CreateAllocateeModel).ok();
  MEMSIM_CHECK(ok, "RegisterBuiltinModels called on a registry that already has them");
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
