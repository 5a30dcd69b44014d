// A deliberately naive model of the same rules as sim/hw/memory_system.h, for tests: each
// cache set is a vector ordered from next victim to most recently refreshed, copies are
// counted by scanning every cache, modified lines live in a std::map. Slow and obvious.
#ifndef MEMSIM_TESTS_HW_REFERENCE_MEMORY_SYSTEM_H_
#define MEMSIM_TESTS_HW_REFERENCE_MEMORY_SYSTEM_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/hw/machine_topology.h"
#include "sim/hw/memory_system.h"

namespace memsim::hw {

class ReferenceMemorySystem {
 public:
  explicit ReferenceMemorySystem(const MachineTopology& topology);
  double Access(uint64_t address, uint32_t bytes, AccessKind kind, int core);
  const AccessStats& stats() const { return stats_; }

 private:
  struct RefCache {
    uint32_t sets = 0, slices = 0, ways = 0;
    bool lru = true;
    std::vector<std::vector<uint64_t>> set_lines;  // front = next victim
    std::vector<uint64_t>& SetOf(uint64_t line);
    bool Has(uint64_t line);
    void Touch(uint64_t line);
    std::optional<uint64_t> Insert(uint64_t line);
    bool Erase(uint64_t line);
  };
  RefCache Make(const config::CacheLevel& c) const;
  double Line(uint64_t line, bool write, int core);
  int CopiesIn(int socket, uint64_t line);
  void Dropped(uint64_t line, int socket);
  double Hitm(int core, int owner_socket) const;

  MachineTopology topology_;
  int cps_;
  std::vector<RefCache> l1_, l2_, llc_;
  std::map<uint64_t, int> modified_;
  AccessStats stats_;
};

// Expects every demand counter of `a` (memsim) to equal `b`'s (the reference), latency
// aside: the counts the exact-LRU tests pin, serial or timed. `where` names the case.
void ExpectSameCounts(const AccessStats& a, const AccessStats& b, const std::string& where);

}  // namespace memsim::hw

#endif  // MEMSIM_TESTS_HW_REFERENCE_MEMORY_SYSTEM_H_
