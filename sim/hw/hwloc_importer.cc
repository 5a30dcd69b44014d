#include "sim/hw/hwloc_importer.h"

#include <hwloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/hw/machine_validator.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace {

// Owns an hwloc topology for the duration of one import.
class TopologyHandle {
 public:
  TopologyHandle() { hwloc_topology_init(&topology_); }
  ~TopologyHandle() { hwloc_topology_destroy(topology_); }
  TopologyHandle(const TopologyHandle&) = delete;
  TopologyHandle& operator=(const TopologyHandle&) = delete;
  hwloc_topology_t get() const { return topology_; }

 private:
  hwloc_topology_t topology_;
};

// Keeps line x ways x slices within 64 bits.
constexpr uint32_t kMaxLineBytes = 4096;

bool IsPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Fills `out` from an hwloc cache object shared by `instances` objects per socket. Sliced
// caches (Intel LLC: 11 ways, 1.375 MiB per core) have a non-power-of-two set count over
// the whole cache: the smallest slice count >= `min_slices` that gives power-of-two sets
// per slice is used.
absl::Status FillCache(hwloc_obj_t cache, uint64_t instances, uint32_t min_slices,
                       double latency_cycles, const std::string& source, const char* level,
                       config::CacheLevel* out) {
  const uint64_t one = cache->attr->cache.size;
  if (one > std::numeric_limits<uint64_t>::max() / std::max<uint64_t>(instances, 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %s cache of %u bytes x %u instances overflows", source, level, one, instances));
  }
  const uint64_t size = one * instances;
  uint32_t line = cache->attr->cache.linesize == 0 ? 64 : cache->attr->cache.linesize;
  if (line > kMaxLineBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s cache line of %u bytes; at most %u are supported", source, level,
                        line, kMaxLineBytes));
  }
  int assoc = cache->attr->cache.associativity;
  uint64_t ways;
  if (assoc > 0) {
    ways = static_cast<uint64_t>(assoc);
  } else if (assoc == -1) {
    ways = one / line;  // fully associative: one set
    if (ways == 0) {
      // Zero ways would divide by zero below; no real cache is smaller than its line.
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: fully associative %s cache of %u bytes is smaller than its %u-byte line", source,
          level, one, line));
    }
  } else {
    ways = 8;  // unknown associativity
  }
  if (ways > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s cache has %u ways; at most %u are supported", source, level, ways,
                        std::numeric_limits<uint32_t>::max()));
  }
  out->set_size_bytes(size);
  out->set_ways(static_cast<uint32_t>(ways));
  out->set_line_bytes(line);
  out->set_hit_latency_cycles(latency_cycles);
  // Only the LLC's inclusiveness matters to the model (hwloc also marks inclusive L2s).
  const char* inclusive = hwloc_obj_get_info_by_name(cache, "Inclusive");
  if (std::strcmp(level, "L3") == 0 && inclusive != nullptr && std::strcmp(inclusive, "1") == 0) {
    out->set_inclusive(true);
  }
  for (uint32_t slices = std::max<uint32_t>(1, min_slices); slices <= 1024; ++slices) {
    const uint64_t set_bytes = uint64_t{line} * ways * slices;
    if (size % set_bytes == 0 && IsPowerOfTwo(size / set_bytes)) {
      out->set_slices(slices);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: %s cache of %u bytes, %u ways, %u-byte lines cannot be split into slices with a "
      "power-of-two number of sets",
      source, level, size, ways, line));
}

hwloc_obj_t AncestorCache(hwloc_obj_t obj, hwloc_obj_type_t type) {
  for (hwloc_obj_t p = obj->parent; p != nullptr; p = p->parent) {
    if (p->type == type) return p;
  }
  return nullptr;
}

void SetDefaultCache(uint64_t size, uint32_t ways, uint32_t slices, double cycles,
                     config::CacheLevel* out) {
  out->set_size_bytes(size);
  out->set_ways(static_cast<uint32_t>(ways));
  out->set_line_bytes(64);
  out->set_slices(slices);
  out->set_hit_latency_cycles(cycles);
}

