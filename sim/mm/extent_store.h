// ExtentStore: the state of every page of simulated physical memory (hole, unknown, free,
// or allocated with an order and owner type), by node and zone, with live page and block
// counts. It stores states; the kernel's rules for changing them (buddy splits and merges,
// the repair of inconsistent input) are PhysMem's.
//
// State is kept by extents, never per pfn: memory is cut into windows of 2^12 pages, each
// holding a sorted vector of 8-byte records (start, length, state, order, owner, zone) that
// tile the window. A window in one state costs one inline record, so host memory grows
// with the number of distinct runs (live blocks, free runs), not with simulated RAM.
// state(pfn) = binary search over window segments + index + binary search over the
// window's records: O(log n).
//
// Windows are built lazily: until a change (Assign) first reaches it, a window is in its
// initial state (its zones' pages kUnknown, the rest holes), which every read derives from
// the zones without storing it. A replay touches a few GiB of a machine's memory, so the
// store costs nothing for the rest (16 TiB on an 8-socket machine are a million windows).
// Every read, count and record_count() is what it would be had every window been built
// at Create.
//
// A free run stands for the maximal naturally aligned blocks up to `max_free_order` that
// tile it (canonical buddy blocks): Lookup() and free_blocks() report those blocks.
#ifndef MEMSIM_SIM_MM_EXTENT_STORE_H_
#define MEMSIM_SIM_MM_EXTENT_STORE_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sim/mm/mm_types.h"

namespace memsim::mm {

class ExtentStore {
 public:
  struct ZoneInfo {
    uint32_t node = 0;  // node index
    ZoneKind kind = ZoneKind::kNormal;
    uint64_t start_pfn = 0;
    uint64_t end_pfn = 0;
  };

  // One run of pages in the same state (allocated runs: blocks of one order and owner).
  struct Run {
    uint64_t start_pfn = 0;
    uint64_t end_pfn = 0;
    PageState state = PageState::kHole;
    uint32_t order = 0;
    OwnerType owner = trace::OWNER_UNKNOWN;
    uint32_t node = 0;
  };

  // A piece of a range in one state (ForEachSpan): pages [start_pfn, end_pfn), clipped to
  // the range, of the stored record [record_start, record_end). Holes have node 0.
  struct Span : Run {
    uint64_t record_start = 0;
    uint64_t record_end = 0;
  };

  // Validates the layout: at least one node, pages > 0, nodes sorted and non-overlapping,
  // zones inside their node and non-overlapping, at most 254 zones. Errors are
  // InvalidArgument naming the node/zone index. All zone pages start kUnknown.
  // REQUIRES: max_free_order <= kMaxSupportedBuddyOrder.
  static absl::StatusOr<ExtentStore> Create(std::vector<NodeLayout> nodes, uint32_t max_free_order);

  ExtentStore(ExtentStore&&) = default;
  ExtentStore& operator=(ExtentStore&&) = default;

  // Sets every non-hole page of [start, end) to `state` (order and owner for kAllocated);
  // zones are kept, holes stay holes. Counts follow.
  void Assign(uint64_t start, uint64_t end, PageState state, uint32_t order, OwnerType owner);

  // Calls fn(const Span&) for each stored piece of [start, end), in pfn order; pfns outside
  // every window come as kHole spans.
  template <typename Fn>
  void ForEachSpan(uint64_t start, uint64_t end, Fn&& fn) const;

  // Windows built so far (host-memory figures and tests: the rest are in their initial
  // state and cost nothing).
  uint64_t built_windows() const;

  // What pfn belongs to: for kFree the canonical free block holding it, for kAllocated its
  // naturally aligned block, otherwise the page. Remembers the record it found (see
  // hints_), so not safe to call from two threads at once even though const.
  BlockInfo Lookup(uint64_t pfn) const;
  // Canonical free block holding pfn in the free run [a, b).
  BuddyBlock FreeBlockAt(uint64_t a, uint64_t b, uint64_t pfn) const;
  // Bounds of the stored free record holding pfn. REQUIRES: pfn is free.
  std::pair<uint64_t, uint64_t> FreeRunAt(uint64_t pfn) const;
  // True if [start, end) lies on one node and has no hole.
  bool RangeInZones(uint64_t start, uint64_t end) const;
  // Splits the allocated blocks that straddle start or end into order-0 pages so that
  // [start, end) can be overwritten without breaking block alignment outside it.
  void SplitStraddlingBlocks(uint64_t start, uint64_t end);

  // Calls fn for every run of non-hole pages in [start_pfn, end_pfn), in pfn order, clipped
  // to the range. Runs end at window boundaries (2^12 pages).
  void VisitRuns(uint64_t start_pfn, uint64_t end_pfn,
                 absl::FunctionRef<void(const Run&)> fn) const;

  // Node index of pfn, or -1 if pfn is in no node.
  int NodeOf(uint64_t pfn) const;

