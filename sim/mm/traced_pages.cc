#include "sim/mm/traced_pages.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace memsim::mm {

template <typename Fn>
void TracedPages::ForEachWord(uint32_t lo, uint32_t hi, Fn&& fn) {
  for (uint32_t w = lo / 64; w * 64 < hi; ++w) {
    const uint32_t a = std::max(lo, w * 64) - w * 64;
    const uint32_t b = std::min(hi, w * 64 + 64) - w * 64;  // 1..64
    const uint64_t high = b == 64 ? ~uint64_t{0} : (uint64_t{1} << b) - 1;
    fn(w, high & ~((uint64_t{1} << a) - 1));
  }
}

TracedPages::Bitmap& TracedPages::BitmapOf(uint64_t window) {
  if (recent_window_[0] == window) return *recent_bits_[0];
  if (recent_window_[1] == window) {
    std::swap(recent_window_[0], recent_window_[1]);
    std::swap(recent_bits_[0], recent_bits_[1]);
    return *recent_bits_[0];
  }
  const size_t before = bits_.size();
  Bitmap* bits = &bits_[window];  // value-initialised: all zero
  if (bits_.size() != before) {
    recent_window_[1] = kNoWindow;  // the insertion may have moved it
  } else {
    recent_window_[1] = recent_window_[0];
    recent_bits_[1] = recent_bits_[0];
  }
  recent_window_[0] = window;
  recent_bits_[0] = bits;
  return *bits;
}

void TracedPages::Mark(uint64_t start_pfn, uint64_t end_pfn) {
  for (uint64_t p = start_pfn; p < end_pfn;) {
    const uint64_t window = p >> kWindowShift;
    const uint64_t stop = std::min(end_pfn, (window + 1) << kWindowShift);
    Bitmap& bits = BitmapOf(window);
    ForEachWord(static_cast<uint32_t>(p & (kWindowPages - 1)),
                static_cast<uint32_t>(stop - (window << kWindowShift)),
                [&](uint32_t w, uint64_t mask) { bits[w] |= mask; });
    p = stop;
  }
}

uint64_t TracedPages::CountMarked(uint64_t start_pfn, uint64_t end_pfn) const {
  uint64_t n = 0;
  for (uint64_t p = start_pfn; p < end_pfn;) {
    const uint64_t window = p >> kWindowShift;
    const uint64_t stop = std::min(end_pfn, (window + 1) << kWindowShift);
    auto it = bits_.find(window);
    if (it != bits_.end()) {
      ForEachWord(static_cast<uint32_t>(p & (kWindowPages - 1)),
                  static_cast<uint32_t>(stop - (window << kWindowShift)),
                  [&](uint32_t w, uint64_t mask) { n += std::popcount(it->second[w] & mask); });
    }
    p = stop;
  }
  return n;
}

}  // namespace memsim::mm
