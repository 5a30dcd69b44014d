#include "sim/cli/common_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, o, "", "Output file (written atomically: a temporary file, then renamed).");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON instead of text.");
ABSL_FLAG(uint64_t, seed, 1, "Random seed; the same seed gives byte-identical output.");
ABSL_FLAG(std::string, machine, "",
          "Machine description: a textproto under configs/machines/ or an hwloc XML file.");