// "262144KiB" (hwloc's size info strings) -> bytes; 0 if absent or malformed.
uint64_t KibInfo(hwloc_obj_t obj, const char* name) {
  const char* v = hwloc_obj_get_info_by_name(obj, name);
  if (v == nullptr) return 0;
  char* end = nullptr;
  errno = 0;
  const unsigned long long kib = std::strtoull(v, &end, 10);
  if (errno != 0 || end == v || std::strcmp(end, "KiB") != 0 || kib > (uint64_t{1} << 44)) {
    return 0;
  }
  return kib * 1024;
}

// Memory that hwloc lists as an OS device rather than a NUMA node: it becomes a CPU-less node
// (docs/machine-model.md, "CXL and DAX devices").
struct DeviceMemory {
  hwloc_obj_t obj;
  std::string kind;
  uint64_t bytes;
};

// "dddd:bb:dd.f" of a PCI device, as hwloc's CXLDevice info spells it.
std::string PciBusId(hwloc_obj_t pci) {
  return absl::StrFormat("%04x:%02x:%02x.%01x", pci->attr->pcidev.domain, pci->attr->pcidev.bus,
                         pci->attr->pcidev.dev, pci->attr->pcidev.func);
}

// DAX devices not onlined as system RAM (hwloc lists kmem DAX memory as a NUMA node instead,
// topology-linux.c hwloc_linuxfs_lookup_dax_class()), and CXL Type-3 memory devices whose
// memory is not already a NUMA node or DAX device (those carry a "CXLDevice" info naming the
// device's PCI address, topology-linux.c annotate_cxl_dax()).
std::vector<DeviceMemory> DevicesWithMemory(hwloc_topology_t topo) {
  std::vector<std::string> cxl_claimed;
  auto claim = [&](hwloc_obj_t obj) {
    const char* bdfs = hwloc_obj_get_info_by_name(obj, "CXLDevice");
    if (bdfs == nullptr) return;
    std::string list(bdfs);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      cxl_claimed.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
  };
  for (hwloc_obj_t n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, nullptr); n != nullptr;
       n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)) {
    claim(n);
  }
  std::vector<DeviceMemory> out;
  for (hwloc_obj_t d = hwloc_get_next_osdev(topo, nullptr); d != nullptr;
       d = hwloc_get_next_osdev(topo, d)) {
    if (const char* dax = hwloc_obj_get_info_by_name(d, "DAXType"); dax != nullptr) {
      claim(d);
      const uint64_t bytes = KibInfo(d, "Size");
      if (bytes >= kPageBytes) out.push_back({d, absl::StrCat("DAX-", dax), bytes});
    }
  }
  for (hwloc_obj_t d = hwloc_get_next_osdev(topo, nullptr); d != nullptr;
       d = hwloc_get_next_osdev(topo, d)) {
    if (d->subtype == nullptr || std::strcmp(d->subtype, "CXLMem") != 0) continue;
    hwloc_obj_t pci = d->parent;
    if (pci != nullptr && pci->type == HWLOC_OBJ_PCI_DEVICE &&
        std::find(cxl_claimed.begin(), cxl_claimed.end(), PciBusId(pci)) != cxl_claimed.end()) {
      continue;
    }
    const uint64_t ram = KibInfo(d, "CXLRAMSize");
    const uint64_t pmem = KibInfo(d, "CXLPMEMSize");
    if (ram + pmem < kPageBytes) continue;
    out.push_back({d, ram > 0 && pmem > 0 ? "CXL-DRAM+PMEM" : (ram > 0 ? "CXL-DRAM" : "CXL-PMEM"),
                   ram + pmem});
  }
  return out;
}

std::string MachineName(const std::string& source) {
  std::string base = source.substr(source.find_last_of('/') + 1);
  if (size_t dot = base.rfind(".xml"); dot != std::string::npos) base.resize(dot);
  std::string name;
  for (char c : base) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
  return name.empty() ? "hwloc" : name;
}

