#include "sim/hw/cache.h"

#include <algorithm>
#include <cstdlib>

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

Cache::Cache(uint32_t sets_per_slice, uint32_t slices, uint32_t ways,
             config::ReplacementPolicy policy)
    : sets_mask_(sets_per_slice - 1),
      set_bits_(static_cast<uint32_t>(__builtin_ctz(sets_per_slice == 0 ? 1 : sets_per_slice))),
      slices_(slices),
      ways_(ways),
      tag_chunks_((ways + 3) / 4),
      age_chunks_((ways + 15) / 16),
      refresh_on_hit_(policy == config::REPLACEMENT_LRU) {
  MEMSIM_CHECK(sets_per_slice != 0 && (sets_per_slice & (sets_per_slice - 1)) == 0,
               "sets per slice must be a power of two (ValidateMachine checks it)");
  MEMSIM_CHECK(slices >= 1 && ways >= 1, "a cache needs slices and ways");
  MEMSIM_CHECK(ways <= kMaxWays, "more ways than age bytes can rank (ValidateMachine checks it)");
  ages_offset_ = 16 * tag_chunks_;
  const uint32_t used = ages_offset_ + 16 * age_chunks_;
  set_bytes_ = 64;
  set_shift_ = 6;
  while (set_bytes_ < used) {
    set_bytes_ <<= 1;
    ++set_shift_;
  }
  const uint32_t last_lanes = ways_ - 64 * ((age_chunks_ - 1) / 4);
  last_group_lanes_ = last_lanes == 64 ? ~uint64_t{0} : (uint64_t{1} << last_lanes) - 1;
  const uint64_t sets = uint64_t{sets_per_slice} * slices;
  const size_t bytes = sets * set_bytes_;
  // Zeroed: every way invalid (see the layout note in cache.h); padding lanes look like
  // invalid ways that never match and are never chosen.
  slots_ = std::unique_ptr<unsigned char[], HugeDeleter>(
      static_cast<unsigned char*>(AllocateHugeZeroed(bytes)), HugeDeleter{bytes});
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for a cache");
}

uint32_t Cache::WayWide(const unsigned char* set, uint64_t tag) const {
  const uint32_t* tags = Tags(set);
  const unsigned char* ages = Ages(set);
  const uint32_t* hi = hi_.get() + HiIndex(set, 0);
  const uint32_t lo_tag = static_cast<uint32_t>(tag);
  const uint32_t hi_tag = static_cast<uint32_t>(tag >> 32);
  for (uint32_t w = 0; w < ways_; ++w) {
    if (ages[w] != kStoredInvalidAge && tags[w] == ~lo_tag && hi[w] == hi_tag) return w;
  }
  return ways_;
}

void Cache::EnterWideMode() {
  // Every tag stored so far fits in 32 bits: its upper half is 0.
  const uint64_t sets = uint64_t{sets_mask_ + 1} * slices_;
  hi_.reset(new uint32_t[sets * ways_]());
  wide_ = true;
  narrow_tag_limit_ = 0;
}

}  // namespace memsim::hw
