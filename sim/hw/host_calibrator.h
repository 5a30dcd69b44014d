// Measures the memory system of the host it runs on (`memsim machine calibrate`): cache
// hit latencies, idle DRAM latency per NUMA node pair, sequential and independent reads,
// the word loop's issue cost (over the L1d), the compaction scanner's per-pfn loop (cold
// and hot), a 4 KiB page copy, the PTE write-protect / restore of a migration with and
// without a TLB shootdown, atomic read-modify-write and a core-to-core line transfer, with
// the loops of
// sim/hw/memory_kernels.h on buffers advised MADV_HUGEPAGE before first touch.
//
// Every benchmark runs a few repetitions within its share of the time budget and keeps
// the median, smallest and largest; one progress line per benchmark goes to `progress`.
#ifndef MEMSIM_SIM_HW_HOST_CALIBRATOR_H_
#define MEMSIM_SIM_HW_HOST_CALIBRATOR_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "sim/hw/host_measurements.h"

namespace memsim::hw {

struct HostCalibratorOptions {
  // Cache sizes of one instance as seen from one core, bytes (sim/hw/host_topology.h).
  uint64_t l1_bytes = 32 << 10;
  uint64_t l2_bytes = 1 << 20;
  uint64_t llc_bytes = 32 << 20;
  // Tiny buffers and one or two repetitions: for tests, the figures mean little.
  bool quick = false;
  // Time budget of the whole run, seconds; each benchmark gets a share and stops
  // repeating when its share is spent (it always completes one repetition, so a very
  // short budget is exceeded). Below 15 s the DRAM buffer is at most 256 MiB.
  double max_seconds = 30;
  // Receives one line per benchmark ("calibrate: dram 0->0 ..."); may be empty.
  std::function<void(const std::string&)> progress;
};

class HostCalibrator {
 public:
  explicit HostCalibrator(HostCalibratorOptions options);

  // Runs every benchmark. Errors: out of memory for a buffer.
  absl::StatusOr<HostMeasurements> Run();

  // The DRAM chase buffer size for an LLC of `llc_bytes`: 8x the LLC, within
  // [256 MiB, 1 GiB], and at most `available_bytes` / 8.
  static uint64_t DramBufferBytes(uint64_t llc_bytes, uint64_t available_bytes);

 private:
  HostCalibratorOptions options_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HOST_CALIBRATOR_H_
