#include "sim/hw/machine_printer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/machine_validator.h"

namespace memsim::hw {
namespace {

std::string Bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) {
    b /= 1024;
    ++u;
  }
  // Two calls: clang requires a constant format string.
  if (b == static_cast<uint64_t>(b)) return absl::StrFormat("%.0f %s", b, units[u]);
  return absl::StrFormat("%.2f %s", b, units[u]);
}

// Decimal units, as bandwidths are quoted: GB/s, or the largest smaller unit that keeps
// the figure >= 1, so a 20 MiB/s node reads "21.0 MB/s", not "0.0 GB/s".
std::string Rate(double bytes_per_s) {
  const char* units[] = {"B/s", "kB/s", "MB/s", "GB/s"};
  int u = 0;
  while (u < 3 && bytes_per_s >= 1000) {
    bytes_per_s /= 1000;
    ++u;
  }
  return absl::StrFormat("%.1f %s", bytes_per_s, units[u]);
}

// "0-17,36-53" from a sorted list.
std::string Ranges(const std::vector<int>& v) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    parts.push_back(i == j ? absl::StrCat(v[i]) : absl::StrCat(v[i], "-", v[j]));
    i = j + 1;
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ",");
}

std::string CacheLine(const char* name, const config::CacheLevel& c, const char* per,
                      double clock_ghz, bool llc) {
  const uint32_t slices = c.slices() == 0 ? 1 : c.slices();
  const uint64_t sets = c.size_bytes() / (uint64_t{c.line_bytes()} * c.ways() * slices);
  std::string geometry =
      slices > 1 ? absl::StrCat(slices, " slices x ", sets, " sets") : absl::StrCat(sets, " sets");
  return absl::StrFormat("  %-4s %11s / %-6s %3u-way  %-22s %5.1f cycles = %5.2f ns%s%s\n", name,
                         Bytes(c.size_bytes()), per, c.ways(), geometry, c.hit_latency_cycles(),
                         c.hit_latency_cycles() / clock_ghz,
                         llc ? (c.inclusive() ? ", inclusive" : ", non-inclusive") : "",
                         c.policy() == config::REPLACEMENT_FIFO ? ", FIFO" : ", LRU");
}

}  // namespace

