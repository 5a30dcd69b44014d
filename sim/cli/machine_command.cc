// `memsim machine`: import an hwloc XML topology as a machine config, show a machine, or
// calibrate this host.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/usage_error.h"
#include "sim/hw/calibrated_machine.h"
#include "sim/hw/host_calibrator.h"
#include "sim/hw/host_topology.h"
#include "sim/hw/hwloc_importer.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_validator.h"
#include "sim/trace/import/recording_metadata.h"
#include "sim/util/input_file.h"
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
ABSL_FLAG(std::string, zoneinfo, "",
          "hwloc import: /proc/zoneinfo of the machine: each NUMA node spans its zones' pfns "
          "(holes and not-yet-initialised memory included), so its own recordings replay.");
ABSL_DECLARE_FLAG(std::string, metadata);  // import_command.cc
ABSL_FLAG(bool, quick, false,
          "calibrate: tiny buffers and two repetitions (about a second; for tests, the "
          "figures mean little).");
ABSL_FLAG(double, max_seconds, 30.0,
          "calibrate: time budget in seconds, 1..120; each benchmark stops repeating when its "
          "share is spent.");

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
  hw::HwlocImportOptions options = OptionsFromFlags();
  if (!(options.local_latency_ns > 0)) {
    return UsageError("--hwloc_local_latency_ns must be > 0");
  }
  const std::string zoneinfo = absl::GetFlag(FLAGS_zoneinfo);
  const std::string metadata = absl::GetFlag(FLAGS_metadata);
  if (!zoneinfo.empty() && !metadata.empty()) {
    return UsageError("give at most one of --zoneinfo and --metadata");
  }
  RETURN_IF_ERROR(AsUsageError(RefuseIfInput(out, {args[1], zoneinfo, metadata})));
  if (!zoneinfo.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(zoneinfo));
    ASSIGN_OR_RETURN(options.node_spans, hw::ParseZoneinfoSpans(text, zoneinfo));
  } else if (!metadata.empty()) {
    ASSIGN_OR_RETURN(RecordingMetadata m, RecordingMetadata::Read(metadata));
    for (const trace::NodeRange& r : m.nodes()) {
      options.node_spans.push_back({r.node_id(), r.start_pfn(), r.end_pfn()});
    }
    if (options.node_spans.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(metadata, ": no nodeN_pfn_range= line (tools/record writes them)"));
    }
  }
  ASSIGN_OR_RETURN(config::Machine machine, hw::ImportHwlocXmlFile(args[1], options));
  absl::Status valid = hw::ValidateMachine(machine);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(args[1], ": the imported machine is not valid: ", valid.message()));
  }
  const std::string text = absl::StrCat(
      "# proto-file: proto/machine.proto\n# proto-message: memsim.config.Machine\n#\n",
      "# Written by `memsim machine import-hwloc ", args[1],
      zoneinfo.empty() ? "" : absl::StrCat(" --zoneinfo=", zoneinfo),
      metadata.empty() ? "" : absl::StrCat(" --metadata=", metadata), "`.\n",
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

absl::Status Calibrate(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError(
        "usage: memsim machine calibrate -o MACHINE.textproto [--quick] [--max_seconds=N]");
  }
  const std::string out = absl::GetFlag(FLAGS_o);
  if (out.empty()) return UsageError("calibrate needs -o MACHINE.textproto");
  const double max_seconds = absl::GetFlag(FLAGS_max_seconds);
  if (!(max_seconds >= 1 && max_seconds <= 120)) {
    return UsageError(absl::StrCat("--max_seconds=", max_seconds, " is outside 1..120"));
  }
  ASSIGN_OR_RETURN(hw::HostTopology topology, hw::ReadHostTopology());
  hw::HostCalibratorOptions options;
  if (topology.l1_bytes > 0) options.l1_bytes = topology.l1_bytes;
  if (topology.l2_bytes > 0) options.l2_bytes = topology.l2_bytes;
  if (topology.llc_bytes > 0) options.llc_bytes = topology.llc_bytes;
  options.quick = absl::GetFlag(FLAGS_quick);
  options.max_seconds = max_seconds;
  options.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  ASSIGN_OR_RETURN(hw::HostMeasurements measured, hw::HostCalibrator(options).Run());
  ASSIGN_OR_RETURN(config::Machine machine,
                   hw::BuildCalibratedMachine(measured, topology.xml, "calibrated-host"));
  return WriteFileAtomically(out, hw::FormatCalibratedMachine(measured, machine), {});
}

}  // namespace

Command MachineCommand() {
  return Command{
      "machine",
      "Import an hwloc topology as a machine config, show a machine, or calibrate this host",
      "memsim machine import-hwloc TOPO.xml [--zoneinfo=F | --metadata=F] -o MACHINE.textproto | "
      "memsim machine show MACHINE "
      "[--json] | memsim machine calibrate -o MACHINE.textproto [--quick] [--max_seconds=N]",
      "import-hwloc reads an hwloc XML topology (`lstopo --of xml`) and writes a machine\n"
      "config: packages become sockets, cores and caches are taken from hwloc, NUMA nodes\n"
      "keep their memory (laid out contiguously from pfn 0), and the NUMALatency distance\n"
      "matrix becomes ns by the rule of --hwloc_local_latency_ns / --hwloc_remote_latency_ns.\n"
      "With --zoneinfo=/proc/zoneinfo or --metadata=metadata.txt (tools/record) each node\n"
      "spans the recorded machine's pfns instead (holes included), so that machine's own\n"
      "recordings replay with --pfn_mapping=identity. CXL memory and DAX devices that are not\n"
      "NUMA nodes become CPU-less nodes after them (docs/machine-model.md).\n"
      "show prints a machine (a .textproto or an hwloc XML) for people, or as JSON.\n"
      "calibrate measures this host (cache hit and DRAM load-to-use latency per NUMA node\n"
      "pair by pointer chase on a huge-page buffer, sequential 64-B-line and 8-B-word reads,\n"
      "independent random reads, lock xadd, a core-to-core line transfer) within\n"
      "--max_seconds (default 30), one progress line per benchmark on stderr, and writes its\n"
      "hwloc topology with those figures as a machine config; the raw measurements (median,\n"
      "spread, method, date, kernel, CPU) are comments at its top. Run it on an idle host.",
      {"o", "json", "hwloc_local_latency_ns", "hwloc_remote_latency_ns", "hwloc_dram_bandwidth_gbs",
       "hwloc_link_bandwidth_gbs", "hwloc_clock_ghz", "zoneinfo", "metadata", "quick",
       "max_seconds"},
      [](const std::vector<std::string>& args) -> absl::Status {
        if (args.empty()) {
          return UsageError("expected a verb: import-hwloc, show or calibrate");
        }
        if (args[0] == "import-hwloc") return ImportHwloc(args);
        if (args[0] == "show") return Show(args);
        if (args[0] == "calibrate") return Calibrate(args);
        return UsageError(
            absl::StrCat("unknown verb '", args[0], "': expected import-hwloc, show or calibrate"));
      }};
}

}  // namespace memsim::cli
