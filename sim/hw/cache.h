// One set-associative cache instance (an L1d, an L2, or a socket's LLC with its slices).
// It holds line numbers (address / line_bytes), no data. Replacement is pluggable through
// the config's ReplacementPolicy: each set keeps its valid ways in recency order (LRU
// moves a way to the front on hits and fills, FIFO on fills only); the victim is an
// invalid way if any (the lowest-numbered), else the way at the back of the order. All
// storage is allocated at construction, except once per cache if a line's tag needs more
// than 32 bits (see below): lookups, fills and invalidations otherwise never allocate.
//
// Layout (for the simulator's own speed; docs/machine-model.md "Speed"): a set is its
// 32-bit tags (line >> log2(sets per slice), the set index being implied by the set) then
// one age byte per way, padded to a power of two of at least 64 bytes and aligned, so the
// L1d (8 ways) and the LLC (11 ways) use one host cache line per set and a 16-way L2 two.
// Ages are the ranks of the valid ways in the order (0 = newest, always 0..k-1 for k valid
// ways) and 255 for an invalid way or a padding lane; the tags of invalid ways and padding
// lanes are kInvalidTag. Both are stored complemented (~tag, age ^ 0xFF), so an empty set is
// all zero bytes: the sets come zeroed from the allocator and a set nothing has filled is
// never written, so the caches of cores a replay leaves idle cost no host memory or time.
// Tags >= kInvalidTag (a line beyond 2^(32 + set bits), e.g. above
// 16 TiB for a 64-set L1d) switch the cache to a wide mode that keeps the tags' upper 32
// bits in a side array and scans without SIMD; results are the same in both modes.
#ifndef MEMSIM_SIM_HW_CACHE_H_
#define MEMSIM_SIM_HW_CACHE_H_

#include <cstdint>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "proto/machine.pb.h"
#include "sim/hw/host_prefetch.h"
#include "sim/hw/huge_alloc.h"

namespace memsim::hw {

class Cache {
 public:
  static constexpr uint64_t kNoLine = ~uint64_t{0};
  // Ages are bytes and 255 marks an invalid way.
  static constexpr uint32_t kMaxWays = 255;

  // REQUIRES: sets_per_slice is a power of two; slices >= 1; 1 <= ways <= kMaxWays.
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
  [[gnu::always_inline]] bool Lookup(uint64_t line) {
    unsigned char* set = Set(line);
    const uint32_t w = Way(set, line);
    if (w == ways_) return false;
    if (refresh_on_hit_) MakeNewest(set, w);
    return true;
  }

  // True if `line` is present; changes nothing.
  bool Contains(uint64_t line) const { return Way(Set(line), line) != ways_; }

  // The line Insert() would evict now (kNoLine if the set has an invalid way). Changes
  // nothing; the memory system uses it to prefetch the victim's state early.
  uint64_t VictimOf(uint64_t line) const {
    const unsigned char* set = Set(line);
    return LineAt(set, VictimWay(set));
  }

  // Fills `line` and returns the line it evicted, or kNoLine. REQUIRES: !Contains(line).
  uint64_t Insert(uint64_t line) {
    unsigned char* set = Set(line);
    return FillWay(set, VictimWay(set), line);
  }

  // Removes `line`; returns whether it was present.
  bool Invalidate(uint64_t line) {
    unsigned char* set = Set(line);
    const uint32_t w = Way(set, line);
    if (w == ways_) return false;
    Clear(set, w);
    return true;
  }