std::string FormatMachineText(const config::Machine& m) {
  std::string s = absl::StrCat("Machine ", m.name(), "\n");
  if (!m.description().empty()) absl::StrAppend(&s, "  ", m.description(), "\n");
  const uint32_t cores = m.sockets() * m.cores_per_socket();
  std::string model = m.socket_size() > 0 && !m.socket(0).model().empty()
                          ? absl::StrCat(" (", m.socket(0).model(), ")")
                          : "";
  absl::StrAppendFormat(&s, "\nSockets: %u x %u cores at %.2f GHz = %u cores%s\n", m.sockets(),
                        m.cores_per_socket(), m.clock_ghz(), cores, model);
  uint64_t memory = 0;
  for (const auto& n : m.node()) memory += n.memory_bytes();
  absl::StrAppend(&s, "Memory:  ", Bytes(memory), " in ", m.node_size(), " NUMA nodes\n");

  absl::StrAppend(&s, "\nCaches (", m.line_bytes(), "-byte lines):\n");
  absl::StrAppend(&s, CacheLine("L1d", m.l1d(), "core", m.clock_ghz(), false));
  absl::StrAppend(&s, CacheLine("L2", m.l2(), "core", m.clock_ghz(), false));
  absl::StrAppend(&s, CacheLine("LLC", m.llc(), "socket", m.clock_ghz(), true));
  const double share = m.metadata_cache_share();
  if (share > 0 && share < 1) {
    absl::StrAppendFormat(&s, "  metadata may use %.0f%% of every cache (ways reduced)\n",
                          share * 100);
  }

  auto topology = MachineTopology::Create(m);
  absl::StrAppend(&s, "\nNUMA nodes:\n");
  absl::StrAppendFormat(&s, "  %-4s %-6s %-8s %11s  %-29s %11s  %s\n", "node", "socket", "kind",
                        "memory", "pfn range", "DRAM bw", "cores");
  for (int i = 0; i < m.node_size(); ++i) {
    const config::NumaNode& n = m.node(i);
    std::vector<int> home;
    if (topology.ok()) {
      for (int c = 0; c < topology->cores(); ++c) {
        if (topology->home_node_of_core(c) == i) home.push_back(c);
      }
    }
    absl::StrAppendFormat(&s, "  %-4d %-6u %-8s %11s  [%#12x, %#12x) %11s  %s\n", i, n.socket(),
                          n.kind().empty() ? (n.cpu_less() ? "CPU-less" : "DRAM") : n.kind(),
                          Bytes(n.memory_bytes()), n.start_pfn(), n.end_pfn(),
                          Rate(n.dram_bandwidth_bytes_per_s()),
                          n.cpu_less() ? "(no CPUs)" : Ranges(home));
  }

  const int nn = m.node_size();
  absl::StrAppend(&s, "\nDRAM latency, ns (row: node of the requesting core, column: memory):\n");
  absl::StrAppend(&s, "      ");
  for (int j = 0; j < nn; ++j) absl::StrAppendFormat(&s, "%8d", j);
  absl::StrAppend(&s, "\n");
  for (int i = 0; i < nn; ++i) {
    absl::StrAppendFormat(&s, "  %-4d", i);
    for (int j = 0; j < nn && i * nn + j < m.latency_ns_size(); ++j) {
      absl::StrAppendFormat(&s, "%8.1f", m.latency_ns(i * nn + j));
    }
    absl::StrAppend(&s, "\n");
  }

  if (m.link_size() > 0) {
    absl::StrAppend(&s, "\nInterconnect links:\n");
    for (const auto& l : m.link()) {
      absl::StrAppendFormat(&s, "  %-12s %11s  %6.1f ns\n", l.name(),
                            Rate(l.bandwidth_bytes_per_s()), l.latency_ns());
    }
    absl::StrAppend(&s, "Routes:\n");
    for (const auto& r : m.route()) {
      absl::StrAppendFormat(&s, "  socket %u -> %u: %s\n", r.from_socket(), r.to_socket(),
                            absl::StrJoin(r.links(), " -> "));
    }
  }
  if (m.has_timing()) {
    const config::Timing& t = m.timing();
    absl::StrAppend(&s, "\nTiming:\n");
    absl::StrAppendFormat(
        &s, "  outstanding misses per core: %u L1d, %u L2%s\n", t.outstanding_l1_misses(),
        t.outstanding_l2_misses() != 0 ? t.outstanding_l2_misses() : t.outstanding_l1_misses(),
        t.outstanding_l1_misses() <= 1 ? " (serial)" : "");
    absl::StrAppendFormat(&s, "  prefetchers: L1 next-line %s, L2 streamer %s",
                          t.next_line_prefetcher() ? "on" : "off", t.l2_streamer() ? "on" : "off");
    if (t.l2_streamer()) {
      absl::StrAppendFormat(&s, " (%u lines ahead)",
                            t.streamer_distance_lines() != 0 ? t.streamer_distance_lines() : 16u);
    }
    absl::StrAppend(&s, "\n");
    if (t.l2_streamer() || t.streamer_queue_entries() != 0) {
      absl::StrAppend(&s, "  streamer queue: ",
                      t.streamer_queue_entries() != 0
                          ? absl::StrCat(t.streamer_queue_entries(), " prefetches in flight")
                          : std::string("none (prefetches take superqueue entries)"),
                      "\n");
    }
    absl::StrAppend(&s, "  DRAM bandwidth per core: ",
                    t.core_dram_bandwidth_bytes_per_s() > 0
                        ? Rate(t.core_dram_bandwidth_bytes_per_s())
                        : std::string("not limited"),
                    "\n");
    absl::StrAppendFormat(&s,
                          "  non-memory work: %.2f cycles per operation, %.2f per scanned pfn, "
                          "%.2f per migrated page\n",
                          t.cycles_per_operation(), t.cycles_per_scanned_pfn(),
                          t.cycles_per_migrated_page());
    absl::StrAppendFormat(&s, "  issue: %.2f cycles per access%s\n", t.cycles_per_access(),
                          t.cycles_per_access() > 0 ? "" : " (no limit)");
  }
  if (m.sockets() > 1) {
    absl::StrAppend(&s, "\nCoherence: a line modified on another socket costs ",
                    m.coherence().remote_hitm_ns() > 0
                        ? absl::StrFormat("%.1f ns (HITM)", m.coherence().remote_hitm_ns())
                        : std::string("the matrix latency to that socket's first node (HITM)"),
                    "\n");
  }
  return s;
}

absl::StatusOr<std::string> FormatMachineJson(const config::Machine& machine) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  auto status = google::protobuf::util::MessageToJsonString(machine, &json, options);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return json;
}

std::string FormatMachineTextproto(const config::Machine& machine) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(machine, &text);
  return text;
}

}  // namespace memsim::hw