absl::StatusOr<config::Machine> Convert(hwloc_topology_t topo, const std::string& source,
                                        const HwlocImportOptions& options) {
  config::Machine m;
  m.set_name(MachineName(source));
  m.set_clock_ghz(options.clock_ghz);
  hwloc_obj_t root = hwloc_get_root_obj(topo);

  // Sockets: hwloc packages, or the whole machine when the topology has none.
  std::vector<hwloc_obj_t> packages;
  const int npackages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  for (int i = 0; i < npackages; ++i)
    packages.push_back(hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, i));
  if (packages.empty()) packages.push_back(root);
  if (packages.size() > static_cast<size_t>(kMaxSockets)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", packages.size(), " packages; memsim supports up to ", kMaxSockets));
  }
  m.set_sockets(packages.size());

  // Cores of each socket (PUs when the topology lists no cores), in logical order.
  std::vector<std::vector<hwloc_obj_t>> cores(packages.size());
  for (size_t p = 0; p < packages.size(); ++p) {
    hwloc_obj_type_t type = HWLOC_OBJ_CORE;
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, packages[p]->cpuset, type);
    if (n <= 0) {
      type = HWLOC_OBJ_PU;
      n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, packages[p]->cpuset, type);
    }
    for (int i = 0; i < n; ++i) {
      hwloc_obj_t core = hwloc_get_obj_inside_cpuset_by_type(topo, packages[p]->cpuset, type, i);
      if (core == nullptr || core->cpuset == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": package ", p, " lists core ", i, " but hwloc cannot find it"));
      }
      cores[p].push_back(core);
    }
    if (cores[p].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": package ", p, " has no cores or PUs"));
    }
    if (cores[p].size() != cores[0].size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": package ", p, " has ", cores[p].size(), " cores but package 0 has ",
          cores[0].size(), "; memsim models identical sockets"));
    }
    auto* socket = m.add_socket();
    socket->set_id(p);
    const char* model = hwloc_obj_get_info_by_name(packages[p], "CPUModel");
    if (model != nullptr) socket->set_model(model);
  }
  const uint32_t cores_per_socket = cores[0].size();
  m.set_cores_per_socket(cores_per_socket);

  // Caches, from the first core of the first socket. Default sizes where hwloc has none.
  m.set_line_bytes(64);
  hwloc_obj_t core0 = cores[0][0];
  hwloc_obj_t l1 = AncestorCache(core0, HWLOC_OBJ_L1CACHE);
  hwloc_obj_t l2 = AncestorCache(core0, HWLOC_OBJ_L2CACHE);
  hwloc_obj_t l3 = AncestorCache(core0, HWLOC_OBJ_L3CACHE);
  if (l1 != nullptr) {
    if (auto s = FillCache(l1, 1, 1, options.l1_hit_latency_cycles, source, "L1d", m.mutable_l1d());
        !s.ok()) {
      return s;
    }
  } else {
    SetDefaultCache(32 << 10, 8, 1, options.l1_hit_latency_cycles, m.mutable_l1d());
  }
  if (l2 != nullptr) {
    if (auto s = FillCache(l2, 1, 1, options.l2_hit_latency_cycles, source, "L2", m.mutable_l2());
        !s.ok()) {
      return s;
    }
  } else {
    SetDefaultCache(1 << 20, 16, 1, options.l2_hit_latency_cycles, m.mutable_l2());
  }
  if (l3 != nullptr) {
    // Several L3s per package (AMD CCXs) become slices of one per-socket LLC.
    int per_package =
        hwloc_get_nbobjs_inside_cpuset_by_type(topo, packages[0]->cpuset, HWLOC_OBJ_L3CACHE);
    per_package = std::max(per_package, 1);
    if (auto s = FillCache(l3, per_package, per_package, options.llc_hit_latency_cycles, source,
                           "L3", m.mutable_llc());
        !s.ok()) {
      return s;
    }
  } else {
    SetDefaultCache(uint64_t{2 << 20} * cores_per_socket, 16, cores_per_socket,
                    options.llc_hit_latency_cycles, m.mutable_llc());
  }
  m.set_line_bytes(m.l1d().line_bytes());

  // NUMA nodes, in logical order, memory laid out contiguously from pfn 0.
  const int nnodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  if (nnodes <= 0) return absl::InvalidArgumentError(absl::StrCat(source, ": no NUMA node"));
  std::vector<hwloc_obj_t> nodes;
  for (int i = 0; i < nnodes; ++i)
    nodes.push_back(hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i));
  // CXL and DAX memory that is not a NUMA node: CPU-less nodes after the NUMA nodes.
  const std::vector<DeviceMemory> devices = DevicesWithMemory(topo);
  const int nnuma = nnodes;
  const int nall = nnuma + static_cast<int>(devices.size());

  // Distances: NUMALatency (the SLIT) if present, else Linux's defaults 10 local / 20 remote
  // (also for device memory, which the SLIT does not list: x86 __node_distance() returns
  // REMOTE_DISTANCE for nodes beyond the table, arch/x86/mm/numa.c).
  std::vector<double> distance(nall * nall);
  for (int i = 0; i < nall; ++i) {
    for (int j = 0; j < nall; ++j) distance[i * nall + j] = i == j ? 10 : 20;
  }
  bool have_slit = false;
  {
    unsigned nr = 1;
    hwloc_distances_s* d = nullptr;
    if (hwloc_distances_get_by_name(topo, "NUMALatency", &nr, &d, 0) == 0 && nr >= 1) {
      for (unsigned a = 0; a < d->nbobjs; ++a) {
        for (unsigned b = 0; b < d->nbobjs; ++b) {
          const unsigned i = d->objs[a]->logical_index, j = d->objs[b]->logical_index;
          if (i < static_cast<unsigned>(nnuma) && j < static_cast<unsigned>(nnuma)) {
            distance[i * nall + j] = static_cast<double>(d->values[a * d->nbobjs + b]);
          }
        }
      }
      have_slit = true;
      hwloc_distances_release(topo, d);
    }
  }
  double min_remote = std::numeric_limits<double>::infinity();
  for (int i = 0; i < nall; ++i) {
    for (int j = 0; j < nall; ++j) {
      if (i != j) min_remote = std::min(min_remote, distance[i * nall + j]);
    }
  }
  for (int i = 0; i < nall; ++i) {
    const double d_local = distance[i * nall + i];
    if (d_local <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": NUMALatency distance of node ", i, " to itself is ", d_local));
    }
    for (int j = 0; j < nall; ++j) {
      const double d = distance[i * nall + j];
      double ns;
      if (options.remote_latency_ns > 0 && min_remote > d_local && std::isfinite(min_remote)) {
        ns = options.local_latency_ns + (d - d_local) / (min_remote - d_local) *
                                            (options.remote_latency_ns - options.local_latency_ns);
      } else {
        ns = options.local_latency_ns * d / d_local;
      }
      m.add_latency_ns(ns);
    }
  }

  // Home node of every core: of the nodes whose cpuset holds the core, the one with the
  // smallest cpuset (hwloc 2 gives a node its parent's cpuset, so a CPU-less node attached
  // to the machine or package covers more CPUs than the node next to the cores); ties go to
  // the lower index. A node that is nobody's home node is CPU-less (CXL, HBM, ...).
  std::vector<int> node_socket(nall, -1);
  std::vector<std::vector<uint32_t>> node_cores(nall);
  for (size_t p = 0; p < packages.size(); ++p) {
    for (uint32_t c = 0; c < cores_per_socket; ++c) {
      int home = -1;
      int best_weight = std::numeric_limits<int>::max();
      for (int i = 0; i < nnodes; ++i) {
        if (!hwloc_bitmap_isincluded(cores[p][c]->cpuset, nodes[i]->cpuset)) continue;
        const int weight = hwloc_bitmap_weight(nodes[i]->cpuset);
        if (weight >= 0 && weight < best_weight) {
          best_weight = weight;
          home = i;
        }
      }
      if (home < 0) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": core L#",
                                                       cores[p][c]->logical_index, " of package ",
                                                       p, " is in no NUMA node's cpuset"));
      }
      if (node_socket[home] >= 0 && node_socket[home] != static_cast<int>(p)) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": NUMA node P#", nodes[home]->os_index,
            " is the nearest node of cores in two packages; memsim needs a node per socket"));
      }
      node_socket[home] = static_cast<int>(p);
      node_cores[home].push_back(static_cast<uint32_t>(p * cores_per_socket + c));
    }
  }
  std::vector<bool> cpu_less(nall);
  for (int i = 0; i < nall; ++i) {
    cpu_less[i] = node_cores[i].empty();
    if (!cpu_less[i]) continue;
    // A CPU-less node inside a package belongs to it; else to its nearest CPU node's socket.
    hwloc_obj_t obj = i < nnuma ? nodes[i] : devices[i - nnuma].obj;
    for (size_t p = 0; p < packages.size() && node_socket[i] < 0; ++p) {
      for (hwloc_obj_t a = obj->parent; a != nullptr; a = a->parent) {
        if (a == packages[p] && a != root) node_socket[i] = static_cast<int>(p);
      }
    }
    if (node_socket[i] >= 0) continue;
    double best = std::numeric_limits<double>::infinity();
    node_socket[i] = 0;
    for (int j = 0; j < nall; ++j) {
      if (!node_cores[j].empty() && distance[i * nall + j] < best) {
        best = distance[i * nall + j];
        node_socket[i] = node_socket[j];
      }
    }
  }

  // Node pfn ranges: back to back from pfn 0 (local_memory), or the recorded spans.
  uint64_t next_pfn = 0;
  if (!options.node_spans.empty()) {
    for (const NodePfnSpan& span : options.node_spans) {
      next_pfn = std::max(next_pfn, (span.end_pfn + 32767) & ~uint64_t{32767});
    }
  }
  for (int i = 0; i < nall; ++i) {
    hwloc_obj_t node = i < nnuma ? nodes[i] : nullptr;
    uint64_t start = next_pfn;
    uint64_t pages = 0;
    if (node != nullptr) {
      pages = node->attr->numanode.local_memory / kPageBytes;
      if (pages == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": NUMA node P#", node->os_index,
            " reports no memory (local_memory=", node->attr->numanode.local_memory, ")"));
      }
      if (!options.node_spans.empty()) {
        auto span =
            std::find_if(options.node_spans.begin(), options.node_spans.end(),
                         [&](const NodePfnSpan& s) { return s.os_index == node->os_index; });
        if (span == options.node_spans.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat(source, ": NUMA node P#", node->os_index,
                           " has no pfn span in the zoneinfo/metadata given for node sizes"));
        }
        if (span->end_pfn <= span->start_pfn) {
          return absl::InvalidArgumentError(absl::StrCat(
              source, ": the pfn span given for NUMA node P#", node->os_index, " is empty"));
        }
        // Whole memory sections (the unit of sparsemem: 128 MiB, SECTION_SIZE_BITS 27 in
        // arch/x86/include/asm/sparsemem.h), short of the neighbouring nodes' own pfns.
        constexpr uint64_t kSectionPages = uint64_t{1} << (27 - 12);
        start = span->start_pfn & ~(kSectionPages - 1);
        uint64_t end =
            std::min<uint64_t>((span->end_pfn + kSectionPages - 1) & ~(kSectionPages - 1), kMaxPfn);
        for (const NodePfnSpan& o : options.node_spans) {
          if (&o == &*span) continue;
          const uint64_t o_end_up = (o.end_pfn + kSectionPages - 1) & ~(kSectionPages - 1);
          if (o.start_pfn < span->start_pfn) {
            start = std::max(start, std::min(o_end_up, span->start_pfn));
          } else {
            end = std::min(end, std::max(o.start_pfn, span->end_pfn));
          }
        }
        pages = end - start;
      }
    } else {
      pages = devices[i - nnuma].bytes / kPageBytes;
    }
    auto* out = m.add_node();
    out->set_id(i);
    out->set_socket(node_socket[i]);
    out->set_cpu_less(cpu_less[i]);
    out->set_memory_bytes(pages * kPageBytes);
    out->set_start_pfn(start);
    out->set_end_pfn(start + pages);
    if (node == nullptr || options.node_spans.empty()) next_pfn = start + pages;
    if (node == nullptr) {
      out->set_kind(devices[i - nnuma].kind);
    } else if (node->subtype != nullptr) {
      out->set_kind(node->subtype);
    } else {
      out->set_kind(cpu_less[i] ? "CPU-less" : "DRAM");
    }
    for (uint32_t c : node_cores[i]) out->add_cores(c);
    if (node == nullptr) {
      // hwloc has no bandwidth attribute for device memory.
      out->set_dram_bandwidth_bytes_per_s(options.dram_bandwidth_bytes_per_s);
      continue;
    }
    // Memory attribute "Bandwidth" (MiB/s) when the topology has one, for the node's own
    // CPUs as initiator.
    double bandwidth = options.dram_bandwidth_bytes_per_s;
    hwloc_location initiator;
    initiator.type = HWLOC_LOCATION_TYPE_CPUSET;
    initiator.location.cpuset = node->cpuset;
    hwloc_uint64_t value = 0;
    if (hwloc_memattr_get_value(topo, HWLOC_MEMATTR_ID_BANDWIDTH, node, &initiator, 0, &value) ==
            0 &&
        value > 0) {
      bandwidth = static_cast<double>(value) * 1048576.0;
    }
    out->set_dram_bandwidth_bytes_per_s(bandwidth);
  }

  // Interconnect: one link per socket pair, routes over it both ways.
  for (uint32_t a = 0; a < packages.size(); ++a) {
    for (uint32_t b = a + 1; b < packages.size(); ++b) {
      auto* link = m.add_link();
      link->set_name(absl::StrCat("link", a, "-", b));
      link->set_bandwidth_bytes_per_s(options.interconnect_bandwidth_bytes_per_s);
      link->set_latency_ns(0);
      for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
        auto* route = m.add_route();
        route->set_from_socket(from);
        route->set_to_socket(to);
        route->add_links(link->name());
      }
    }
  }

  const char* model = hwloc_obj_get_info_by_name(packages[0], "CPUModel");
  m.set_description(absl::StrCat(
      "Imported from ", source, " (hwloc XML)", model != nullptr ? absl::StrCat(": ", model) : "",
      ". Latency from ", have_slit ? "the NUMALatency matrix" : "Linux default distances 10/20",
      options.remote_latency_ns > 0
          ? absl::StrCat(" mapped affinely: local -> ", options.local_latency_ns,
                         " ns, nearest remote -> ", options.remote_latency_ns, " ns")
          : absl::StrCat(" as a ratio: ns = ", options.local_latency_ns, " x d / d_local"),
      "; cache latencies, clock, DRAM and link bandwidth are import defaults",
      options.node_spans.empty()
          ? "; node sizes are hwloc's local_memory, back to back from pfn 0."
          : "; node pfn ranges are the recorded machine's spans (zoneinfo/metadata).",
      devices.empty() ? ""
                      : absl::StrCat(" ", devices.size(),
                                     " CXL/DAX device(s) became CPU-less nodes after the NUMA "
                                     "nodes (distance 20, default bandwidth).")));
  return m;
}

