#include "sim/hw/cache.h"

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

Cache::Cache(uint32_t sets_per_slice, uint32_t slices, uint32_t ways,
             config::ReplacementPolicy policy)
    : sets_mask_(sets_per_slice - 1),
      slices_(slices),
      ways_(ways),
      refresh_on_hit_(policy == config::REPLACEMENT_LRU) {
  MEMSIM_CHECK(sets_per_slice != 0 && (sets_per_slice & (sets_per_slice - 1)) == 0,
               "sets per slice must be a power of two (ValidateMachine checks it)");
  MEMSIM_CHECK(slices >= 1 && ways >= 1, "a cache needs slices and ways");
  const uint64_t words = 2 * capacity_lines();
  slots_.reset(static_cast<uint64_t*>(AllocateHuge(words * sizeof(uint64_t))));
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for a cache");
  for (uint64_t set = 0; set < words; set += 2 * ways_) {
    for (uint32_t w = 0; w < ways_; ++w) {
      slots_[set + w] = kNoLine;
      slots_[set + ways_ + w] = 0;
    }
  }
}

void Cache::FreeDeleter::operator()(uint64_t* p) const { std::free(p); }

}  // namespace memsim::hw
