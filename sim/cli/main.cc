#include "sim/cli/command.h"

int main(int argc, char** argv) {
  memsim::cli::CommandRegistry registry;
  memsim::cli::RegisterBuiltinCommands(registry);
  return memsim::cli::RunMain(registry, argc, argv);
}
