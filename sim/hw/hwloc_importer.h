// Builds a Machine from an hwloc XML topology (`lstopo --of xml`) with libhwloc.
//
// hwloc knows packages, cores, caches, NUMA nodes and their memory, and usually the ACPI
// SLIT as the "NUMALatency" distance matrix; it does not know latencies in ns, cache hit
// latencies, DRAM bandwidth (unless memory attributes say so) or the interconnect. Those
// come from HwlocImportOptions; docs/machine-model.md states every rule.
#ifndef MEMSIM_SIM_HW_HWLOC_IMPORTER_H_
#define MEMSIM_SIM_HW_HWLOC_IMPORTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "sim/util/isolated_call.h"

namespace memsim::hw {

// The pfns a NUMA node of the recorded machine spans, holes and memory the kernel has not
// initialised yet included (/proc/zoneinfo: min start_pfn to max start_pfn + spanned of its
// zones; tools/record's `nodeN_pfn_range`).
struct NodePfnSpan {
  uint32_t os_index = 0;  // the kernel's node number (hwloc's os_index)
  uint64_t start_pfn = 0;
  uint64_t end_pfn = 0;  // one past the last
};

// Parses /proc/zoneinfo text into node spans (zones with spanned 0 are skipped). Errors name
// `source` and the line; a text with no zone is an error.
absl::StatusOr<std::vector<NodePfnSpan>> ParseZoneinfoSpans(std::string_view text,
                                                            const std::string& source);

struct HwlocImportOptions {
  // Distance -> ns. With remote_latency_ns == 0 the rule is proportional (the SLIT is a
  // ratio to local): ns = local_latency_ns * d / d_local. With remote_latency_ns > 0 it is
  // affine through two points: d_local -> local_latency_ns and the smallest off-diagonal
  // distance -> remote_latency_ns (so 10/21 maps to exactly the two measured figures).
  double local_latency_ns = 90.0;
  double remote_latency_ns = 0.0;
  // Used where the topology has no memory attribute "Bandwidth" for a node.
  double dram_bandwidth_bytes_per_s = 100e9;
  // One link per socket pair, all latency in the matrix (the link adds 0 ns).
  double interconnect_bandwidth_bytes_per_s = 40e9;
  double clock_ghz = 2.0;
  // hwloc gives cache sizes, not latencies.
  double l1_hit_latency_cycles = 4;
  double l2_hit_latency_cycles = 14;
  double llc_hit_latency_cycles = 50;
  // Node sizes (docs/machine-model.md, "Node sizes"). Empty: NUMA nodes are laid out from
  // pfn 0 back to back, each as large as hwloc's local_memory (what the kernel manages).
  // Else every NUMA node takes its span from here (by os_index; a node missing is an error),
  // so a trace recorded on that machine replays with --pfn_mapping=identity.
  std::vector<NodePfnSpan> node_spans;
  // libhwloc segfaults and asserts on malformed XML, so the XML is loaded and converted in
  // a child process under these limits (4 GiB of address space, 60 s of CPU, 60 s in all);
  // a crash, timeout or runaway allocation is an error naming the file.
  IsolationLimits isolation;
};

// Imports the hwloc XML file at `path` (hwloc_topology_set_xml) in a child process. Errors
// name `path`; a file that is not a regular file or is larger than kMaxHwlocXmlBytes is
// refused before hwloc sees it.
absl::StatusOr<config::Machine> ImportHwlocXmlFile(const std::string& path,
                                                   const HwlocImportOptions& options);
// The largest hwloc XML accepted: a 16-socket, 4096-thread machine's lstopo output is a few
// MiB.
constexpr uint64_t kMaxHwlocXmlBytes = uint64_t{256} << 20;

// Imports XML held in memory (in a child process, as above); `source_name` names it in errors and
// in the description.
absl::StatusOr<config::Machine> ImportHwlocXml(std::string_view xml, const std::string& source_name,
                                               const HwlocImportOptions& options);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_HWLOC_IMPORTER_H_
