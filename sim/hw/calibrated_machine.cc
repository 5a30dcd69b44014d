#include "sim/hw/calibrated_machine.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/hw/hwloc_importer.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_validator.h"

namespace memsim::hw {
namespace {

constexpr double kDefaultClockGhz = 2.0;
constexpr uint64_t kLineBytes = 64;

double Round2(double x) { return std::round(x * 100) / 100; }

std::string FigureLine(const std::string& name, const CalibrationFigure& f) {
  if (!f.measured()) return absl::StrCat("#   ", name, ": not measured\n");
  return absl::StrFormat("#   %-22s %9.2f %s  [%.2f .. %.2f] median of %d; %s\n", name, f.median_ns,
                         f.unit, f.min_ns, f.max_ns, f.repetitions, f.method);
}

// The local DRAM chase: the first measured pair with cpu node = memory node.
const CalibrationFigure* LocalChase(const HostMeasurements& m) {
  for (const NodePairLatency& p : m.node_latency) {
    if (p.cpu_node == p.memory_node && p.latency.measured()) return &p.latency;
  }
  return nullptr;
}

constexpr uint32_t kMaxOutstandingMisses = 64;
constexpr uint32_t kMaxStreamerQueueEntries = 4096;  // the validator's limit

}  // namespace

MigrationPteWork PteWorkFromMeasurements(const HostMeasurements& measured) {
  MigrationPteWork w;
  if (!measured.pte_remap_64.measured() || !measured.pte_remap_128.measured()) return w;
  const double t64 = Round2(measured.pte_remap_64.median_ns);
  const double t128 = Round2(measured.pte_remap_128.median_ns);
  w.measured = true;
  w.per_page_ns = Round2(std::max(0.0, (t128 - t64) / 64));
  w.flush_ns = Round2(std::max(0.0, t64 - 64 * w.per_page_ns));
  return w;
}

config::Timing TimingFromMeasurements(const HostMeasurements& measured, double clock_ghz) {
  config::Timing t;
  const CalibrationFigure* chase = LocalChase(measured);
  const CalibrationFigure& indep = measured.independent_line;
  if (chase != nullptr && indep.measured() && indep.median_ns > 0) {
    const double mlp = Round2(chase->median_ns) / Round2(indep.median_ns);
    const uint32_t k = static_cast<uint32_t>(
        std::clamp<double>(std::round(mlp), 1, static_cast<double>(kMaxOutstandingMisses)));
    t.set_outstanding_l1_misses(k);
    t.set_outstanding_l2_misses(k);
  }
  const CalibrationFigure& seq = measured.sequential_line;
  if (seq.measured() && indep.measured() && seq.median_ns > 0) {
    const bool prefetch = Round2(seq.median_ns) < Round2(indep.median_ns) / 2;
    t.set_next_line_prefetcher(prefetch);
    t.set_l2_streamer(prefetch);
  }
  if (t.l2_streamer() && chase != nullptr && Round2(seq.median_ns) > 0) {
    const double lines = std::ceil(Round2(chase->median_ns) / Round2(seq.median_ns));
    t.set_streamer_queue_entries(static_cast<uint32_t>(
        std::clamp<double>(lines, 1, static_cast<double>(kMaxStreamerQueueEntries))));
  }
  if (seq.measured() && Round2(seq.median_ns) > 0) {
    t.set_core_dram_bandwidth_bytes_per_s(
        std::round(static_cast<double>(kLineBytes) / Round2(seq.median_ns) * 1e3) * 1e6);
  }
  if (measured.scan_pfn_hot.measured() && clock_ghz > 0) {
    t.set_cycles_per_scanned_pfn(Round2(Round2(measured.scan_pfn_hot.median_ns) * clock_ghz));
  }
  if (measured.word_issue.measured() && clock_ghz > 0) {
    t.set_cycles_per_access(Round2(Round2(measured.word_issue.median_ns) * clock_ghz));
  }
  if (const MigrationPteWork w = PteWorkFromMeasurements(measured); w.measured && clock_ghz > 0) {
    t.set_cycles_per_migrated_page(
        Round2((w.per_page_ns + w.flush_ns / kMigrationBatchPages) * clock_ghz));
  }
  return t;
}

absl::StatusOr<config::Machine> BuildCalibratedMachine(const HostMeasurements& measured,
                                                       std::string_view hwloc_xml,
                                                       const std::string& source_name) {
  HwlocImportOptions options;
  options.clock_ghz = measured.clock_ghz > 0 ? Round2(measured.clock_ghz) : kDefaultClockGhz;
  const double ghz = options.clock_ghz;
  double cycles = 0;
  if (measured.l1_hit.measured()) {
    cycles = Round2(Round2(measured.l1_hit.median_ns) * ghz);
    options.l1_hit_latency_cycles = cycles;
  }
  if (measured.l2_hit.measured()) {
    cycles = std::max(cycles, Round2(Round2(measured.l2_hit.median_ns) * ghz));
    options.l2_hit_latency_cycles = cycles;
  }
  if (measured.llc_hit.measured()) {
    cycles = std::max(cycles, Round2(Round2(measured.llc_hit.median_ns) * ghz));
    options.llc_hit_latency_cycles = cycles;
  }
  double local = 0;
  double remote = 0;
  for (const NodePairLatency& p : measured.node_latency) {
    const double ns = Round2(p.latency.median_ns);
    if (!p.latency.measured() || !(ns > 0)) continue;
    if (p.cpu_node == p.memory_node) {
      local = local == 0 ? ns : std::min(local, ns);
    } else {
      remote = remote == 0 ? ns : std::min(remote, ns);
    }
  }
  if (local > 0) options.local_latency_ns = local;
  if (remote > options.local_latency_ns) options.remote_latency_ns = remote;

  absl::StatusOr<config::Machine> imported = ImportHwlocXml(hwloc_xml, source_name, options);
  if (!imported.ok()) return imported.status();
  config::Machine m = *std::move(imported);
  const int n = m.node_size();
  for (const NodePairLatency& p : measured.node_latency) {
    const double ns = Round2(p.latency.median_ns);
    if (!p.latency.measured() || !(ns > 0)) continue;
    if (p.cpu_node < 0 || p.cpu_node >= n || p.memory_node < 0 || p.memory_node >= n) continue;
    m.set_latency_ns(p.cpu_node * n + p.memory_node, ns);
  }
  m.set_description(absl::StrCat("This host (",
                                 measured.cpu_model.empty() ? "unknown CPU" : measured.cpu_model,
                                 "), calibrated by `memsim machine calibrate` on ",
                                 measured.date_utc, "; topology from hwloc."));
  config::HostCalibration* c = m.mutable_calibration();
  c->set_sequential_line_ns(Round2(measured.sequential_line.median_ns));
  c->set_sequential_word_ns(Round2(measured.sequential_word.median_ns));
  c->set_independent_line_ns(Round2(measured.independent_line.median_ns));
  for (const NodePairLatency& p : measured.node_latency) {
    if (p.cpu_node == p.memory_node && p.latency.measured()) {
      c->set_dependent_line_ns(Round2(p.latency.median_ns));
      break;
    }
  }
  c->set_atomic_rmw_ns(Round2(measured.atomic_rmw.median_ns));
  c->set_core_to_core_ns(Round2(measured.core_to_core.median_ns));
  c->set_huge_pages(measured.huge_pages);
  c->set_word_issue_ns(Round2(measured.word_issue.median_ns));
  const MigrationPteWork pte = PteWorkFromMeasurements(measured);
  c->set_pte_remap_ns(pte.per_page_ns);
  c->set_tlb_flush_ns(pte.flush_ns);
  c->set_page_copy_ns(Round2(measured.page_copy.median_ns));
  *m.mutable_timing() = TimingFromMeasurements(measured, ghz);
  absl::Status valid = ValidateMachine(m);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": the calibrated machine is not valid: ", valid.message()));
  }
  return m;
}

