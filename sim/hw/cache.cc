#include "sim/hw/cache.h"

#include <algorithm>
#include <cstdlib>

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

Cache::Cache(uint32_t sets_per_slice, uint32_t slices, uint32_t ways,
             config::ReplacementPolicy policy)
    : sets_mask_(sets_per_slice - 1),
      slices_(slices),
      ways_(ways),
      set_bytes_(static_cast<uint32_t>((12 * uint64_t{ways} + 63) / 64 * 64)),
      refresh_on_hit_(policy == config::REPLACEMENT_LRU) {
  MEMSIM_CHECK(sets_per_slice != 0 && (sets_per_slice & (sets_per_slice - 1)) == 0,
               "sets per slice must be a power of two (ValidateMachine checks it)");
  MEMSIM_CHECK(slices >= 1 && ways >= 1, "a cache needs slices and ways");
  const uint64_t sets = uint64_t{sets_per_slice} * slices;
  const size_t bytes = sets * set_bytes_;
  slots_.reset(static_cast<unsigned char*>(AllocateHuge(bytes)));
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for a cache");
  rank_scratch_ = std::make_unique<uint32_t[]>(ways_);
  for (uint64_t s = 0; s < sets; ++s) {
    unsigned char* set = slots_.get() + s * set_bytes_;
    std::fill_n(Tags(set), ways_, kNoLine);
    std::fill_n(Stamps(set), ways_, 0u);
  }
}

void Cache::Renormalize() {
  // Only the order of stamps within a set matters: replace them by their ranks 1..k
  // (quadratic in ways; runs once per ~4 billion fills and refreshes).
  const uint64_t sets = uint64_t{sets_mask_ + 1} * slices_;
  uint32_t* ranks = rank_scratch_.get();
  for (uint64_t s = 0; s < sets; ++s) {
    uint32_t* stamps = Stamps(slots_.get() + s * set_bytes_);
    for (uint32_t w = 0; w < ways_; ++w) {
      uint32_t rank = 0;
      if (stamps[w] != 0) {
        rank = 1;
        for (uint32_t o = 0; o < ways_; ++o) rank += (stamps[o] != 0 && stamps[o] < stamps[w]);
      }
      ranks[w] = rank;
    }
    std::copy_n(ranks, ways_, stamps);
  }
  clock_ = ways_;
}

void Cache::FreeDeleter::operator()(unsigned char* p) const { std::free(p); }

}  // namespace memsim::hw
