// What `memsim machine calibrate` measured on a host: the figures of
// sim/hw/host_calibrator.h with their spread and method, and what the host was. Plain
// data, so tests and sim/hw/calibrated_machine.h can build one by hand.
#ifndef MEMSIM_SIM_HW_HOST_MEASUREMENTS_H_
#define MEMSIM_SIM_HW_HOST_MEASUREMENTS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace memsim::hw {

// One measured figure: the median of `repetitions` runs, with the smallest and largest.
struct CalibrationFigure {
  double median_ns = 0;
  double min_ns = 0;
  double max_ns = 0;
  int repetitions = 0;  // 0: not measured
  uint64_t buffer_bytes = 0;
  std::string unit;    // "ns/load", "ns/line", ...
  std::string method;  // one line, for the config's comments

  bool measured() const { return repetitions > 0; }
};

// Idle load-to-use latency from a core of `cpu_node` to memory of `memory_node` (Linux
// node numbers).
struct NodePairLatency {
  int cpu_node = 0;
  int memory_node = 0;
  CalibrationFigure latency;
};

struct HostMeasurements {
  // The host.
  std::string date_utc;   // "2026-12-01 17:02:03 UTC"
  std::string kernel;     // uname -r and -v
  std::string cpu_model;  // /proc/cpuinfo "model name"
  double clock_ghz = 0;   // /proc/cpuinfo "cpu MHz" / 1000 (0: unknown)
  int online_cpus = 0;
  double load_average = 0;       // /proc/loadavg, 1 minute, at the start
  bool huge_pages = false;       // the main buffer was fully backed by THP (AnonHugePages)
  uint64_t huge_page_bytes = 0;  // AnonHugePages of the main buffer
  double seconds = 0;            // wall time of the whole calibration

  // Cache hit latencies: dependent chase over a buffer that fits the level.
  CalibrationFigure l1_hit;
  CalibrationFigure l2_hit;
  CalibrationFigure llc_hit;
  // DRAM: one entry per measured (cpu node, memory node) pair; one entry on a 1-node host.
  std::vector<NodePairLatency> node_latency;
  // Figures the machine config has no field for outside HostCalibration.
  CalibrationFigure sequential_line;
  CalibrationFigure sequential_word;
  CalibrationFigure independent_line;
  CalibrationFigure atomic_rmw;
  CalibrationFigure core_to_core;
  // The compaction migrate scanner's loop per pfn (memory_kernels.h, ScanStructsNs): over
  // records held in the L1d (its non-memory work), and over the main buffer (cold, as the
  // kernel's scanner meets the memmap).
  CalibrationFigure scan_pfn_hot;
  CalibrationFigure scan_pfn;
  // The sequential word loop over a buffer held in the L1d: its issue cost per access.
  CalibrationFigure word_issue;
  // What a migration does besides metadata: the 4 KiB copy (cold buffers), and the PTE
  // write-protect / restore round trip of 64 and of 128 pages, with a TLB shootdown to a
  // thread on another CPU when there is one (memory_kernels.h, PageCopyNs and PteRemapNs;
  // ns per round trip).
  CalibrationFigure page_copy;
  CalibrationFigure pte_remap_64;
  CalibrationFigure pte_remap_128;
  // Anything the reader of the config should know (skipped figures, odd topology).
  std::vector<std::string> notes;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HOST_MEASUREMENTS_H_
