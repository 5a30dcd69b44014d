// One set-associative cache instance (an L1d, an L2, or a socket's LLC with its slices).
// It holds line numbers (address / line_bytes), no data. Replacement is pluggable through
// the config's ReplacementPolicy: every valid way carries a stamp from a per-cache counter;
// LRU refreshes the stamp on hits and fills, FIFO on fills only; the victim is an invalid
// way if any (the lowest-numbered), else the way with the smallest stamp. Stamps of valid
// ways in a set are unique, so the victim is always well defined. All storage is allocated
// at construction: lookups, fills and invalidations never allocate.
//
// Layout (for the simulator's own speed; docs/machine-model.md "Speed"): a set is `ways`
// 64-bit tags followed by `ways` 32-bit stamps, padded to whole 64-byte host lines and
// aligned, so a lookup reads one or two adjacent host lines and a fill at most one more.
// Invalid ways have tag kNoLine and stamp 0; valid stamps are >= 1, so the victim is simply
// the (stamp, way) minimum. Stamps are 32-bit: when the counter would overflow, every set's
// stamps are replaced by their ranks (which preserves every set's order) and counting
// resumes above them.
#ifndef MEMSIM_SIM_HW_CACHE_H_
#define MEMSIM_SIM_HW_CACHE_H_

#include <cstdint>
#include <memory>

#include "proto/machine.pb.h"
#include "sim/hw/host_prefetch.h"

namespace memsim::hw {

class Cache {
 public:
  static constexpr uint64_t kNoLine = ~uint64_t{0};

  // REQUIRES: sets_per_slice is a power of two; slices >= 1; ways >= 1.
  Cache(uint32_t sets_per_slice, uint32_t slices, uint32_t ways, config::ReplacementPolicy policy);
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  Cache(Cache&&) = default;
  Cache& operator=(Cache&&) = default;

  // Slice of a line in a cache with `slices` slices. Real LLCs hash the address with an
  // undocumented function; any fixed, well-mixed function keeps the model honest.
  static uint32_t SliceOf(uint64_t line, uint32_t slices) {
    if (slices == 1) return 0;
    const uint64_t h = (line * 0x9E3779B97F4A7C15ull) >> 32;
    return static_cast<uint32_t>((h * slices) >> 32);
  }

  // True if `line` is present; refreshes it under LRU.
  bool Lookup(uint64_t line) {
    unsigned char* set = Set(line);
    const uint32_t w = Way(set, line);
    if (w == ways_) return false;
    if (refresh_on_hit_) Stamps(set)[w] = NextStamp();
    return true;
  }

  // True if `line` is present; changes nothing.
  bool Contains(uint64_t line) const {
    const unsigned char* set = Set(line);
    return Way(set, line) != ways_;
  }

  // The line Insert() would evict now (kNoLine if the set has an invalid way). Changes
  // nothing; the memory system uses it to prefetch the victim's state early.
  uint64_t VictimOf(uint64_t line) const {
    const unsigned char* set = Set(line);
    return Tags(set)[VictimWay(set)];
  }

  // Fills `line` and returns the line it evicted, or kNoLine. REQUIRES: !Contains(line).
  uint64_t Insert(uint64_t line) {
    unsigned char* set = Set(line);
    const uint32_t victim = VictimWay(set);
    uint64_t* tags = Tags(set);
    const uint64_t evicted = tags[victim];
    tags[victim] = line;
    Stamps(set)[victim] = NextStamp();
    return evicted;
  }

  // Removes `line`; returns whether it was present.
  bool Invalidate(uint64_t line) {
    unsigned char* set = Set(line);
    const uint32_t w = Way(set, line);
    if (w == ways_) return false;
    Tags(set)[w] = kNoLine;
    Stamps(set)[w] = 0;
    return true;
  }

