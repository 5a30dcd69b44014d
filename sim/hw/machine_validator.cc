#include "sim/hw/machine_validator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/hw/cache.h"
#include "sim/hw/core_timing.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace {

// Outstanding-miss slots a core may have (real cores have 10 to 64).
constexpr uint32_t kMaxOutstandingMisses = 256;
constexpr uint32_t kMaxStreamerQueueEntries = 4096;

using config::CacheLevel;
using config::Machine;

bool IsPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

absl::Status Invalid(const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Status ValidateCache(const std::string& field, const CacheLevel& c, uint32_t line_bytes) {
  if (c.size_bytes() == 0) return Invalid(field + ".size_bytes", "must be > 0 (missing cache?)");
  if (c.size_bytes() > kMaxCacheBytes) {
    return Invalid(field + ".size_bytes",
                   absl::StrCat(c.size_bytes(), " exceeds the supported maximum of ",
                                kMaxCacheBytes, " (4 GiB)"));
  }
  if (c.slices() > kMaxSlices) {
    return Invalid(field + ".slices",
                   absl::StrCat(c.slices(), " exceeds the supported maximum of ", kMaxSlices));
  }
  if (c.ways() == 0) return Invalid(field + ".ways", "must be > 0");
  if (c.ways() > Cache::kMaxWays) {
    return Invalid(field + ".ways", absl::StrCat(c.ways(), " exceeds the supported maximum of ",
                                                 Cache::kMaxWays, " (one age byte per way)"));
  }
  if (c.line_bytes() != line_bytes) {
    return Invalid(
        field + ".line_bytes",
        absl::StrCat(c.line_bytes(), " differs from the machine's line_bytes ", line_bytes));
  }
  const uint64_t slices = c.slices() == 0 ? 1 : c.slices();
  const uint64_t set_bytes = uint64_t{line_bytes} * c.ways() * slices;
  if (c.size_bytes() % set_bytes != 0) {
    return Invalid(field + ".size_bytes",
                   absl::StrCat(c.size_bytes(),
                                " is not a multiple of line_bytes x ways x slices = ", set_bytes));
  }
  const uint64_t sets = c.size_bytes() / set_bytes;
  if (!IsPowerOfTwo(sets)) {
    return Invalid(field, absl::StrCat(sets, " sets per slice (size_bytes ", c.size_bytes(),
                                       " / (line ", line_bytes, " x ways ", c.ways(), " x slices ",
                                       slices, ")) is not a power of two"));
  }
  if (!(c.hit_latency_cycles() > 0) || !std::isfinite(c.hit_latency_cycles())) {
    return Invalid(field + ".hit_latency_cycles", "must be > 0");
  }
  return absl::OkStatus();
}

// Memory blocks and memmap placement (docs/machine-model.md, "Where the memmap lives").
// REQUIRES: the nodes and the latency matrix are valid.
absl::Status ValidateMemmapPlacement(const Machine& m) {
  if (m.memory_block_bytes() != 0 &&
      (!IsPowerOfTwo(m.memory_block_bytes()) || m.memory_block_bytes() < (uint64_t{2} << 20))) {
    return Invalid("memory_block_bytes",
                   absl::StrCat(m.memory_block_bytes(), " is not a power of two >= 2 MiB"));
  }
  if (m.vmemmap_alignment_bytes() != 0 &&
      (!IsPowerOfTwo(m.vmemmap_alignment_bytes()) || m.vmemmap_alignment_bytes() < kPageBytes)) {
    return Invalid("vmemmap_alignment_bytes",
                   absl::StrCat(m.vmemmap_alignment_bytes(), " is not a power of two >= 4096"));
  }
  const uint64_t block_pages = MemoryBlockBytes(m) / kPageBytes;
  config::MemmapPlacement on_memory_mode = config::MEMMAP_PLACEMENT_DEFAULT;
  for (int i = 0; i < m.node_size(); ++i) {
    const config::NumaNode& node = m.node(i);
    const std::string f = absl::StrCat("node[", i, "].memmap_placement");
    const config::MemmapPlacement p = ResolvedMemmapPlacement(node);
    if (p == config::MEMMAP_NODE_LOCAL) continue;
    if (MemmapHostNode(m, i) < 0) {
      return Invalid(f,
                     "hot-added, but no node of boot memory (or hot-added before it) can "
                     "hold its memmap");
    }
    if (p == config::MEMMAP_ON_MEMORY || p == config::MEMMAP_ON_MEMORY_FORCE) {
      if (on_memory_mode != config::MEMMAP_PLACEMENT_DEFAULT && on_memory_mode != p) {
        return Invalid(f,
                       "MEMMAP_ON_MEMORY and MEMMAP_ON_MEMORY_FORCE on one machine: "
                       "memory_hotplug.memmap_on_memory is one global parameter");
      }
      on_memory_mode = p;
      // check_hotplug_memory_range(): hot-added ranges are whole memory blocks, and
      // memmap_on_memory carves each block.
      if (node.start_pfn() % block_pages != 0 || node.end_pfn() % block_pages != 0) {
        return Invalid(
            f, absl::StrCat("memmap_on_memory needs whole memory blocks of ", MemoryBlockBytes(m),
                            " bytes (memory_block_bytes); node [0x", absl::Hex(node.start_pfn()),
                            ", 0x", absl::Hex(node.end_pfn()), ") is not"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t MemoryBlockBytes(const Machine& machine) {
  return machine.memory_block_bytes() == 0 ? uint64_t{128} << 20 : machine.memory_block_bytes();
}

uint64_t VmemmapAlignmentBytes(const Machine& machine) {
  return machine.vmemmap_alignment_bytes() == 0 ? uint64_t{2} << 20
                                                : machine.vmemmap_alignment_bytes();
}

config::MemmapPlacement ResolvedMemmapPlacement(const config::NumaNode& node) {
  if (node.memmap_placement() != config::MEMMAP_PLACEMENT_DEFAULT) return node.memmap_placement();
  return node.cpu_less() ? config::MEMMAP_HOTPLUG : config::MEMMAP_NODE_LOCAL;
}

int MemmapHostNode(const Machine& machine, int node) {
  const int n = machine.node_size();
  int best = -1;
  double best_ns = 0;
  int best_penalty = 0;
  for (int j = 0; j < n; ++j) {
    if (j == node) continue;
    const bool boot = ResolvedMemmapPlacement(machine.node(j)) == config::MEMMAP_NODE_LOCAL;
    if (!boot && j > node) continue;
    if (machine.latency_ns_size() != n * n) return -1;
    const double ns = machine.latency_ns(node * n + j);
    const int penalty = (machine.node(j).cpu_less() ? 0 : 1) + (j < node ? 1 : 0);
    if (best < 0 || ns < best_ns || (ns == best_ns && penalty < best_penalty)) {
      best = j;
      best_ns = ns;
      best_penalty = penalty;
    }
  }
  return best;
}

absl::Status ValidateMachine(const Machine& m) {
  if (m.name().empty()) return Invalid("name", "must not be empty");
  if (m.sockets() == 0) return Invalid("sockets", "must be > 0");
  if (m.sockets() > static_cast<uint32_t>(kMaxSockets)) {
    return Invalid("sockets",
                   absl::StrCat(m.sockets(), " exceeds the supported maximum of ", kMaxSockets));
  }
  if (m.cores_per_socket() == 0) return Invalid("cores_per_socket", "must be > 0");
  // The directory counts copies per socket in a byte: 2 private caches per core + the LLC.
  if (m.cores_per_socket() > 127) {
    return Invalid("cores_per_socket",
                   absl::StrCat(m.cores_per_socket(), " exceeds the supported maximum of 127"));
  }
  if (!(m.clock_ghz() > 0) || !std::isfinite(m.clock_ghz())) {
    return Invalid("clock_ghz", "must be > 0");
  }
  if (!IsPowerOfTwo(m.line_bytes()) || m.line_bytes() < 8 || m.line_bytes() > kMaxLineBytes) {
    return Invalid("line_bytes", absl::StrCat(m.line_bytes(), " is not a power of two in [8, ",
                                              kMaxLineBytes, "]"));
  }
  if (!m.has_l1d()) return Invalid("l1d", "missing");
  if (!m.has_l2()) return Invalid("l2", "missing");
  if (!m.has_llc()) return Invalid("llc", "missing");
  RETURN_IF_ERROR(ValidateCache("l1d", m.l1d(), m.line_bytes()));
  RETURN_IF_ERROR(ValidateCache("l2", m.l2(), m.line_bytes()));
  RETURN_IF_ERROR(ValidateCache("llc", m.llc(), m.line_bytes()));
  {
    // Private l1d and l2 per core, one llc per socket (MemorySystem). Each factor is bounded
    // above, so the products fit in 64 bits.
    const uint64_t cores = uint64_t{m.sockets()} * m.cores_per_socket();
    const uint64_t lines = cores * ((m.l1d().size_bytes() + m.l2().size_bytes()) / m.line_bytes()) +
                           uint64_t{m.sockets()} * (m.llc().size_bytes() / m.line_bytes());
    if (lines > kMaxTotalCacheLines) {
      return Invalid("llc", absl::StrCat("the machine's caches hold ", lines,
                                         " lines in total; the supported maximum is ",
                                         kMaxTotalCacheLines, " (512 MiB of simulator state)"));
    }
  }
  if (m.l1d().inclusive()) return Invalid("l1d.inclusive", "only the llc can be inclusive");
  if (m.l2().inclusive()) return Invalid("l2.inclusive", "only the llc can be inclusive");
  if (m.l2().hit_latency_cycles() < m.l1d().hit_latency_cycles()) {
    return Invalid("l2.hit_latency_cycles", "is below l1d.hit_latency_cycles");
  }
  if (m.llc().hit_latency_cycles() < m.l2().hit_latency_cycles()) {
    return Invalid("llc.hit_latency_cycles", "is below l2.hit_latency_cycles");
  }
  if (m.metadata_cache_share() < 0 || m.metadata_cache_share() > 1 ||
      std::isnan(m.metadata_cache_share())) {
    return Invalid("metadata_cache_share",
                   absl::StrCat(m.metadata_cache_share(), " is outside [0, 1]"));
  }

  if (m.socket_size() != 0 && m.socket_size() != static_cast<int>(m.sockets())) {
    return Invalid("socket",
                   absl::StrCat(m.socket_size(), " entries but sockets is ", m.sockets()));
  }
  for (int i = 0; i < m.socket_size(); ++i) {
    if (m.socket(i).id() != static_cast<uint32_t>(i)) {
      return Invalid(absl::StrCat("socket[", i, "].id"),
                     absl::StrCat(m.socket(i).id(), ", expected ", i, " (sockets in order)"));
    }
  }

  // NUMA nodes.
  const int n = m.node_size();
  if (n == 0) return Invalid("node", "a machine needs at least one NUMA node");
  const uint32_t total_cores = m.sockets() * m.cores_per_socket();
  std::vector<int> cpu_nodes_of_socket(m.sockets(), 0);
  std::vector<int> listing_nodes_of_socket(m.sockets(), 0);
  std::vector<int> home_count(total_cores, 0);
  uint64_t total_memory_bytes = 0;
  for (int i = 0; i < n; ++i) {
    const config::NumaNode& node = m.node(i);
    const std::string f = absl::StrCat("node[", i, "]");
    if (node.id() != static_cast<uint32_t>(i)) {
      return Invalid(f + ".id", absl::StrCat(node.id(), ", expected ", i, " (nodes in order)"));
    }
    if (node.socket() >= m.sockets()) {
      return Invalid(f + ".socket",
                     absl::StrCat(node.socket(), " but the machine has ", m.sockets(), " sockets"));
    }
    if (node.end_pfn() > kMaxPfn) {
      return Invalid(f + ".end_pfn", absl::StrCat("0x", absl::Hex(node.end_pfn()),
                                                  " is above the supported maximum 2^40"));
    }
    if (node.end_pfn() <= node.start_pfn()) {
      return Invalid(f + ".end_pfn", absl::StrCat(node.end_pfn(), " is not above start_pfn ",
                                                  node.start_pfn(), " (empty node)"));
    }
    if (node.memory_bytes() == 0) return Invalid(f + ".memory_bytes", "must be > 0");
    // end_pfn <= 2^40, so this product and the sum below fit in 64 bits.
    total_memory_bytes += (node.end_pfn() - node.start_pfn()) * kPageBytes;
    if (total_memory_bytes > kMaxMemoryBytes) {
      return Invalid(
          f + ".memory_bytes",
          absl::StrCat("the nodes up to this one hold ", total_memory_bytes,
                       " bytes; the supported maximum is ", kMaxMemoryBytes, " (64 TiB)"));
    }
    if (node.memory_bytes() != (node.end_pfn() - node.start_pfn()) * kPageBytes) {
      return Invalid(f + ".memory_bytes",
                     absl::StrCat(node.memory_bytes(), " != (end_pfn - start_pfn) x 4096 = ",
                                  (node.end_pfn() - node.start_pfn()) * kPageBytes));
    }
    if (!(node.dram_bandwidth_bytes_per_s() > 0) ||
        !std::isfinite(node.dram_bandwidth_bytes_per_s())) {
      return Invalid(f + ".dram_bandwidth_bytes_per_s", "must be > 0");
    }
    if (!node.cpu_less()) ++cpu_nodes_of_socket[node.socket()];
    if (node.cpu_less() && node.cores_size() > 0) {
      return Invalid(f + ".cores", "a cpu_less node cannot list cores");
    }
    if (node.cores_size() > 0) ++listing_nodes_of_socket[node.socket()];
    for (int j = 0; j < node.cores_size(); ++j) {
      const uint32_t core = node.cores(j);
      const std::string cf = absl::StrCat(f, ".cores[", j, "]");
      if (core >= total_cores) {
        return Invalid(cf,
                       absl::StrCat("core ", core, " has no socket (the machine has ", m.sockets(),
                                    " sockets x ", m.cores_per_socket(), " cores)"));
      }
      if (core / m.cores_per_socket() != node.socket()) {
        return Invalid(cf,
                       absl::StrCat("core ", core, " is on socket ", core / m.cores_per_socket(),
                                    ", not on the node's socket ", node.socket()));
      }
      if (++home_count[core] > 1) {
        return Invalid(cf, absl::StrCat("core ", core, " is listed by two nodes"));
      }
    }
  }
  for (uint32_t s = 0; s < m.sockets(); ++s) {
    if (cpu_nodes_of_socket[s] == 0) {
      return Invalid("node", absl::StrCat("socket ", s,
                                          " has no node with CPUs: its cores have no home node"));
    }
    if (listing_nodes_of_socket[s] == 0) {
      if (m.cores_per_socket() % cpu_nodes_of_socket[s] != 0) {
        return Invalid("node",
                       absl::StrCat("socket ", s, "'s ", m.cores_per_socket(),
                                    " cores do not split evenly among its ", cpu_nodes_of_socket[s],
                                    " CPU nodes; list node.cores explicitly"));
      }
      continue;
    }
    for (uint32_t c = s * m.cores_per_socket(); c < (s + 1) * m.cores_per_socket(); ++c) {
      if (home_count[c] == 0) {
        return Invalid("node", absl::StrCat("core ", c, " (socket ", s,
                                            ") is listed by no node's cores: no home node"));
      }
    }
  }
  // Memory ranges must not overlap.
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return m.node(a).start_pfn() < m.node(b).start_pfn(); });
  for (int k = 1; k < n; ++k) {
    const config::NumaNode& prev = m.node(order[k - 1]);
    const config::NumaNode& cur = m.node(order[k]);
    if (cur.start_pfn() < prev.end_pfn()) {
      return Invalid(
          absl::StrCat("node[", order[k], "].start_pfn"),
          absl::StrCat("0x", absl::Hex(cur.start_pfn()), " overlaps node[", order[k - 1], "] [0x",
                       absl::Hex(prev.start_pfn()), ", 0x", absl::Hex(prev.end_pfn()), ")"));
    }
  }

  // Latency matrix.
  if (m.latency_ns_size() != n * n) {
    return Invalid("latency_ns", absl::StrCat(m.latency_ns_size(), " entries; expected ", n * n,
                                              " (", n, " nodes x ", n, ")"));
  }
  for (int i = 0; i < n * n; ++i) {
    if (!(m.latency_ns(i) > 0) || !std::isfinite(m.latency_ns(i))) {
      return Invalid(absl::StrCat("latency_ns[", i / n, "][", i % n, "]"), "must be > 0");
    }
  }

  RETURN_IF_ERROR(ValidateMemmapPlacement(m));

  // Interconnect.
  std::map<std::string, double> link_latency;
  for (int i = 0; i < m.link_size(); ++i) {
    const config::InterconnectLink& l = m.link(i);
    const std::string f = absl::StrCat("link[", i, "]");
    if (l.name().empty()) return Invalid(f + ".name", "must not be empty");
    if (!link_latency.emplace(l.name(), l.latency_ns()).second) {
      return Invalid(f + ".name", absl::StrCat("'", l.name(), "' is used twice"));
    }
    if (!(l.bandwidth_bytes_per_s() > 0) || !std::isfinite(l.bandwidth_bytes_per_s())) {
      return Invalid(f + ".bandwidth_bytes_per_s", "must be > 0");
    }
    if (l.latency_ns() < 0 || !std::isfinite(l.latency_ns())) {
      return Invalid(f + ".latency_ns", "must be >= 0");
    }
  }
  std::vector<int> first_cpu_node(m.sockets(), -1);
  for (int i = 0; i < n; ++i) {
    const auto& node = m.node(i);
    if (!node.cpu_less() && first_cpu_node[node.socket()] < 0) first_cpu_node[node.socket()] = i;
  }
  std::set<std::pair<uint32_t, uint32_t>> routed;
  for (int i = 0; i < m.route_size(); ++i) {
    const config::Route& r = m.route(i);
    const std::string f = absl::StrCat("route[", i, "]");
    if (r.from_socket() >= m.sockets()) {
      return Invalid(f + ".from_socket", absl::StrCat(r.from_socket(), " but the machine has ",
                                                      m.sockets(), " sockets"));
    }
    if (r.to_socket() >= m.sockets()) {
      return Invalid(f + ".to_socket",
                     absl::StrCat(r.to_socket(), " but the machine has ", m.sockets(), " sockets"));
    }
    if (r.from_socket() == r.to_socket()) {
      return Invalid(f, "from_socket equals to_socket (local traffic needs no route)");
    }
    if (!routed.emplace(r.from_socket(), r.to_socket()).second) {
      return Invalid(
          f, absl::StrCat("a second route from socket ", r.from_socket(), " to ", r.to_socket()));
    }
    if (r.links_size() == 0) return Invalid(f + ".links", "empty");
    double sum_ns = 0;
    for (int j = 0; j < r.links_size(); ++j) {
      auto it = link_latency.find(r.links(j));
      if (it == link_latency.end()) {
        return Invalid(absl::StrCat(f, ".links[", j, "]"),
                       absl::StrCat("unknown link '", r.links(j), "'"));
      }
      sum_ns += it->second;
    }
    // The SimGrid route adds a private latency hop so that its total equals the matrix;
    // that hop cannot be negative.
    const int from_node = first_cpu_node[r.from_socket()];
    for (int j = 0; j < n; ++j) {
      if (m.node(j).socket() != r.to_socket()) continue;
      const double want = m.latency_ns(from_node * n + j);
      if (sum_ns > want) {
        return Invalid(f, absl::StrCat("its links add ", sum_ns, " ns but latency_ns[", from_node,
                                       "][", j, "] is only ", want, " ns"));
      }
    }
  }
  for (uint32_t a = 0; a < m.sockets(); ++a) {
    for (uint32_t b = 0; b < m.sockets(); ++b) {
      if (a != b && routed.count({a, b}) == 0) {
        return Invalid("route", absl::StrCat("no route from socket ", a, " to socket ", b));
      }
    }
  }
  if (m.coherence().remote_hitm_ns() < 0) {
    return Invalid("coherence.remote_hitm_ns", "must be >= 0");
  }
  if (m.has_calibration()) {
    const config::HostCalibration& c = m.calibration();
    const std::pair<const char*, double> figures[] = {
        {"sequential_line_ns", c.sequential_line_ns()},
        {"sequential_word_ns", c.sequential_word_ns()},
        {"independent_line_ns", c.independent_line_ns()},
        {"dependent_line_ns", c.dependent_line_ns()},
        {"atomic_rmw_ns", c.atomic_rmw_ns()},
        {"core_to_core_ns", c.core_to_core_ns()},
        {"word_issue_ns", c.word_issue_ns()},
        {"pte_remap_ns", c.pte_remap_ns()},
        {"tlb_flush_ns", c.tlb_flush_ns()},
        {"page_copy_ns", c.page_copy_ns()}};
    for (const auto& [name, ns] : figures) {
      if (ns < 0 || !std::isfinite(ns)) {
        return Invalid(absl::StrCat("calibration.", name), "must be >= 0 (0 = not measured)");
      }
    }
  }
  if (m.has_timing()) {
    const config::Timing& t = m.timing();
    if (t.outstanding_l1_misses() > kMaxOutstandingMisses) {
      return Invalid("timing.outstanding_l1_misses",
                     absl::StrCat(t.outstanding_l1_misses(), " is above ", kMaxOutstandingMisses));
    }
    if (t.outstanding_l2_misses() > kMaxOutstandingMisses) {
      return Invalid("timing.outstanding_l2_misses",
                     absl::StrCat(t.outstanding_l2_misses(), " is above ", kMaxOutstandingMisses));
    }
    if (t.streamer_queue_entries() > kMaxStreamerQueueEntries) {
      return Invalid(
          "timing.streamer_queue_entries",
          absl::StrCat(t.streamer_queue_entries(), " is above ", kMaxStreamerQueueEntries));
    }
    const uint32_t page_lines = m.line_bytes() == 0 ? 0 : 4096 / m.line_bytes();
    if (t.streamer_distance_lines() >= page_lines && t.streamer_distance_lines() != 0) {
      return Invalid("timing.streamer_distance_lines",
                     absl::StrCat(t.streamer_distance_lines(),
                                  " lines reach beyond a 4 KiB page of ", page_lines, " lines"));
    }
    if (CoreTiming::Enabled(t) && m.line_bytes() > 4096) {
      return Invalid("timing", "the timing model needs lines of at most 4096 bytes");
    }
    const std::pair<const char*, double> figures[] = {
        {"core_dram_bandwidth_bytes_per_s", t.core_dram_bandwidth_bytes_per_s()},
        {"cycles_per_scanned_pfn", t.cycles_per_scanned_pfn()},
        {"cycles_per_operation", t.cycles_per_operation()},
        {"cycles_per_migrated_page", t.cycles_per_migrated_page()},
        {"cycles_per_access", t.cycles_per_access()}};
    for (const auto& [name, value] : figures) {
      if (value < 0 || !std::isfinite(value)) {
        return Invalid(absl::StrCat("timing.", name), "must be a finite number >= 0");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace memsim::hw
