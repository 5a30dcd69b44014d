#include "tests/hw/reference_memory_system.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"
#include "sim/hw/cache.h"

namespace memsim::hw {

std::vector<uint64_t>& ReferenceMemorySystem::RefCache::SetOf(uint64_t line) {
  const uint64_t index = Cache::SliceOf(line, slices) * uint64_t{sets} + line % sets;
  return set_lines[index];
}

bool ReferenceMemorySystem::RefCache::Has(uint64_t line) {
  auto& s = SetOf(line);
  return std::find(s.begin(), s.end(), line) != s.end();
}

void ReferenceMemorySystem::RefCache::Touch(uint64_t line) {
  if (!lru) return;
  auto& s = SetOf(line);
  s.erase(std::find(s.begin(), s.end(), line));
  s.push_back(line);
}

std::optional<uint64_t> ReferenceMemorySystem::RefCache::Insert(uint64_t line) {
  auto& s = SetOf(line);
  std::optional<uint64_t> victim;
  if (s.size() == ways) {
    victim = s.front();
    s.erase(s.begin());
  }
  s.push_back(line);
  return victim;
}

bool ReferenceMemorySystem::RefCache::Erase(uint64_t line) {
  auto& s = SetOf(line);
  auto it = std::find(s.begin(), s.end(), line);
  if (it == s.end()) return false;
  s.erase(it);
  return true;
}

ReferenceMemorySystem::RefCache ReferenceMemorySystem::Make(const config::CacheLevel& c) const {
  RefCache r;
  r.slices = c.slices() == 0 ? 1 : c.slices();
  r.sets = static_cast<uint32_t>(c.size_bytes() / (c.line_bytes() * c.ways() * r.slices));
  double share = topology_.machine().metadata_cache_share();
  r.ways = (share > 0 && share < 1)
               ? std::max<uint32_t>(1, static_cast<uint32_t>(std::floor(c.ways() * share)))
               : c.ways();
  r.lru = c.policy() == config::REPLACEMENT_LRU;
  r.set_lines.resize(uint64_t{r.sets} * r.slices);
  return r;
}

ReferenceMemorySystem::ReferenceMemorySystem(const MachineTopology& topology)
    : topology_(topology), cps_(static_cast<int>(topology.machine().cores_per_socket())) {
  for (int c = 0; c < topology_.cores(); ++c) {
    l1_.push_back(Make(topology_.machine().l1d()));
    l2_.push_back(Make(topology_.machine().l2()));
  }
  for (int s = 0; s < topology_.sockets(); ++s) llc_.push_back(Make(topology_.machine().llc()));
  stats_.dram_by_node.assign(topology_.nodes(), 0);
}

int ReferenceMemorySystem::CopiesIn(int socket, uint64_t line) {
  int n = llc_[socket].Has(line) ? 1 : 0;
  for (int c = socket * cps_; c < (socket + 1) * cps_; ++c) {
    n += l1_[c].Has(line) ? 1 : 0;
    n += l2_[c].Has(line) ? 1 : 0;
  }
  return n;
}

void ReferenceMemorySystem::Dropped(uint64_t line, int socket) {
  auto it = modified_.find(line);
  if (it != modified_.end() && it->second == socket && CopiesIn(socket, line) == 0) {
    modified_.erase(it);
  }
}

double ReferenceMemorySystem::Hitm(int core, int owner_socket) const {
  const double fixed = topology_.machine().coherence().remote_hitm_ns();
  if (fixed > 0) return fixed;
  return topology_.latency_ns(topology_.home_node_of_core(core),
                              topology_.first_cpu_node(owner_socket));
}

double ReferenceMemorySystem::Access(uint64_t address, uint32_t bytes, AccessKind kind, int core) {
  ++stats_.accesses;
  const uint64_t lb = topology_.machine().line_bytes();
  const uint64_t end = address + std::max<uint32_t>(bytes, 1);
  double total = 0;
  for (uint64_t line = address / lb; line * lb < end; ++line) {
    ++stats_.line_accesses;
    if (kind == AccessKind::kRead) ++stats_.reads;
    if (kind == AccessKind::kWrite) ++stats_.writes;
    if (kind == AccessKind::kAtomic) ++stats_.atomics;
    total += Line(line, kind != AccessKind::kRead, core);
  }
  stats_.latency_ns += total;
  return total;
}

double ReferenceMemorySystem::Line(uint64_t line, bool write, int core) {
  const int s = topology_.socket_of_core(core);
  const bool inclusive = topology_.machine().llc().inclusive();
  double lat;
  bool l2_missed = false, llc_missed = false;
  if (l1_[core].Has(line)) {
    ++stats_.l1_hits;
    l1_[core].Touch(line);
    lat = topology_.l1_hit_ns();
  } else {
    ++stats_.l1_misses;
    if (l2_[core].Has(line)) {
      ++stats_.l2_hits;
      l2_[core].Touch(line);
      lat = topology_.l2_hit_ns();
    } else {
      ++stats_.l2_misses;
      l2_missed = true;
      if (llc_[s].Has(line)) {
        ++stats_.llc_hits;
        llc_[s].Touch(line);
        lat = topology_.llc_hit_ns();
      } else {
        ++stats_.llc_misses;
        llc_missed = true;
        auto owner = modified_.find(line);
        if (owner != modified_.end() && owner->second != s) {
          ++stats_.hitm;
          lat = Hitm(core, owner->second);
          if (!write) modified_.erase(owner);
        } else if (CopiesIn(s, line) > 0) {
          ++stats_.peer_forwards;
          lat = topology_.llc_hit_ns();
        } else {
          const uint64_t pfn = line * topology_.machine().line_bytes() / 4096;
          const int home = topology_.home_node_of_core(core);
          int node = -1;
          for (int n = 0; n < topology_.nodes(); ++n) {
            const auto& nd = topology_.machine().node(n);
            if (pfn >= nd.start_pfn() && pfn < nd.end_pfn()) node = n;
          }
          if (node < 0) {
            ++stats_.unmapped;
            node = home;
          }
          if (node == home) {
            ++stats_.dram_local;
          } else if (topology_.socket_of_node(node) == s) {
            ++stats_.dram_remote_node;
          } else {
            ++stats_.dram_remote_socket;
          }
          ++stats_.dram_by_node[node];
          lat = topology_.latency_ns(home, node);
        }
      }
    }
    // Fills.
    if (l2_missed) {
      if (llc_missed && inclusive) {
        if (auto v = llc_[s].Insert(line)) {
          for (int c = s * cps_; c < (s + 1) * cps_; ++c) {
            l1_[c].Erase(*v);
            l2_[c].Erase(*v);
          }
          Dropped(*v, s);
        }
      }
      if (auto v = l2_[core].Insert(line)) {
        if (!inclusive) {
          if (llc_[s].Has(*v)) {
            llc_[s].Touch(*v);
          } else if (auto v3 = llc_[s].Insert(*v)) {
            Dropped(*v3, s);
          }
        }
        Dropped(*v, s);
      }
    }
    if (auto v = l1_[core].Insert(line)) Dropped(*v, s);
  }
  if (write) {
    for (int t = 0; t < topology_.sockets(); ++t) {
      if (t == s || CopiesIn(t, line) == 0) continue;
      ++stats_.remote_invalidations;
      lat = std::max(lat, Hitm(core, t));
      llc_[t].Erase(line);
      for (int c = t * cps_; c < (t + 1) * cps_; ++c) {
        l1_[c].Erase(line);
        l2_[c].Erase(line);
      }
    }
    for (int c = s * cps_; c < (s + 1) * cps_; ++c) {
      if (c == core) continue;
      const bool a = l1_[c].Erase(line);
      const bool b = l2_[c].Erase(line);
      if (a || b) ++stats_.peer_invalidations;
    }
    modified_[line] = s;
  }
  return lat;
}

void ExpectSameCounts(const AccessStats& a, const AccessStats& b, const std::string& where) {
  EXPECT_EQ(a.accesses, b.accesses) << where;
  EXPECT_EQ(a.line_accesses, b.line_accesses) << where;
  EXPECT_EQ(a.reads, b.reads) << where;
  EXPECT_EQ(a.writes, b.writes) << where;
  EXPECT_EQ(a.atomics, b.atomics) << where;
  EXPECT_EQ(a.l1_hits, b.l1_hits) << where;
  EXPECT_EQ(a.l1_misses, b.l1_misses) << where;
  EXPECT_EQ(a.l2_hits, b.l2_hits) << where;
  EXPECT_EQ(a.l2_misses, b.l2_misses) << where;
  EXPECT_EQ(a.llc_hits, b.llc_hits) << where;
  EXPECT_EQ(a.llc_misses, b.llc_misses) << where;
  EXPECT_EQ(a.hitm, b.hitm) << where;
  EXPECT_EQ(a.peer_forwards, b.peer_forwards) << where;
  EXPECT_EQ(a.dram_local, b.dram_local) << where;
  EXPECT_EQ(a.dram_remote_node, b.dram_remote_node) << where;
  EXPECT_EQ(a.dram_remote_socket, b.dram_remote_socket) << where;
  EXPECT_EQ(a.unmapped, b.unmapped) << where;
  EXPECT_EQ(a.remote_invalidations, b.remote_invalidations) << where;
  EXPECT_EQ(a.peer_invalidations, b.peer_invalidations) << where;
  EXPECT_EQ(a.dram_by_node, b.dram_by_node) << where;
}

}  // namespace memsim::hw