  const std::vector<NodeLayout>& nodes() const { return nodes_; }
  const std::vector<ZoneInfo>& zones() const { return zones_; }
  uint32_t max_free_order() const { return max_free_order_; }

  // Live figures, maintained incrementally.
  uint64_t free_blocks(uint32_t zone, uint32_t order) const {
    return zone_counts_[zone].free_blocks[order];
  }
  uint64_t free_pages(uint32_t zone) const { return zone_counts_[zone].free_pages; }
  uint64_t unknown_pages(uint32_t zone) const { return zone_counts_[zone].unknown_pages; }
  uint64_t allocated_pages(OwnerType owner) const { return alloc_pages_[owner]; }
  uint64_t allocated_blocks(OwnerType owner) const { return alloc_blocks_[owner]; }
  uint64_t total_allocated_blocks() const;

  // Host-memory figures (benchmarks).
  uint64_t record_count() const;
  uint64_t host_bytes() const;
  // Releases spare vector capacity (after bulk seeding).
  void Compact();

 private:
  // One run of pages inside a window: [start, start + len_m1 + 1) window offsets.
  struct Extent {
    uint16_t start;
    uint16_t len_m1;
    uint8_t state;  // PageState
    uint8_t order;  // kAllocated only
    uint8_t owner;  // kAllocated only (OwnerType)
    uint8_t zone;   // global zone index; kNoZone for holes
    uint32_t end() const { return uint32_t{start} + len_m1 + 1; }
  };
  static_assert(sizeof(Extent) == 8);
  // A built window holds at least one record: an empty one is still in its initial state.
  using Window = absl::InlinedVector<Extent, 1>;
  // Windows are allocated in chunks of kChunkWindows (2^19 pages, 2 GiB of simulated
  // memory) when a change first reaches one of them.
  static constexpr uint32_t kChunkShift = 7;
  static constexpr uint64_t kChunkWindows = uint64_t{1} << kChunkShift;
  using Chunk = std::array<Window, kChunkWindows>;
  struct Segment {
    uint64_t first_window = 0;
    uint64_t num_windows = 0;
    std::vector<std::unique_ptr<Chunk>> chunks;  // null: no window of the chunk built
  };
  // Records of a window in its initial state: one per zone piece and hole, at most one
  // more than the zones it overlaps.
  using InitialRecords = absl::InlinedVector<Extent, 4>;
  struct ZoneCounts {
    std::array<uint64_t, kMaxSupportedBuddyOrder + 1> free_blocks{};
    uint64_t free_pages = 0;
    uint64_t unknown_pages = 0;
  };

  static constexpr uint32_t kWindowShift = 12;
  static constexpr uint64_t kWindowPages = uint64_t{1} << kWindowShift;
  static constexpr uint8_t kNoZone = 255;

  ExtentStore() = default;
  void BuildSegments();

  // Segment holding pfn's window and the window's index in it; nullptr if pfn is in no
  // segment (outside every window).
  const Segment* FindSegment(uint64_t pfn, uint64_t* index) const {
    const uint64_t w = pfn >> kWindowShift;
    auto it = std::upper_bound(segments_.begin(), segments_.end(), w,
                               [](uint64_t v, const Segment& s) { return v < s.first_window; });
    if (it == segments_.begin()) return nullptr;
    --it;
    *index = w - it->first_window;
    if (*index >= it->num_windows) return nullptr;
    return &*it;
  }
  // The built window of `index` in `s`, or nullptr if it is still in its initial state.
  static const Window* BuiltWindow(const Segment& s, uint64_t index) {
    const Chunk* c = s.chunks[index >> kChunkShift].get();
    if (c == nullptr) return nullptr;
    const Window& w = (*c)[index & (kChunkWindows - 1)];
    return w.empty() ? nullptr : &w;
  }
  // The window holding pfn, built (in its initial state) if it was not.
  // REQUIRES: pfn is in a segment.
  Window& BuildWindow(Segment& s, uint64_t index, uint64_t wbase);
  // The records of the window starting at wbase in its initial state.
  void MakeInitialRecords(uint64_t wbase, InitialRecords& out) const;
  // The record of that window holding pfn.
  Extent InitialRecordAt(uint64_t wbase, uint64_t pfn) const;
  // Index of the record of `w` containing window offset `off`.
  template <typename Records>
  static size_t RecordIndex(const Records& w, uint32_t off) {
    auto it = std::upper_bound(w.begin(), w.end(), off,
                               [](uint32_t v, const Extent& e) { return v < e.start; });
    return static_cast<size_t>(it - w.begin()) - 1;
  }