absl::StatusOr<config::Machine> LoadAndConvert(TopologyHandle& topo, const std::string& source,
                                               const HwlocImportOptions& options) {
  // Keep I/O objects: CXL memory and DAX devices are OS devices (docs/machine-model.md).
  hwloc_topology_set_io_types_filter(topo.get(), HWLOC_TYPE_FILTER_KEEP_ALL);
  if (hwloc_topology_load(topo.get()) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": hwloc could not load the XML topology (", std::strerror(errno),
                     "); set HWLOC_XML_VERBOSE=1 for hwloc's parser messages"));
  }
  return Convert(topo.get(), source, options);
}

// Runs `load` (hwloc from XML to Machine) in a child process and reads its Machine back.
absl::StatusOr<config::Machine> Isolated(
    const std::string& source, const HwlocImportOptions& options,
    const std::function<absl::StatusOr<config::Machine>()>& load) {
  ASSIGN_OR_RETURN(std::string bytes, IsolatedCallForResult(source, "libhwloc", options.isolation,
                                                            [&]() -> absl::StatusOr<std::string> {
                                                              ASSIGN_OR_RETURN(config::Machine m,
                                                                               load());
                                                              return m.SerializeAsString();
                                                            }));
  config::Machine m;
  if (!m.ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat(source, ": the libhwloc child sent a garbled machine"));
  }
  return m;
}

}  // namespace

