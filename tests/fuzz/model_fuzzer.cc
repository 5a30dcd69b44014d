// Fuzz target: a memmap model textproto through the parser and its validator.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto model = memmap::ParseMemmapModelConfig(text, "fuzz.textproto");
  if (model.ok()) {
    (void)memmap::BuiltinModels().Validate(*model);
    (void)memmap::ModelKey(*model);
  }
  return 0;
}
