// TracedPages: which pfns have had their state set or confirmed by a traced event, so that
// an inconsistency can be attributed to its cause (docs/results.md, "Inconsistencies by
// cause"). A page not marked still has the state the replay started with (the snapshot);
// once an alloc, free or migration of the trace has covered it, the state is the trace's.
//
// Sparse: one 512-byte bitmap per 2^12-page window an event touched, so host memory grows
// with the memory the trace touches, not with simulated RAM.
#ifndef MEMSIM_SIM_MM_TRACED_PAGES_H_
#define MEMSIM_SIM_MM_TRACED_PAGES_H_

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"

namespace memsim::mm {

class TracedPages {
 public:
  // Marks every pfn in [start_pfn, end_pfn).
  void Mark(uint64_t start_pfn, uint64_t end_pfn);
  // Number of marked pfns in [start_pfn, end_pfn).
  uint64_t CountMarked(uint64_t start_pfn, uint64_t end_pfn) const;
  // Windows holding a bitmap (host memory: 512 bytes each).
  uint64_t windows() const { return bits_.size(); }

 private:
  static constexpr uint32_t kWindowShift = 12;
  static constexpr uint64_t kWindowPages = uint64_t{1} << kWindowShift;
  using Bitmap = std::array<uint64_t, kWindowPages / 64>;

  // Calls fn(bitmap word index, mask) for the words of one window covering [lo, hi)
  // (window offsets, lo < hi <= kWindowPages).
  template <typename Fn>
  static void ForEachWord(uint32_t lo, uint32_t hi, Fn&& fn);
  // The bitmap of `window`, created (all zero) if it has none. The last two windows marked
  // are remembered (a migration marks its source's and its destination's, an event stream
  // mostly the same few): a hit skips the hash lookup. Inserting a window may move every
  // bitmap (rehash), so it forgets the other one.
  Bitmap& BitmapOf(uint64_t window);

  absl::flat_hash_map<uint64_t, Bitmap> bits_;
  static constexpr uint64_t kNoWindow = ~uint64_t{0};
  std::array<uint64_t, 2> recent_window_ = {kNoWindow, kNoWindow};
  std::array<Bitmap*, 2> recent_bits_ = {nullptr, nullptr};
};

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_TRACED_PAGES_H_
