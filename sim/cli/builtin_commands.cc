#include "sim/cli/builtin_commands.h"

namespace memsim::cli {

void RegisterBuiltinCommands(CommandRegistry& registry) {
  registry.Add(ImportCommand());
  registry.Add(InspectCommand());
  registry.Add(GenCommand());
  registry.Add(MachineCommand());
  registry.Add(ReplayCommand());
  registry.Add(CompareCommand());
  registry.Add(SweepCommand());
  registry.Add(BenchCommand());
  registry.Add(ValidateCommand());
}

}  // namespace memsim::cli
