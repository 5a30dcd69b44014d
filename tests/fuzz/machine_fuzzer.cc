// Fuzz target: a machine textproto through the parser and ValidateMachine; a machine that
// validates must build its topology and memory system (what `machine show` and replay do).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/machine_validator.h"
#include "sim/hw/memory_system.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto machine = hw::ParseMachineText(text, "fuzz.textproto");
  if (!machine.ok() || !hw::ValidateMachine(*machine).ok()) return 0;
  auto topology = hw::MachineTopology::Create(*machine);
  MEMSIM_FUZZ_CHECK(topology.ok(), "a valid machine has a topology");
  hw::MemorySystem memsys(*topology);
  (void)hw::FormatMachineText(*machine);
  return 0;
}