  // Lower-level access for callers that probe a set once and then fill it: the set of a
  // line, the way holding a line (ways() if none), the way Insert() would fill, and a fill
  // of a given way. A way found this way stays right only until the set changes.
  unsigned char* SetOf(uint64_t line) const { return Set(line); }
  uint32_t WayOf(const unsigned char* set, uint64_t line) const { return Way(set, line); }
  uint32_t VictimWayOf(const unsigned char* set) const { return VictimWay(set); }
  void Touch(unsigned char* set, uint32_t way) {
    if (refresh_on_hit_) Stamps(set)[way] = NextStamp();
  }
  // Fills `way` of `set` with `line`; returns the line it held (kNoLine if invalid).
  // REQUIRES: way == VictimWayOf(set) and !Contains(line).
  uint64_t FillWay(unsigned char* set, uint32_t way, uint64_t line) {
    uint64_t* tags = Tags(set);
    const uint64_t evicted = tags[way];
    tags[way] = line;
    Stamps(set)[way] = NextStamp();
    return evicted;
  }
  static uint64_t LineAt(const unsigned char* set, uint32_t way) { return Tags(set)[way]; }

  // Hints the host to bring `line`'s set into its caches (no effect on the model).
  void PrefetchSet(uint64_t line) const {
    const unsigned char* set = Set(line);
    HostPrefetch(set);
    if (set_bytes_ > 64) HostPrefetch(set + 64);
    if (set_bytes_ > 128) HostPrefetch(set + 128);
  }

  uint32_t ways() const { return ways_; }
  uint32_t sets_per_slice() const { return sets_mask_ + 1; }
  uint32_t slices() const { return slices_; }
  uint64_t capacity_lines() const { return uint64_t{ways_} * (sets_mask_ + 1) * slices_; }

  // Test hook: moves the stamp counter close to its limit to exercise renormalization.
  void SetStampCounterForTest(uint32_t value) { clock_ = value; }

 private:
  static constexpr uint32_t kMaxStamp = 0xFFFFFFF0u;

  unsigned char* Set(uint64_t line) const {
    const uint64_t set = (line & sets_mask_) + uint64_t{SliceOf(line, slices_)} * (sets_mask_ + 1);
    return slots_.get() + set * set_bytes_;
  }
  static uint64_t* Tags(unsigned char* set) { return reinterpret_cast<uint64_t*>(set); }
  static const uint64_t* Tags(const unsigned char* set) {
    return reinterpret_cast<const uint64_t*>(set);
  }
  uint32_t* Stamps(unsigned char* set) const {
    return reinterpret_cast<uint32_t*>(set + 8 * size_t{ways_});
  }
  const uint32_t* Stamps(const unsigned char* set) const {
    return reinterpret_cast<const uint32_t*>(set + 8 * size_t{ways_});
  }

  // The way holding `line`, or ways_. Tags in a set are unique, so scanning every way
  // without an early exit finds the same way; it avoids a mispredicted exit branch.
  uint32_t Way(const unsigned char* set, uint64_t line) const {
    const uint64_t* tags = Tags(set);
    uint32_t found = ways_;
    for (uint32_t w = 0; w < ways_; ++w) found = tags[w] == line ? w : found;
    return found;
  }

  // Invalid ways have stamp 0 and valid ones >= 1, so the (stamp, way) minimum is the
  // lowest-numbered invalid way if any, else the oldest valid way.
  uint32_t VictimWay(const unsigned char* set) const {
    const uint32_t* stamps = Stamps(set);
    uint64_t best = ~uint64_t{0};
    for (uint32_t w = 0; w < ways_; ++w) {
      const uint64_t key = (uint64_t{stamps[w]} << 32) | w;
      best = key < best ? key : best;
    }
    return static_cast<uint32_t>(best);
  }

  uint32_t NextStamp() {
    if (clock_ >= kMaxStamp) [[unlikely]] Renormalize();
    return ++clock_;
  }
  void Renormalize();

  uint32_t sets_mask_;
  uint32_t slices_;
  uint32_t ways_;
  uint32_t set_bytes_;  // tags + stamps, rounded up to 64
  bool refresh_on_hit_;
  uint32_t clock_ = 0;
  struct FreeDeleter {
    void operator()(unsigned char* p) const;
  };
  std::unique_ptr<unsigned char[], FreeDeleter> slots_;
  std::unique_ptr<uint32_t[]> rank_scratch_;  // Renormalize() allocates nothing
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_CACHE_H_
