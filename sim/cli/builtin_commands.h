// Factories of the built-in subcommands, one per <name>_command.cc.
#ifndef MEMSIM_SIM_CLI_BUILTIN_COMMANDS_H_
#define MEMSIM_SIM_CLI_BUILTIN_COMMANDS_H_

#include "sim/cli/command.h"

namespace memsim::cli {

Command ImportCommand();    // import_command.cc
Command InspectCommand();   // inspect_command.cc
Command GenCommand();       // gen_command.cc
Command MachineCommand();   // machine_command.cc
Command ReplayCommand();    // replay_command.cc
Command CompareCommand();   // compare_command.cc
Command SweepCommand();     // sweep_command.cc
Command BenchCommand();     // bench_command.cc
Command ValidateCommand();  // validate_command.cc

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_BUILTIN_COMMANDS_H_
