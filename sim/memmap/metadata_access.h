// MetadataAccess and AccessBuffer: what a memmap model emits for each kernel operation —
// the simulated physical address, size and kind of every metadata access — and the
// caller-owned buffer it is pushed into. The replay engine feeds the buffer to the cache /
// DRAM model. Kept tiny and inline: the target is >= 10 M trace events/s end to end, so an
// access is a 16-byte struct appended to a reused vector, never a callback.
#ifndef MEMSIM_SIM_MEMMAP_METADATA_ACCESS_H_
#define MEMSIM_SIM_MEMMAP_METADATA_ACCESS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/hw/memory_access.h"

namespace memsim::memmap {

inline constexpr uint64_t kLineBytes = 64;

// A metadata access is a plain memory access (read, write or locked read-modify-write of
// `bytes` at a simulated physical address; never crossing a 64-byte line unless documented
// for the model): the type the memory system serves, so the buffer goes to it as is. Which
// node holds the address is the memory system's to find (MachineTopology::NodeOfPfn).
using AccessKind = hw::AccessKind;
using MetadataAccess = hw::MemoryAccess;

// Caller-owned, reused across operations: Clear() keeps the capacity.
class AccessBuffer {
 public:
  void Push(uint64_t addr, uint32_t bytes, AccessKind kind, bool depends_on_previous = true) {
    accesses_.push_back({addr, bytes, kind, depends_on_previous});
  }
  // Pushes [addr, addr + bytes) cut at 64-byte line boundaries: one access per line, the
  // way a memset / a loop over consecutive words reaches the cache. Only the first line
  // may depend on the access before it; the others' addresses are computed, not loaded.
  void PushLines(uint64_t addr, uint64_t bytes, AccessKind kind, bool depends_on_previous = true) {
    while (bytes > 0) {
      const uint64_t room = kLineBytes - (addr & (kLineBytes - 1));
      const uint64_t n = bytes < room ? bytes : room;
      Push(addr, static_cast<uint32_t>(n), kind, depends_on_previous);
      depends_on_previous = false;
      addr += n;
      bytes -= n;
    }
  }
  void Clear() { accesses_.clear(); }
  size_t size() const { return accesses_.size(); }
  bool empty() const { return accesses_.empty(); }
  const MetadataAccess& operator[](size_t i) const { return accesses_[i]; }
  const MetadataAccess* data() const { return accesses_.data(); }
  const std::vector<MetadataAccess>& accesses() const { return accesses_; }
  std::vector<MetadataAccess>::const_iterator begin() const { return accesses_.begin(); }
  std::vector<MetadataAccess>::const_iterator end() const { return accesses_.end(); }

 private:
  std::vector<MetadataAccess> accesses_;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_METADATA_ACCESS_H_
