// One set-associative cache instance (an L1d, an L2, or a socket's LLC with its slices).
// It holds line numbers (address / line_bytes), no data. Replacement is pluggable through
// the config's ReplacementPolicy: every way carries a stamp from a per-cache counter; LRU
// refreshes the stamp on hits and fills, FIFO on fills only; the victim is an invalid way
// if any (the lowest-numbered), else the way with the smallest stamp. Stamps are unique,
// so the victim is always well defined. All storage is allocated at construction: lookups,
// fills and invalidations never allocate.
#ifndef MEMSIM_SIM_HW_CACHE_H_
#define MEMSIM_SIM_HW_CACHE_H_

#include <cstdint>
#include <memory>

#include "proto/machine.pb.h"

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
    uint64_t* set = Set(line);
    for (uint32_t w = 0; w < ways_; ++w) {
      if (set[w] == line) {
        if (refresh_on_hit_) set[ways_ + w] = ++clock_;
        return true;
      }
    }
    return false;
  }

  // True if `line` is present; changes nothing.
  bool Contains(uint64_t line) const {
    const uint64_t* set = Set(line);
    for (uint32_t w = 0; w < ways_; ++w) {
      if (set[w] == line) return true;
    }
    return false;
  }

  // Fills `line` and returns the line it evicted, or kNoLine. REQUIRES: !Contains(line).
  uint64_t Insert(uint64_t line) {
    uint64_t* set = Set(line);
    const uint64_t* stamps = set + ways_;
    uint32_t victim = 0;
    uint64_t oldest = ~uint64_t{0};
    for (uint32_t w = 0; w < ways_; ++w) {
      if (set[w] == kNoLine) {
        victim = w;
        break;
      }
      if (stamps[w] < oldest) {
        oldest = stamps[w];
        victim = w;
      }
    }
    const uint64_t evicted = set[victim];
    set[victim] = line;
    set[ways_ + victim] = ++clock_;
    return evicted;
  }

  // Removes `line`; returns whether it was present.
  bool Invalidate(uint64_t line) {
    uint64_t* set = Set(line);
    for (uint32_t w = 0; w < ways_; ++w) {
      if (set[w] == line) {
        set[w] = kNoLine;
        set[ways_ + w] = 0;
        return true;
      }
    }
    return false;
  }

  uint32_t ways() const { return ways_; }
  uint32_t sets_per_slice() const { return sets_mask_ + 1; }
  uint32_t slices() const { return slices_; }
  uint64_t capacity_lines() const { return uint64_t{ways_} * (sets_mask_ + 1) * slices_; }

 private:
  // A set is `ways` tags followed by `ways` stamps: one or two host cache lines per lookup.
  uint64_t* Set(uint64_t line) const {
    const uint64_t set = (line & sets_mask_) + uint64_t{SliceOf(line, slices_)} * (sets_mask_ + 1);
    return slots_.get() + set * 2 * ways_;
  }

  uint32_t sets_mask_;
  uint32_t slices_;
  uint32_t ways_;
  bool refresh_on_hit_;
  uint64_t clock_ = 0;
  struct FreeDeleter {
    void operator()(uint64_t* p) const;
  };
  std::unique_ptr<uint64_t[], FreeDeleter> slots_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_CACHE_H_
