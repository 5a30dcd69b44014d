#include "sim/cli/command.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/cli/usage_error.h"
#include "sim/util/output_file.h"
#include "sim/util/version.h"

namespace memsim::cli {

void CommandRegistry::Add(Command command) { commands_.push_back(std::move(command)); }

const Command* CommandRegistry::Find(const std::string& name) const {
  for (const Command& c : commands_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace {

std::string TopHelp(const CommandRegistry& registry) {
  std::string s =
      "memsim: replay Linux physical-memory traces against memmap designs on a simulated\n"
      "NUMA machine, and report metadata overhead, cache misses and latency.\n\n"
      "Usage: memsim COMMAND [ARGS] [--flags]\n\nCommands:\n";
  for (const Command& c : registry.commands()) {
    absl::StrAppend(&s, "  ", c.name, std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' '),
                    c.summary, "\n");
  }
  absl::StrAppend(&s, "\nRun 'memsim COMMAND --help' for a command's arguments and flags.\n",
                  "'memsim --version' prints the version.\n");
  return s;
}

// "--name=value", "--name value", "-name", "--noname" -> "name" (or "noname").
std::string FlagName(std::string_view arg) {
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  size_t eq = arg.find('=');
  return std::string(arg.substr(0, eq));
}

// A usage error, printed the way RunMain prints a command's failure.
int UsageFailure(const Command& command, const std::string& message) {
  std::fprintf(stderr, "memsim %s: %s\nRun 'memsim %s --help' for its flags.\n",
               command.name.c_str(), message.c_str(), command.name.c_str());
  return kExitUsageError;
}

// Parses a flag's value as absl will (absl::ParseCommandLine exits 1 on a bad value, and a
// bad value is a usage error: 2). `arg` is "--name=value", "--name" or "--noname"; `next` is
// the following argument, or null. The flag keeps the parsed value; absl sets it again.
absl::Status CheckFlagValue(absl::CommandLineFlag& flag, absl::string_view arg, const char* next) {
  const size_t eq = arg.find('=');
  absl::string_view value;
  if (eq != absl::string_view::npos) {
    value = arg.substr(eq + 1);
  } else if (flag.IsOfType<bool>()) {
    return absl::OkStatus();  // --name, --noname
  } else if (next == nullptr) {
    return UsageError(absl::StrCat("missing the value of --", flag.Name()));
  } else {
    value = next;  // --name value
  }
  std::string error;
  if (!flag.ParseFrom(value, &error)) {
    return UsageError(absl::StrCat("invalid value '", value, "' for --", flag.Name(), ": ", error));
  }
  return absl::OkStatus();
}

// absl flag names cannot contain '-': "--node-mem=4GiB" is rewritten "--node_mem=4GiB" (the
// value after '=' is kept as typed).
std::string DashesToUnderscores(std::string_view arg) {
  std::string out(arg);
  const size_t start = out.find_first_not_of('-');
  const size_t end = std::min(out.find('='), out.size());
  for (size_t i = start; i < end; ++i) {
    if (out[i] == '-') out[i] = '_';
  }
  return out;
}

// Prints help or the version on stdout; 0, or 1 with a message if stdout cannot take it.
int PrintStdout(const std::string& command, const std::string& text) {
  absl::Status s = WriteStdout(text);
  if (s.ok()) return 0;
  std::fprintf(stderr, "memsim%s%s: %s\n", command.empty() ? "" : " ", command.c_str(),
               std::string(s.message()).c_str());
  return 1;
}

}  // namespace

std::string CommandHelp(const Command& command) {
  std::string s = absl::StrCat("Usage: ", command.usage, "\n\n", command.summary, "\n");
  if (!command.description.empty()) absl::StrAppend(&s, "\n", command.description, "\n");
  if (!command.flags.empty()) {
    absl::StrAppend(&s, "\nFlags:\n");
    for (const std::string& name : command.flags) {
      absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      if (flag == nullptr) {
        absl::StrAppend(&s, "  --", name, "  (undefined flag: a memsim bug)\n");
        continue;
      }
      absl::StrAppend(&s, "  --", name, "  ", flag->Help());
      std::string def = flag->DefaultValue();
      if (!def.empty()) absl::StrAppend(&s, " (default: ", def, ")");
      absl::StrAppend(&s, "\n");
    }
  }
  return s;
}

int RunMain(const CommandRegistry& registry, int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    if (argc >= 3 && std::strcmp(argv[1], "help") == 0) {
      if (const Command* c = registry.Find(argv[2])) {
        return PrintStdout(c->name, CommandHelp(*c));
      }
    }
    if (argc >= 2) return PrintStdout("", TopHelp(registry));
    std::fputs(TopHelp(registry).c_str(), stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    return PrintStdout("", absl::StrCat("memsim ", std::string(MemsimVersion()), "\n"));
  }
  const Command* command = registry.Find(argv[1]);
  if (command == nullptr) {
    std::fprintf(stderr, "memsim: unknown command '%s'\n\n%s", argv[1], TopHelp(registry).c_str());
    return kExitUsageError;
  }
  // Check the flags before absl parses them: each command accepts only its own.
  std::vector<char*> args = {argv[0]};
  // Rewritten flag arguments live here; args points into it (reserved: no reallocation).
  std::vector<std::string> rewritten;
  rewritten.reserve(argc);
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      for (; i < argc; ++i) args.push_back(argv[i]);
      break;
    }
    if (a == "--help" || a == "-h" || a == "--helpfull" || a == "-help") {
      return PrintStdout(command->name, CommandHelp(*command));
    }
    if (a.size() > 1 && a[0] == '-' && !std::isdigit(static_cast<unsigned char>(a[1]))) {
      rewritten.push_back(DashesToUnderscores(a));
      argv[i] = rewritten.back().data();
      a = argv[i];
      std::string name = FlagName(a);
      bool known = false;
      for (const std::string& f : command->flags) {
        if (name == f || name == "no" + f) known = true;
      }
      if (!known) return UsageFailure(*command, absl::StrCat("unknown flag '", argv[i], "'"));
      absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      if (flag == nullptr && absl::StartsWith(name, "no")) {
        flag = absl::FindCommandLineFlag(name.substr(2));
      }
      if (flag != nullptr) {
        absl::Status valid = CheckFlagValue(*flag, absl::string_view(a.data(), a.size()),
                                            i + 1 < argc ? argv[i + 1] : nullptr);
        if (!valid.ok()) return UsageFailure(*command, std::string(valid.message()));
      }
    }
    args.push_back(argv[i]);
  }
  absl::SetProgramUsageMessage(command->usage);
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> positional(rest.begin() + 1, rest.end());
  absl::Status status = command->run(positional);
  ProgressDone();
  if (!status.ok()) {
    std::fprintf(stderr, "memsim %s: %s\n", command->name.c_str(),
                 std::string(status.message()).c_str());
  }
  // What the command printed with printf: a full disk or closed stdout is an error too.
  if (status.ok()) {
    if (absl::Status out = FlushStdout(); !out.ok()) {
      std::fprintf(stderr, "memsim %s: %s\n", command->name.c_str(),
                   std::string(out.message()).c_str());
      return 1;
    }
  }
  return ExitCode(status);
}

namespace {
bool progress_active = false;
}

void ProgressLine(const std::string& text) {
  static const bool tty = isatty(2);
  if (!tty) return;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  progress_active = true;
}

void ProgressDone() {
  if (!progress_active) return;
  std::fputs("\r\033[K", stderr);
  progress_active = false;
}

}  // namespace memsim::cli
