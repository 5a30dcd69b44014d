// SCAFFOLD: replaced by the real command in this session's work.
#include "absl/status/status.h"
#include "sim/cli/builtin_commands.h"

namespace memsim::cli {

Command InspectCommand() {
  return Command{"inspect", "(not built yet)", "memsim inspect", "", {},
                 [](const std::vector<std::string>&) {
                   return absl::UnimplementedError("not built yet");
                 }};
}

}  // namespace memsim::cli