absl::StatusOr<std::vector<NodePfnSpan>> ParseZoneinfoSpans(std::string_view text,
                                                            const std::string& source) {
  std::vector<NodePfnSpan> spans;
  int line_number = 0;
  int node = -1;
  uint64_t spanned = 0;
  bool have_zone = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    unsigned n = 0;
    char zone[64];
    unsigned long long v = 0;
    const std::string l(line);
    if (std::sscanf(l.c_str(), "Node %u, zone %63s", &n, zone) == 2) {
      node = static_cast<int>(n);
      spanned = 0;
      have_zone = true;
    } else if (std::sscanf(l.c_str(), " spanned %llu", &v) == 1) {
      spanned = v;
    } else if (std::sscanf(l.c_str(), " start_pfn: %llu", &v) == 1) {
      if (node < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ":", line_number, ": start_pfn before any 'Node N, zone Z' line"));
      }
      if (spanned == 0) continue;
      if (v > kMaxPfn || spanned > kMaxPfn - v) {
        return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": zone of node ",
                                                       node, " spans beyond pfn 2^40"));
      }
      auto it = std::find_if(spans.begin(), spans.end(), [&](const NodePfnSpan& s) {
        return s.os_index == static_cast<uint32_t>(node);
      });
      if (it == spans.end()) {
        spans.push_back({static_cast<uint32_t>(node), v, v + spanned});
      } else {
        it->start_pfn = std::min<uint64_t>(it->start_pfn, v);
        it->end_pfn = std::max<uint64_t>(it->end_pfn, v + spanned);
      }
    }
  }
  if (!have_zone || spans.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": no zone with pages (expected /proc/zoneinfo: 'Node N, zone Z' ... "
                     "'spanned S' ... 'start_pfn: P')"));
  }
  std::sort(spans.begin(), spans.end(),
            [](const NodePfnSpan& a, const NodePfnSpan& b) { return a.os_index < b.os_index; });
  return spans;
}

