#include "sim/memmap/builtin_models.h"

#include "sim/memmap/allocatee_model.h"
#include "sim/memmap/memdesc_model.h"
#include "sim/memmap/struct_page_model.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

void RegisterBuiltinModels(ModelRegistry& registry) {
  const bool ok = registry.Register("page64", &CreatePage64Model).ok() &&
                  registry.Register("page32", &CreatePage32Model).ok() &&
                  registry.Register("memdesc", &CreateMemdescModel).ok() &&
                  registry.Register("allocatee", &CreateAllocateeModel).ok();
  MEMSIM_CHECK(ok, "RegisterBuiltinModels called on a registry that already has them");
}

}  // namespace memsim::memmap