  // Lower-level access for callers that probe a set once and then fill it: the set of a
  // line, the way holding a line (ways() if none), the way Insert() would fill, and a fill
  // of a given way. A way found this way stays right only until the set changes.
  unsigned char* SetOf(uint64_t line) const { return Set(line); }
  uint32_t WayOf(const unsigned char* set, uint64_t line) const { return Way(set, line); }
  uint32_t VictimWayOf(const unsigned char* set) const { return VictimWay(set); }
  void Touch(unsigned char* set, uint32_t way) {
    if (refresh_on_hit_) MakeNewest(set, way);
  }
  // Fills `way` of `set` with `line`; returns the line it held (kNoLine if invalid).
  // REQUIRES: way == VictimWayOf(set) and !Contains(line).
  uint64_t FillWay(unsigned char* set, uint32_t way, uint64_t line) {
    const uint64_t evicted = LineAt(set, way);
    const uint64_t tag = line >> set_bits_;
    if (tag >= kInvalidTag && !wide_) [[unlikely]]
      EnterWideMode();
    Tags(set)[way] = ~static_cast<uint32_t>(tag);
    if (wide_) [[unlikely]]
      hi_[HiIndex(set, way)] = static_cast<uint32_t>(tag >> 32);
    MakeNewest(set, way);
    return evicted;
  }
  // A number for `way` of `set`, unique in the cache and below capacity_lines(): an index
  // for per-way state kept outside the cache (MemorySystem's LLC dirty bits).
  uint64_t WayIndex(const unsigned char* set, uint32_t way) const {
    return SetNumber(set) * ways_ + way;
  }
  // The line in `way` of `set`, or kNoLine if the way is invalid.
  uint64_t LineAt(const unsigned char* set, uint32_t way) const {
    const uint32_t stored = Tags(set)[way];
    if (wide_) [[unlikely]] {
      if (Ages(set)[way] == kStoredInvalidAge) return kNoLine;
    } else if (stored == kStoredInvalidTag) {
      return kNoLine;
    }
    uint64_t tag = ~stored;
    if (wide_) [[unlikely]]
      tag |= uint64_t{hi_[HiIndex(set, way)]} << 32;
    return (tag << set_bits_) | (SetNumber(set) & sets_mask_);
  }

  // Hints the host to bring `line`'s set into its caches (no effect on the model).
  void PrefetchSet(uint64_t line) const {
    const unsigned char* set = Set(line);
    HostPrefetch(set);
    if (set_bytes_ > 64) HostPrefetch(set + 64);
  }

  uint32_t ways() const { return ways_; }
  uint32_t sets_per_slice() const { return sets_mask_ + 1; }
  uint32_t slices() const { return slices_; }
  uint64_t capacity_lines() const { return uint64_t{ways_} * (sets_mask_ + 1) * slices_; }
  // Whether some line's tag has needed more than 32 bits (tests).
  bool wide_tags() const { return wide_; }

 private:
  static constexpr uint32_t kInvalidTag = 0xFFFFFFFFu;
  static constexpr unsigned char kInvalidAge = 255;
  // As stored (complemented): an all-zero set is empty.
  static constexpr uint32_t kStoredInvalidTag = 0;
  static constexpr unsigned char kStoredInvalidAge = 0;
  static constexpr unsigned char StoredAge(uint32_t age) {
    return static_cast<unsigned char>(age ^ 0xFF);
  }

  unsigned char* Set(uint64_t line) const {
    const uint64_t set = (line & sets_mask_) + uint64_t{SliceOf(line, slices_)} * (sets_mask_ + 1);
    return slots_.get() + (set << set_shift_);
  }
  uint64_t SetNumber(const unsigned char* set) const {
    return static_cast<uint64_t>(set - slots_.get()) >> set_shift_;
  }
  size_t HiIndex(const unsigned char* set, uint32_t way) const {
    return SetNumber(set) * ways_ + way;
  }
  static uint32_t* Tags(unsigned char* set) { return reinterpret_cast<uint32_t*>(set); }
  static const uint32_t* Tags(const unsigned char* set) {
    return reinterpret_cast<const uint32_t*>(set);
  }
  unsigned char* Ages(unsigned char* set) const { return set + ages_offset_; }
  const unsigned char* Ages(const unsigned char* set) const { return set + ages_offset_; }