namespace {

// How each config::Timing field came from the figures, with the numbers.
std::string TimingComment(const HostMeasurements& measured, const config::Machine& machine) {
  const config::Timing& t = machine.timing();
  std::string s = "# Timing (docs/validation.md, \"From measurements to config::Timing\"):\n";
  const CalibrationFigure* chase = LocalChase(measured);
  if (t.outstanding_l1_misses() > 0 && chase != nullptr) {
    absl::StrAppend(
        &s, absl::StrFormat("#   outstanding_l1/l2_misses = round(dram chase %.2f / "
                            "independent line %.2f = %.2f) = %d\n",
                            Round2(chase->median_ns), Round2(measured.independent_line.median_ns),
                            Round2(chase->median_ns) / Round2(measured.independent_line.median_ns),
                            t.outstanding_l1_misses()));
  } else {
    s += "#   outstanding misses: not derived (chase or independent reads not measured)\n";
  }
  if (measured.sequential_line.measured() && measured.independent_line.measured()) {
    absl::StrAppend(
        &s,
        absl::StrFormat("#   prefetchers %s: sequential line %.2f %s independent "
                        "line %.2f / 2\n",
                        t.l2_streamer() ? "on" : "off", Round2(measured.sequential_line.median_ns),
                        t.l2_streamer() ? "<" : ">=", Round2(measured.independent_line.median_ns)));
  }
  if (t.streamer_queue_entries() > 0 && chase != nullptr) {
    absl::StrAppend(
        &s, absl::StrFormat("#   streamer_queue_entries = ceil(dram chase %.2f / sequential line "
                            "%.2f = %.2f) = %d\n",
                            Round2(chase->median_ns), Round2(measured.sequential_line.median_ns),
                            Round2(chase->median_ns) / Round2(measured.sequential_line.median_ns),
                            t.streamer_queue_entries()));
  }
  if (t.core_dram_bandwidth_bytes_per_s() > 0) {
    absl::StrAppend(&s, absl::StrFormat("#   core_dram_bandwidth = 64 B / %.2f ns = %.3f GB/s\n",
                                        Round2(measured.sequential_line.median_ns),
                                        t.core_dram_bandwidth_bytes_per_s() / 1e9));
  }
  if (t.cycles_per_scanned_pfn() > 0) {
    absl::StrAppend(&s, absl::StrFormat("#   cycles_per_scanned_pfn = hot scan %.2f ns x %.2f GHz "
                                        "= %.2f\n",
                                        Round2(measured.scan_pfn_hot.median_ns),
                                        machine.clock_ghz(), t.cycles_per_scanned_pfn()));
  }
  if (t.cycles_per_access() > 0) {
    absl::StrAppend(&s, absl::StrFormat("#   cycles_per_access = hot word loop %.2f ns x %.2f GHz "
                                        "= %.2f\n",
                                        Round2(measured.word_issue.median_ns), machine.clock_ghz(),
                                        t.cycles_per_access()));
  }
  if (const MigrationPteWork w = PteWorkFromMeasurements(measured);
      w.measured && t.cycles_per_migrated_page() > 0) {
    absl::StrAppend(
        &s, absl::StrFormat("#   pte_remap = (round trip 128 pages %.2f - 64 pages %.2f) / 64 = "
                            "%.2f ns/page; tlb_flush = %.2f - 64 x %.2f = %.2f ns\n",
                            Round2(measured.pte_remap_128.median_ns),
                            Round2(measured.pte_remap_64.median_ns), w.per_page_ns,
                            Round2(measured.pte_remap_64.median_ns), w.per_page_ns, w.flush_ns));
    absl::StrAppend(
        &s, absl::StrFormat("#   cycles_per_migrated_page = (pte_remap %.2f + tlb_flush %.2f / "
                            "%d pages per batch) ns x %.2f GHz = %.2f\n",
                            w.per_page_ns, w.flush_ns, kMigrationBatchPages, machine.clock_ghz(),
                            t.cycles_per_migrated_page()));
  }
  s += "#   streamer_distance_lines, cycles_per_operation: not measured (0: the model's "
       "default)\n";
  return s;
}

}  // namespace

