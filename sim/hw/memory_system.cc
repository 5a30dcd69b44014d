#include "sim/hw/memory_system.h"

#include <algorithm>
#include <cmath>

#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace {

uint32_t EffectiveWays(uint32_t ways, double share) {
  if (share <= 0 || share >= 1) return ways;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::floor(ways * share)));
}

Cache MakeCache(const config::CacheLevel& c, double share) {
  const uint32_t slices = c.slices() == 0 ? 1 : c.slices();
  const uint32_t sets =
      static_cast<uint32_t>(c.size_bytes() / (uint64_t{c.line_bytes()} * c.ways() * slices));
  return Cache(sets, slices, EffectiveWays(c.ways(), share), c.policy());
}

uint64_t TotalLines(const MachineTopology& t, double share) {
  const config::Machine& m = t.machine();
  uint64_t lines = 0;
  for (const config::CacheLevel* c : {&m.l1d(), &m.l2()}) {
    lines += uint64_t{static_cast<uint64_t>(t.cores())} * MakeCache(*c, share).capacity_lines();
  }
  return lines + uint64_t{static_cast<uint64_t>(t.sockets())} * MakeCache(m.llc(), share).capacity_lines();
}

}  // namespace

MemorySystem::MemorySystem(const MachineTopology& topology)
    : topology_(topology),
      line_bytes_(topology.machine().line_bytes()),
      line_shift_(__builtin_ctz(topology.machine().line_bytes())),
      cores_per_socket_(static_cast<int>(topology.machine().cores_per_socket())),
      llc_inclusive_(topology.machine().llc().inclusive()),
      l1_ns_(topology.l1_hit_ns()),
      l2_ns_(topology.l2_hit_ns()),
      llc_ns_(topology.llc_hit_ns()),
      directory_(TotalLines(topology, topology.machine().metadata_cache_share())) {
  const config::Machine& m = topology_.machine();
  const double share = m.metadata_cache_share();
  l1_.reserve(topology_.cores());
  l2_.reserve(topology_.cores());
  for (int c = 0; c < topology_.cores(); ++c) {
    l1_.push_back(MakeCache(m.l1d(), share));
    l2_.push_back(MakeCache(m.l2(), share));
  }
  llc_.reserve(topology_.sockets());
  for (int s = 0; s < topology_.sockets(); ++s) llc_.push_back(MakeCache(m.llc(), share));
  stats_.dram_by_node.assign(topology_.nodes(), 0);
}

void MemorySystem::ResetStats() {
  const size_t nodes = stats_.dram_by_node.size();
  stats_ = AccessStats();
  stats_.dram_by_node.assign(nodes, 0);
}

double MemorySystem::Access(uint64_t address, uint32_t bytes, AccessKind kind, int core) {
  ++stats_.accesses;
  const uint64_t first = address >> line_shift_;
  const uint64_t last = (address + (bytes == 0 ? 0 : bytes - 1)) >> line_shift_;
  const bool write = kind != AccessKind::kRead;
  double total = 0;
  for (uint64_t line = first; line <= last; ++line) {
    switch (kind) {
      case AccessKind::kRead: ++stats_.reads; break;
      case AccessKind::kWrite: ++stats_.writes; break;
      case AccessKind::kAtomic: ++stats_.atomics; break;
    }
    total += AccessLine(line, write, core);
  }
  stats_.line_accesses += last - first + 1;
  stats_.latency_ns += total;
  return total;
}

double MemorySystem::AccessLine(uint64_t line, bool write, int core) {
  const int socket = topology_.socket_of_core(core);
  if (l1_[core].Lookup(line)) {
    ++stats_.l1_hits;
    // A line in our L1 is valid (writes elsewhere invalidate it), so a read needs nothing more.
    return write ? WriteOwnership(line, core, socket, l1_ns_) : l1_ns_;
  }
  ++stats_.l1_misses;
  double latency;
  bool l2_hit = false, llc_hit = false;
  if (l2_[core].Lookup(line)) {
    ++stats_.l2_hits;
    l2_hit = true;
    latency = l2_ns_;
  } else {
    ++stats_.l2_misses;
    if (llc_[socket].Lookup(line)) {
      ++stats_.llc_hits;
      llc_hit = true;
      latency = llc_ns_;
    } else {
      ++stats_.llc_misses;
      LineDirectory::Entry* e = directory_.Find(line);
      if (e != nullptr && e->modified_socket >= 0 && e->modified_socket != socket) {
        ++stats_.hitm;
        latency = topology_.HitmNs(topology_.home_node_of_core(core), e->modified_socket);
        if (!write) e->modified_socket = -1;  // the owner writes back and keeps a clean copy
      } else if (e != nullptr && e->copies[socket] > 0) {
        ++stats_.peer_forwards;  // misses here imply the copy is in another core's L1d/L2
        latency = llc_ns_;
      } else {
        latency = DramNs(line, core);
      }
    }
  }
  if (!l2_hit) {
    if (!llc_hit && llc_inclusive_) FillLlc(line, socket);
    FillL2(line, core, socket);
  }
  FillL1(line, core, socket);
  return write ? WriteOwnership(line, core, socket, latency) : latency;
}

