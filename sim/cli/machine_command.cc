// `memsim machine`: import an hwloc XML topology as a machine config, or show a machine.
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/usage_error.h"
#include "sim/hw/hwloc_importer.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_validator.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

ABSL_FLAG(double, hwloc_local_latency_ns, 90.0,
          "hwloc import: ns of a local access (the SLIT diagonal, 10).");
ABSL_FLAG(double, hwloc_remote_latency_ns, 0.0,
          "hwloc import: ns of the nearest remote node; 0 = proportional rule "
          "(ns = local x distance / local distance).");
ABSL_FLAG(
    double, hwloc_dram_bandwidth_gbs, 100.0,
    "hwloc import: DRAM bandwidth per node in GB/s where the XML has no Bandwidth attribute.");
ABSL_FLAG(double, hwloc_link_bandwidth_gbs, 40.0,
          "hwloc import: bandwidth of the link between each pair of sockets, GB/s.");
ABSL_FLAG(double, hwloc_clock_ghz, 2.0, "hwloc import: core clock in GHz.");

namespace memsim::cli {
namespace {

hw::HwlocImportOptions OptionsFromFlags() {
  hw::HwlocImportOptions o;
  o.local_latency_ns = absl::GetFlag(FLAGS_hwloc_local_latency_ns);
  o.remote_latency_ns = absl::GetFlag(FLAGS_hwloc_remote_latency_ns);
  o.dram_bandwidth_bytes_per_s = absl::GetFlag(FLAGS_hwloc_dram_bandwidth_gbs) * 1e9;
  o.interconnect_bandwidth_bytes_per_s = absl::GetFlag(FLAGS_hwloc_link_bandwidth_gbs) * 1e9;
  o.clock_ghz = absl::GetFlag(FLAGS_hwloc_clock_ghz);
  return o;
}

absl::Status ImportHwloc(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    return UsageError("usage: memsim machine import-hwloc TOPO.xml -o MACHINE.textproto");
  }
  const std::string out = absl::GetFlag(FLAGS_o);
  if (out.empty()) return UsageError("import-hwloc needs -o MACHINE.textproto");
  const hw::HwlocImportOptions options = OptionsFromFlags();
  if (!(options.local_latency_ns > 0)) {
    return UsageError("--hwloc_local_latency_ns must be > 0");
  }
  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(out, {args[1]})));
  ASSIGN_OR_RETURN(config::Machine machine, hw::ImportHwlocXmlFile(args[1], options));
  absl::Status valid = hw::ValidateMachine(machine);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(args[1], ": the imported machine is not valid: ", valid.message()));
  }
  const std::string text = absl::StrCat(
      "# proto-file: proto/machine.proto\n# proto-message: memsim.config.Machine\n#\n",
      "# Written by `memsim machine import-hwloc ", args[1], "`.\n",
      "# Source: the hwloc XML topology above; see docs/machine-model.md for the import rules.\n",
      hw::FormatMachineTextproto(machine));
  return WriteFileAtomically(out, text, {{args[1]}});
}

absl::Status Show(const std::vector<std::string>& args) {
  if (args.size() != 2) return UsageError("usage: memsim machine show MACHINE");
  ASSIGN_OR_RETURN(config::Machine machine, hw::LoadMachine(args[1], OptionsFromFlags()));
  std::string text;
  if (absl::GetFlag(FLAGS_json)) {
    ASSIGN_OR_RETURN(text, hw::FormatMachineJson(machine));
  } else {
    text = hw::FormatMachineText(machine);
  }
  const std::string out = absl::GetFlag(FLAGS_o);
  if (!out.empty()) return WriteFileAtomically(out, text, {{args[1]}});
  return WriteStdout(text);
}

}  // namespace

Command MachineCommand() {
  return Command{
      "machine",
      "Import an hwloc topology as a machine config, or show a machine",
      "memsim machine import-hwloc TOPO.xml -o MACHINE.textproto | memsim machine show MACHINE "
      "[--json]",
      "import-hwloc reads an hwloc XML topology (`lstopo --of xml`) and writes a machine\n"
      "config: packages become sockets, cores and caches are taken from hwloc, NUMA nodes\n"
      "keep their memory (laid out contiguously from pfn 0), and the NUMALatency distance\n"
      "matrix becomes ns by the rule of --hwloc_local_latency_ns / --hwloc_remote_latency_ns.\n"
      "show prints a machine (a .textproto or an hwloc XML) for people, or as JSON.",
      {"o", "json", "hwloc_local_latency_ns", "hwloc_remote_latency_ns", "hwloc_dram_bandwidth_gbs",
       "hwloc_link_bandwidth_gbs", "hwloc_clock_ghz"},
      [](const std::vector<std::string>& args) -> absl::Status {
        if (args.empty()) {
          return UsageError("expected a verb: import-hwloc or show");
        }
        if (args[0] == "import-hwloc") return ImportHwloc(args);
        if (args[0] == "show") return Show(args);
        return UsageError(
            absl::StrCat("unknown verb '", args[0], "': expected import-hwloc or show"));
      }};
}

}  // namespace memsim::cli
