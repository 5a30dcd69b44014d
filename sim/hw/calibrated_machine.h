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
//   bandwidth and the scanner's cycles per pfn, derived from those figures.
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
// - cycles_per_operation = cycles_per_migrated_page = 0 (not measured).
// `clock_ghz` converts ns to cycles (the machine's clock).
config::Timing TimingFromMeasurements(const HostMeasurements& measured, double clock_ghz);

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