double MemorySystem::DramNs(uint64_t line, int core) {
  const uint64_t pfn = (line << line_shift_) / kPageBytes;
  if (pfn < cached_start_pfn_ || pfn >= cached_end_pfn_) {
    cached_node_ = topology_.NodeOfPfn(pfn);
    if (cached_node_ >= 0) {
      const config::NumaNode& n = topology_.machine().node(cached_node_);
      cached_start_pfn_ = n.start_pfn();
      cached_end_pfn_ = n.end_pfn();
    } else {
      cached_start_pfn_ = 1;
      cached_end_pfn_ = 0;
    }
  }
  const int home = topology_.home_node_of_core(core);
  int node = cached_node_;
  if (node < 0) {
    ++stats_.unmapped;
    node = home;
  }
  if (node == home) {
    ++stats_.dram_local;
  } else if (topology_.socket_of_node(node) == topology_.socket_of_core(core)) {
    ++stats_.dram_remote_node;
  } else {
    ++stats_.dram_remote_socket;
  }
  ++stats_.dram_by_node[node];
  return topology_.latency_ns(home, node);
}

// Directory updates always add the new copy before removing the old one, so a line moving
// between levels of one socket keeps its entry (and its modified state).
void MemorySystem::FillLlc(uint64_t line, int socket) {
  const uint64_t victim = llc_[socket].Insert(line);
  directory_.AddCopy(line, socket);
  if (victim != Cache::kNoLine) {
    BackInvalidate(victim, socket);
    directory_.RemoveCopy(victim, socket);
  }
}

void MemorySystem::FillL2(uint64_t line, int core, int socket) {
  const uint64_t victim = l2_[core].Insert(line);
  directory_.AddCopy(line, socket);
  if (victim == Cache::kNoLine) return;
  if (!llc_inclusive_) {
    // A non-inclusive LLC is a victim cache of the L2s.
    if (!llc_[socket].Lookup(victim)) {
      const uint64_t llc_victim = llc_[socket].Insert(victim);
      directory_.AddCopy(victim, socket);
      if (llc_victim != Cache::kNoLine) directory_.RemoveCopy(llc_victim, socket);
    }
  }
  directory_.RemoveCopy(victim, socket);
}

void MemorySystem::FillL1(uint64_t line, int core, int socket) {
  const uint64_t victim = l1_[core].Insert(line);
  directory_.AddCopy(line, socket);
  if (victim != Cache::kNoLine) directory_.RemoveCopy(victim, socket);
}

void MemorySystem::BackInvalidate(uint64_t line, int socket) {
  LineDirectory::Entry* e = directory_.Find(line);
  if (e == nullptr || e->copies[socket] <= 1) return;  // only the LLC copy itself
  const int first = socket * cores_per_socket_;
  for (int c = first; c < first + cores_per_socket_; ++c) {
    if (l1_[c].Invalidate(line)) directory_.RemoveCopy(line, socket);
    if (l2_[c].Invalidate(line)) directory_.RemoveCopy(line, socket);
  }
}

void MemorySystem::InvalidateSocket(uint64_t line, int socket) {
  if (llc_[socket].Invalidate(line)) directory_.RemoveCopy(line, socket);
  const int first = socket * cores_per_socket_;
  for (int c = first; c < first + cores_per_socket_; ++c) {
    if (l1_[c].Invalidate(line)) directory_.RemoveCopy(line, socket);
    if (l2_[c].Invalidate(line)) directory_.RemoveCopy(line, socket);
  }
}

double MemorySystem::WriteOwnership(uint64_t line, int core, int socket, double latency) {
  LineDirectory::Entry* e = directory_.Find(line);
  MEMSIM_CHECK(e != nullptr, "a written line must be cached by the writer");
  // The writer's own copies keep the entry alive, so `e` stays valid while other
  // sockets' copies are removed (no slot is freed).
  const int home = topology_.home_node_of_core(core);
  for (int t = 0; t < topology_.sockets(); ++t) {
    if (t == socket || e->copies[t] == 0) continue;
    ++stats_.remote_invalidations;
    latency = std::max(latency, topology_.HitmNs(home, t));
    InvalidateSocket(line, t);
  }
  // Copies beyond the writer's L1d, L2 and LLC are in other cores' private caches.
  if (e->copies[socket] > 1 &&
      e->copies[socket] > 1 + (l2_[core].Contains(line) ? 1 : 0) +
                              (llc_[socket].Contains(line) ? 1 : 0)) {
    const int first = socket * cores_per_socket_;
    for (int c = first; c < first + cores_per_socket_; ++c) {
      if (c == core) continue;
      bool had = false;
      if (l1_[c].Invalidate(line)) {
        directory_.RemoveCopy(line, socket);
        had = true;
      }
      if (l2_[c].Invalidate(line)) {
        directory_.RemoveCopy(line, socket);
        had = true;
      }
      if (had) ++stats_.peer_invalidations;
    }
  }
  e->modified_socket = static_cast<int8_t>(socket);
  return latency;
}

}  // namespace memsim::hw