  // Index of the record of `w` containing window offset `off`, trying `guess` and its
  // neighbours before a binary search.
  static size_t RecordIndexNear(const Window& w, uint32_t off, size_t guess);
  static bool SameExtent(const Extent& a, const Extent& b) {
    return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
  }
  // Sets window offsets [lo, hi) of `w` (at `base`) to proto's state; counts follow. Leaves
  // hints_[0] on the record now holding lo.
  void AssignInWindow(Window& w, uint64_t base, uint32_t lo, uint32_t hi, const Extent& proto);
  // Replaces w[first, first + old_count) by `records`.
  static void ReplaceRecords(Window& w, size_t first, size_t old_count, const Extent* records,
                             size_t new_count);
  // Makes (w's record `index`, a copy of which is `record`) hints_[0], dropping any other
  // hint of w's window.
  void SetWindowHint(uint64_t base, const Window& w, size_t index, const Extent& record);
  void AddStats(uint64_t base, const Extent& e, int64_t sign);

  // Lookup()'s last records, in two windows: the compaction scanners, isolation and the pcp
  // lists look up consecutive pfns, mostly in one record, and compaction alternates between
  // the migrate scanner's window and the free scanner's; a lookup in the record or window
  // of one of the last two skips one or both binary searches. hints_[0] is the most recent.
  // A hint's window points into a chunk (whose windows never move, and move with the store),
  // or is nullptr for a window in its initial state; its record is a copy, and `index` its
  // place in the window (a scanner leaving a record nearly always enters a neighbour, found
  // without a search). A change of a window's records (Assign) leaves hints_[0] on the
  // record holding the start of the change and drops any other hint of that window; hints
  // of other windows stay valid (their records did not move). Compact forgets both.
  static constexpr uint64_t kNoHint = ~uint64_t{0};
  struct Hint {
    uint64_t wbase = kNoHint;  // first pfn of the window
    const Window* window = nullptr;
    size_t index = 0;  // of record in *window
    Extent record{};
  };
  // Sets h.record (and h.index) to the record of h's window holding window offset `off`.
  void FindHintRecord(Hint& h, uint32_t off) const;
  void ForgetHint() { hints_[0].wbase = hints_[1].wbase = kNoHint; }
  // Makes hints_[0] the record holding pfn; false if pfn is in no window.
  bool HintRecord(uint64_t pfn) const;
  // The span of record `e` of the window at `wbase` from pfn `p`, clipped at `end`.
  Span SpanOf(const Extent& e, uint64_t wbase, uint64_t p, uint64_t end) const {
    const PageState state = static_cast<PageState>(e.state);
    return Span{{p, std::min(wbase + e.end(), end), state, e.order, static_cast<OwnerType>(e.owner),
                 state == PageState::kHole ? 0 : zones_[e.zone].node},
                wbase + e.start,
                wbase + e.end()};
  }
  mutable std::array<Hint, 2> hints_;

  uint32_t max_free_order_ = 0;
  std::vector<NodeLayout> nodes_;
  std::vector<ZoneInfo> zones_;
  std::vector<Segment> segments_;
  std::vector<ZoneCounts> zone_counts_;
  std::array<uint64_t, 32> alloc_pages_{};
  std::array<uint64_t, 32> alloc_blocks_{};
  std::vector<Extent> scratch_;
};

template <typename Fn>
void ExtentStore::ForEachSpan(uint64_t start, uint64_t end, Fn&& fn) const {
  if (start < end && (start >> kWindowShift) == ((end - 1) >> kWindowShift)) {
    // One window (a block's range, the common case): walk its records from the lookup
    // hint, which usually holds the first one already. The same spans as the walk below.
    for (uint64_t p = start; p < end;) {
      if (!HintRecord(p)) {  // outside every segment: one hole to the range's end
        fn(Span{{p, end, PageState::kHole, 0, trace::OWNER_UNKNOWN, 0}, p, end});
        return;
      }
      const Span span = SpanOf(hints_[0].record, hints_[0].wbase, p, end);
      fn(span);
      p = span.end_pfn;
    }
    return;
  }
  InitialRecords initial;
  for (uint64_t p = start; p < end;) {
    const uint64_t wbase = p & ~(kWindowPages - 1);
    const uint64_t wend = wbase + kWindowPages;
    uint64_t index = 0;
    const Segment* seg = FindSegment(p, &index);
    if (seg == nullptr) {
      const uint64_t t = std::min(end, wend);
      fn(Span{{p, t, PageState::kHole, 0, trace::OWNER_UNKNOWN, 0}, p, t});
      p = t;
      continue;
    }
    const Extent* records;
    size_t n;
    if (const Window* w = BuiltWindow(*seg, index)) {
      records = w->data();
      n = w->size();
    } else {
      MakeInitialRecords(wbase, initial);
      records = initial.data();
      n = initial.size();
    }
    const absl::Span<const Extent> recs(records, n);
    for (size_t k = RecordIndex(recs, static_cast<uint32_t>(p - wbase)); k < n && p < end; ++k) {
      const Span span = SpanOf(recs[k], wbase, p, end);
      fn(span);
      p = span.end_pfn;
    }
  }
}

}  // namespace memsim::mm

#endif  // MEMSIM_SIM_MM_EXTENT_STORE_H_
