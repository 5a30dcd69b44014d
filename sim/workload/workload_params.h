// Parameters of `memsim gen`: the machine, the length of the trace, and the knobs of each
// workload (a workload reads only its own). Plain data; ValidateCommon() checks what every
// workload needs, each workload's factory checks its own fields. Error messages name the
// command-line flag so that a user can fix the invocation.
#ifndef MEMSIM_SIM_WORKLOAD_WORKLOAD_PARAMS_H_
#define MEMSIM_SIM_WORKLOAD_WORKLOAD_PARAMS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace memsim::workload {

struct WorkloadParams {
  // Machine (see MachineDesc::Uniform).
  uint32_t nodes = 2;
  uint64_t node_mem_bytes = uint64_t{4} << 30;
  uint32_t cpus = 8;

  // Target number of events; generation stops at the first action boundary at or past it.
  uint64_t events = 1'000'000;
  // Simulated time the trace spans, ns; 0 means 1 µs per event.
  uint64_t duration_ns = 0;
  uint64_t seed = 1;

  // Live user/kernel memory the workload aims to keep, bytes; 0 picks the workload's default.
  uint64_t footprint_bytes = 0;
  // anon, numa: share of anonymous memory (by bytes) the workload asks to back with THPs.
  double thp_share = 0.5;
  // pagecache: size of each file read, bytes.
  uint64_t file_size_bytes = uint64_t{1} << 30;
  // pagecache: folio order of readahead allocations (0 = 4 KiB pages; large folios up to 9).
  uint32_t folio_order = 0;
  // numa: fraction of tasks the scheduler moves to another node at each balancing epoch.
  double imbalance = 0.5;
  // fragment: fraction of each node filled with movable pages before the trace starts.
  double fill = 0.9;
  // fragment: fraction of those movable pages freed again (at random) to punch holes.
  double fragmentation = 0.5;
  // fragment: share of the fill that is unmovable kernel memory.
  double unmovable_share = 0.03;
  // slab: probability that an object free hits a random live object instead of the oldest.
  double slab_random_free = 0.3;

  // tiering: a CPU-less node (CXL expander) of this many bytes after the --nodes DRAM nodes;
  // 0: none.
  uint64_t cxl_mem_bytes = 0;
  // tiering: share of the footprint (by pages) that is hot.
  double hot_share = 0.2;
  // tiering: share of a DRAM node's part of the footprint it may hold before kswapd demotes.
  double demote_watermark = 0.5;
  // Checks the machine shape, the event count and the duration.
  absl::Status ValidateCommon() const;
  // Mean simulated time between two events, ns (>= 1).
  uint64_t MeanEventGapNs() const;
  uint64_t total_mem_bytes() const { return node_mem_bytes * nodes; }
};

// Parses a byte size such as "4GiB", "512M", "1.5GiB", "4096" or "100MB". Binary units:
// K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024); decimal: kB/KB, MB, GB, TB; B or no unit:
// bytes. `flag` names the flag in the error message.
absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text, absl::string_view flag);
// "4GiB", "512MiB", "4096B": the shortest exact binary form.
std::string FormatByteSize(uint64_t bytes);

// Checks that `value` lies in [lo, hi]; the message names `flag`.
absl::Status CheckFraction(double value, double lo, double hi, absl::string_view flag);

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_WORKLOAD_PARAMS_H_
