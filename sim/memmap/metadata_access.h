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

namespace memsim::memmap {

inline constexpr uint64_t kLineBytes = 64;

enum class AccessKind : uint8_t {
  kRead = 0,
  kWrite = 1,
  kAtomic = 2,  // locked read-modify-write (refcount, mapcount, cmpxchg)
};

// Which metadata structure an access touches (for per-structure statistics).
enum class MetadataKind : uint8_t {
  kMemmap = 0,      // struct page (page64/page32) or the per-page word (memdesc/allocatee)
  kDescriptor = 1,  // a separately allocated descriptor (folio, slab, ptdesc, owner)
  kFreePage = 2,    // buddy list links / order kept inside a free page's own memory
};

struct MetadataAccess {
  uint64_t addr = 0;   // simulated physical byte address
  uint32_t bytes = 0;  // contiguous bytes from addr (never crosses a 64-byte line
                       // unless documented for the model)
  AccessKind kind = AccessKind::kRead;
  MetadataKind what = MetadataKind::kMemmap;
  uint16_t node = 0;  // node index whose memory holds addr
  bool operator==(const MetadataAccess&) const = default;
};
static_assert(sizeof(MetadataAccess) == 16);

// Caller-owned, reused across operations: Clear() keeps the capacity.
class AccessBuffer {
 public:
  void Push(uint64_t addr, uint32_t bytes, AccessKind kind, MetadataKind what, uint32_t node) {
    accesses_.push_back({addr, bytes, kind, what, static_cast<uint16_t>(node)});
  }
  // Pushes [addr, addr + bytes) cut at 64-byte line boundaries: one access per line, the
  // way a memset / a loop over consecutive words reaches the cache.
  void PushLines(uint64_t addr, uint64_t bytes, AccessKind kind, MetadataKind what, uint32_t node) {
    while (bytes > 0) {
      const uint64_t room = kLineBytes - (addr & (kLineBytes - 1));
      const uint64_t n = bytes < room ? bytes : room;
      Push(addr, static_cast<uint32_t>(n), kind, what, node);
      addr += n;
      bytes -= n;
    }
  }
  void Clear() { accesses_.clear(); }
  size_t size() const { return accesses_.size(); }
  bool empty() const { return accesses_.empty(); }
  const MetadataAccess& operator[](size_t i) const { return accesses_[i]; }
  const std::vector<MetadataAccess>& accesses() const { return accesses_; }
  std::vector<MetadataAccess>::const_iterator begin() const { return accesses_.begin(); }
  std::vector<MetadataAccess>::const_iterator end() const { return accesses_.end(); }

 private:
  std::vector<MetadataAccess> accesses_;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_METADATA_ACCESS_H_