  // The way holding `line`, or ways_. Tags in a set are unique, so the scan has no early
  // exit within a group of 64 ways (no mispredicted branch on which way hit). Always
  // inlined: an L1d hit is only a few nanoseconds, a call would be a large part of it.
  [[gnu::always_inline]] uint32_t Way(const unsigned char* set, uint64_t line) const {
    const uint64_t tag = line >> set_bits_;
    // One test for both rare cases: a wide-mode cache, and a tag that no narrow cache holds.
    if (tag >= narrow_tag_limit_) [[unlikely]]
      return wide_ ? WayWide(set, tag) : ways_;
    const uint32_t* tags = Tags(set);
#if defined(__SSE2__)
    const __m128i needle = _mm_set1_epi32(static_cast<int>(~static_cast<uint32_t>(tag)));
    // Fixed chunk counts unroll fully; each call site sees one cache, so the switch predicts.
    switch (tag_chunks_) {
      case 1:
        return WayInChunks<1>(tags, needle);
      case 2:
        return WayInChunks<2>(tags, needle);
      case 3:
        return WayInChunks<3>(tags, needle);
      case 4:
        return WayInChunks<4>(tags, needle);
      default:
        break;
    }
    for (uint32_t group = 0; group < tag_chunks_; group += 16) {
      const uint32_t end = group + 16 < tag_chunks_ ? group + 16 : tag_chunks_;
      uint64_t hits = 0;
      for (uint32_t c = group; c < end; ++c) {
        hits |= uint64_t{ChunkHits(tags, c, needle)} << (4 * (c - group));
      }
      if (hits != 0) return 4 * group + static_cast<uint32_t>(__builtin_ctzll(hits));
    }
    return ways_;
#else
    uint32_t found = ways_;
    for (uint32_t w = 0; w < ways_; ++w) found = tags[w] == ~static_cast<uint32_t>(tag) ? w : found;
    return found;
#endif
  }
#if defined(__SSE2__)
  // Bits of the ways of 16-byte chunk `c` whose tag equals the needle's.
  static uint32_t ChunkHits(const uint32_t* tags, uint32_t c, __m128i needle) {
    const __m128i t = _mm_load_si128(reinterpret_cast<const __m128i*>(tags) + c);
    return static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(t, needle))));
  }
  template <uint32_t kChunks>
  [[gnu::always_inline]] uint32_t WayInChunks(const uint32_t* tags, __m128i needle) const {
    uint32_t hits = 0;
    for (uint32_t c = 0; c < kChunks; ++c) hits |= ChunkHits(tags, c, needle) << (4 * c);
    return hits != 0 ? static_cast<uint32_t>(__builtin_ctz(hits)) : ways_;
  }
#endif
  uint32_t WayWide(const unsigned char* set, uint64_t tag) const;

  // Invalid ways have age 255; a full set's oldest way has age ways_ - 1 (compared as
  // stored).
  uint32_t VictimWay(const unsigned char* set) const {
    const unsigned char* ages = Ages(set);
#if defined(__SSE2__)
    const __m128i invalid = _mm_set1_epi8(static_cast<char>(kStoredInvalidAge));
    const __m128i oldest = _mm_set1_epi8(static_cast<char>(StoredAge(ways_ - 1)));
    if (age_chunks_ == 1) {
      const __m128i a = _mm_load_si128(reinterpret_cast<const __m128i*>(ages));
      const uint32_t free_ways =
          static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, invalid))) &
          static_cast<uint32_t>(last_group_lanes_);
      const uint32_t old_ways = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, oldest)));
      // A set is either full or has an invalid way, so one mask is non-zero.
      const uint32_t pick = free_ways != 0 ? free_ways : old_ways;
      return static_cast<uint32_t>(__builtin_ctz(pick | 0x10000));
    }
    uint32_t oldest_way = ways_;
    for (uint32_t group = 0; group < age_chunks_; group += 4) {
      const uint32_t end = group + 4 < age_chunks_ ? group + 4 : age_chunks_;
      uint64_t free_ways = 0, old_ways = 0;
      for (uint32_t c = group; c < end; ++c) {
        const __m128i a = _mm_load_si128(reinterpret_cast<const __m128i*>(ages) + c);
        const int shift = 16 * static_cast<int>(c - group);
        free_ways |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, invalid)))}
                     << shift;
        old_ways |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, oldest)))}
                    << shift;
      }
      if (end == age_chunks_) free_ways &= last_group_lanes_;  // padding lanes look invalid
      if (free_ways != 0) return 16 * group + static_cast<uint32_t>(__builtin_ctzll(free_ways));
      if (old_ways != 0) oldest_way = 16 * group + static_cast<uint32_t>(__builtin_ctzll(old_ways));
    }
    return oldest_way;