absl::StatusOr<config::Machine> ImportHwlocXmlFile(const std::string& path,
                                                   const HwlocImportOptions& options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file (an hwloc XML topology is expected)"));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxHwlocXmlBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", st.st_size,
                                                   " bytes; an hwloc XML topology of more than ",
                                                   kMaxHwlocXmlBytes >> 20, " MiB is implausible"));
  }
  return Isolated(path, options, [&]() -> absl::StatusOr<config::Machine> {
    TopologyHandle topo;
    if (hwloc_topology_set_xml(topo.get(), path.c_str()) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": hwloc cannot read this XML file (", std::strerror(errno), ")"));
    }
    return LoadAndConvert(topo, path, options);
  });
}

absl::StatusOr<config::Machine> ImportHwlocXml(std::string_view xml, const std::string& source_name,
                                               const HwlocImportOptions& options) {
  if (xml.size() > kMaxHwlocXmlBytes) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", xml.size(),
                                                   " bytes; an hwloc XML topology of more than ",
                                                   kMaxHwlocXmlBytes >> 20, " MiB is implausible"));
  }
  return Isolated(source_name, options, [&]() -> absl::StatusOr<config::Machine> {
    TopologyHandle topo;
    std::string buffer(xml);
    if (hwloc_topology_set_xmlbuffer(topo.get(), buffer.c_str(),
                                     static_cast<int>(buffer.size()) + 1) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": hwloc cannot parse this XML (", std::strerror(errno), ")"));
    }
    return LoadAndConvert(topo, source_name, options);
  });
}

}  // namespace memsim::hw
