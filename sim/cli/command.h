// A `memsim` subcommand. Each lives in its own <name>_command.cc with its own ABSL_FLAGs
// and a factory; RegisterBuiltinCommands() (builtin_commands.cc) lists them all.
#ifndef MEMSIM_SIM_CLI_COMMAND_H_
#define MEMSIM_SIM_CLI_COMMAND_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace memsim::cli {

struct Command {
  std::string name;         // "inspect"
  std::string summary;      // one line for `memsim --help`
  std::string usage;        // "memsim inspect FILE.mtrace [--json]"
  std::string description;  // paragraphs for `memsim inspect --help`
  // Names of the absl flags this command accepts (shared flags live in common_flags.h).
  std::vector<std::string> flags;
  // Runs with the positional arguments (flags already parsed). A non-OK status is printed
  // as "memsim <name>: <message>" and exits 2 if it is a usage error (usage_error.h), else 1;
  // OK exits 0.
  std::function<absl::Status(const std::vector<std::string>& args)> run;
};

class CommandRegistry {
 public:
  void Add(Command command);
  const Command* Find(const std::string& name) const;
  const std::vector<Command>& commands() const { return commands_; }

 private:
  std::vector<Command> commands_;
};

void RegisterBuiltinCommands(CommandRegistry& registry);

// Entry point of the binary: dispatches argv[1] to a command. Returns the exit code.
int RunMain(const CommandRegistry& registry, int argc, char** argv);

// Help text of one command: usage, description and its flags with defaults.
std::string CommandHelp(const Command& command);

// Prints an in-place progress line on stderr when stderr is a terminal (no-op otherwise).
void ProgressLine(const std::string& text);
void ProgressDone();

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_COMMAND_H_
