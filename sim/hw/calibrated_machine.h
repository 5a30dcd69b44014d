// The machine config `memsim machine calibrate` writes: the host's hwloc topology
// (sim/hw/hwloc_importer.h) with the measured figures of sim/hw/host_measurements.h, and
// the text with every raw measurement in comments at the top.
//
// Mapping (docs/machine-model.md, "Calibrating this host"):
// - clock_ghz: /proc/cpuinfo "cpu MHz" (2.0 when unknown);
// - l1d / l2 / llc.hit_latency_cycles: the measured hit latency in ns x clock_ghz, raised
//   where needed so that each level is at least the one below (the validator's rule);
// - latency_ns[i][j]: the measured chase from a core of node i to memory of node j (Linux
//   node numbers = machine node ids); unmeasured pairs (CPU-less rows) follow the import
//   rule with the measured local and nearest-remote figures;
// - calibration: sequential, independent, dependent-chase, atomic and core-to-core figures;
// - timing (TimingFromMeasurements below): outstanding misses, prefetchers, per-core
//   bandwidth, the scanner's cycles per pfn, the issue cost per access and the PTE work per
//   migrated page, derived from those figures.
// Figures are rounded to 0.01 ns (cycles to 0.01) before they are stored.
#ifndef MEMSIM_SIM_HW_CALIBRATED_MACHINE_H_
#define MEMSIM_SIM_HW_CALIBRATED_MACHINE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "sim/hw/host_measurements.h"

namespace memsim::hw {

// The timing model's parameters from the measured figures (docs/validation.md, "From
// measurements to config::Timing"); a field whose inputs were not measured stays 0:
// - outstanding_l1_misses = outstanding_l2_misses = round(dram chase / independent line),
//   in [1, 64]: by Little's law a core that keeps k independent misses in flight, each
//   taking the chase latency, finishes one every latency / k ns;
// - next_line_prefetcher = l2_streamer = (sequential line < independent line / 2): only a
//   prefetcher makes an ascending walk much cheaper than the same lines in random order
//   (the two prefetchers cannot be told apart by these figures, so both are set);
// - streamer_queue_entries = ceil(dram chase / sequential line), in [1, 4096], when the
//   prefetchers are on: by Little's law the lines a stream keeps in flight to sustain the
//   measured sequential rate at the chase latency (docs/validation.md says why this is an
//   effective figure on a VM, not a hardware count);
// - streamer_distance_lines = 0 (not measured: the model's default);
// - core_dram_bandwidth_bytes_per_s = 64 B / sequential line ns, to 1 MB/s;
// - cycles_per_scanned_pfn = hot scan ns/pfn x clock_ghz, to 0.01 cycle;
// - cycles_per_access = hot word loop ns/word x clock_ghz, to 0.01 cycle: the issue cost of
//   one access with no misses;
// - cycles_per_migrated_page = (pte_remap + tlb_flush / 32) ns x clock_ghz, to 0.01 cycle
//   (MigrationPteWork below; 32 pages = COMPACT_CLUSTER_MAX, a compaction migration
//   batch, which migrate_pages_batch() flushes once): the unmap's PTE clear and TLB flush
//   and the remap's PTE write of migrate_pages(), which the metadata accesses and the copy
//   do not cover;
// - cycles_per_operation = 0 (not measured).
// `clock_ghz` converts ns to cycles (the machine's clock).
config::Timing TimingFromMeasurements(const HostMeasurements& measured, double clock_ghz);

// The PTE round trips of 64 and 128 pages (ns each, medians rounded to 0.01) split into a
// part per page and a part per round trip (the flush and the calls): per_page_ns =
// (t128 - t64) / 64, flush_ns = t64 - 64 x per_page_ns, each at least 0 and rounded to 0.01.
struct MigrationPteWork {
  bool measured = false;  // both round trips were measured
  double per_page_ns = 0;
  double flush_ns = 0;
};
MigrationPteWork PteWorkFromMeasurements(const HostMeasurements& measured);
// Pages of one compaction migration batch (COMPACT_CLUSTER_MAX, include/linux/swap.h):
// what the flush is shared by in cycles_per_migrated_page.
inline constexpr int kMigrationBatchPages = 32;

// Imports `hwloc_xml` (named `source_name` in errors and in the machine's name) and applies
// the measurements. Errors: the XML does not import, or the result does not validate.
absl::StatusOr<config::Machine> BuildCalibratedMachine(const HostMeasurements& measured,
                                                       std::string_view hwloc_xml,
                                                       const std::string& source_name);

// The textproto file: a header of comments with the host, every figure (median, spread,
// repetitions, unit, method) and the notes, then the machine.
std::string FormatCalibratedMachine(const HostMeasurements& measured,
                                    const config::Machine& machine);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_CALIBRATED_MACHINE_H_