std::string FormatCalibratedMachine(const HostMeasurements& measured,
                                    const config::Machine& machine) {
  std::string s =
      "# proto-file: proto/machine.proto\n# proto-message: memsim.config.Machine\n#\n"
      "# Written by `memsim machine calibrate` (docs/machine-model.md, \"Calibrating this "
      "host\").\n";
  absl::StrAppend(&s, "# Date: ", measured.date_utc, "\n");
  absl::StrAppend(&s, "# Kernel: ", measured.kernel, "\n");
  absl::StrAppend(&s, "# CPU: ", measured.cpu_model, " (/proc/cpuinfo), ", measured.online_cpus,
                  " CPUs available, ", absl::StrFormat("%.3f GHz", measured.clock_ghz), "\n");
  absl::StrAppend(&s,
                  "# Load average at the start: ", absl::StrFormat("%.2f", measured.load_average),
                  " (other work on the host inflates every figure)\n");
  absl::StrAppend(&s, "# Huge pages: ", measured.huge_pages ? "yes" : "NO", ", ",
                  measured.huge_page_bytes >> 20,
                  " MiB of the main buffer on AnonHugePages (/proc/self/smaps)\n");
  absl::StrAppend(&s, "# Wall time: ", absl::StrFormat("%.1f s", measured.seconds), "\n#\n");
  s += "# Measurements (median [min .. max] over repetitions; one thread, method):\n";
  s += FigureLine("l1_hit", measured.l1_hit);
  s += FigureLine("l2_hit", measured.l2_hit);
  s += FigureLine("llc_hit", measured.llc_hit);
  for (const NodePairLatency& p : measured.node_latency) {
    s += FigureLine(absl::StrCat("dram_", p.cpu_node, "_to_", p.memory_node), p.latency);
  }
  s += FigureLine("sequential_line", measured.sequential_line);
  s += FigureLine("sequential_word", measured.sequential_word);
  s += FigureLine("independent_line", measured.independent_line);
  s += FigureLine("atomic_rmw", measured.atomic_rmw);
  s += FigureLine("core_to_core", measured.core_to_core);
  s += FigureLine("scan_pfn", measured.scan_pfn);
  s += FigureLine("scan_pfn_hot", measured.scan_pfn_hot);
  s += FigureLine("word_issue", measured.word_issue);
  s += FigureLine("page_copy", measured.page_copy);
  s += FigureLine("pte_remap_64", measured.pte_remap_64);
  s += FigureLine("pte_remap_128", measured.pte_remap_128);
  for (const std::string& note : measured.notes) absl::StrAppend(&s, "# Note: ", note, "\n");
  s += "#\n# Mapped: hit_latency_cycles = hit ns x clock_ghz (each level at least the one "
       "below);\n# latency_ns[i][j] = dram_i_to_j; the other figures are in `calibration`.\n";
  s += TimingComment(measured, machine);
  s += FormatMachineTextproto(machine);
  return s;
}

}  // namespace memsim::hw