#else
    uint32_t first_free = ways_, oldest_way = ways_;
    for (uint32_t w = ways_; w-- > 0;) {
      if (ages[w] == kStoredInvalidAge) first_free = w;
      if (ages[w] == StoredAge(ways_ - 1)) oldest_way = w;
    }
    return first_free != ways_ ? first_free : oldest_way;
#endif
  }

  // Moves `way` (valid, or being filled) to the front: the ways newer than it age by one.
  [[gnu::always_inline]] void MakeNewest(unsigned char* set, uint32_t way) {
    unsigned char* ages = Ages(set);
    const unsigned char age = ages[way];  // stored: newer ways have larger stored ages
#if defined(__SSE2__)
    // Unsigned byte compare as signed after flipping the top bit; padding lanes and invalid
    // ways (stored 0) are never above `age`. A stored age one lower is one older.
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    const __m128i limit = _mm_set1_epi8(static_cast<char>(age ^ 0x80));
    auto age_newer = [&](uint32_t c) {
      __m128i* p = reinterpret_cast<__m128i*>(ages) + c;
      const __m128i a = _mm_load_si128(p);
      const __m128i newer = _mm_cmpgt_epi8(_mm_xor_si128(a, bias), limit);
      _mm_store_si128(p, _mm_add_epi8(a, newer));  // newer lanes are -1
    };
    if (age_chunks_ == 1) {
      age_newer(0);
    } else {
      for (uint32_t c = 0; c < age_chunks_; ++c) age_newer(c);
    }
#else
    for (uint32_t w = 0; w < ways_; ++w) {
      ages[w] = static_cast<unsigned char>(ages[w] - (ages[w] > age));
    }
#endif
    ages[way] = StoredAge(0);
  }

  // Invalidates `way` (valid): the older ways move up by one, keeping ages 0..k-1.
  void Clear(unsigned char* set, uint32_t way) {
    unsigned char* ages = Ages(set);
    const unsigned char age = ages[way];  // stored: older ways have smaller stored ages
#if defined(__SSE2__)
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    const __m128i limit = _mm_set1_epi8(static_cast<char>(age ^ 0x80));
    const __m128i invalid = _mm_set1_epi8(static_cast<char>(kStoredInvalidAge));
    for (uint32_t c = 0; c < age_chunks_; ++c) {
      __m128i* p = reinterpret_cast<__m128i*>(ages) + c;
      const __m128i a = _mm_load_si128(p);
      const __m128i older = _mm_andnot_si128(_mm_cmpeq_epi8(a, invalid),
                                             _mm_cmplt_epi8(_mm_xor_si128(a, bias), limit));
      _mm_store_si128(p, _mm_sub_epi8(a, older));  // older lanes are -1: one newer
    }
#else
    for (uint32_t w = 0; w < ways_; ++w) {
      ages[w] =
          static_cast<unsigned char>(ages[w] + (ages[w] < age && ages[w] != kStoredInvalidAge));
    }
#endif
    ages[way] = kStoredInvalidAge;
    Tags(set)[way] = kStoredInvalidTag;
  }

  void EnterWideMode();

  uint32_t sets_mask_;
  uint32_t set_bits_;  // log2(sets per slice): a tag is line >> set_bits_
  uint32_t slices_;
  uint32_t ways_;
  uint32_t tag_chunks_;  // 16-byte groups of 4 tags
  uint32_t age_chunks_;  // 16-byte groups of 16 ages
  uint32_t ages_offset_;
  uint32_t set_bytes_;         // power of two >= 64
  uint32_t set_shift_;         // log2(set_bytes_)
  uint64_t last_group_lanes_;  // valid-way bits of the last group of 64 ages
  bool refresh_on_hit_;
  bool wide_ = false;
  uint64_t narrow_tag_limit_ = kInvalidTag;  // 0 once wide: every lookup takes WayWide()
  std::unique_ptr<unsigned char[], HugeDeleter> slots_;
  std::unique_ptr<uint32_t[]> hi_;  // wide mode: upper tag halves, [set * ways + way]
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_CACHE_H_
