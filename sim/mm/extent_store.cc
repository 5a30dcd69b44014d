#include "sim/mm/extent_store.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim::mm {
namespace {

void Adjust(uint64_t& counter, int64_t sign, uint64_t value) {
  if (sign > 0) {
    counter += value;
  } else {
    counter -= value;
  }
}

// Number of multiples of 2^order in [a, b): heads of naturally aligned blocks.
uint64_t HeadsIn(uint64_t a, uint64_t b, uint32_t order) {
  const uint64_t m = uint64_t{1} << order;
  return ((b + m - 1) >> order) - ((a + m - 1) >> order);
}

}  // namespace

absl::StatusOr<ExtentStore> ExtentStore::Create(std::vector<NodeLayout> nodes,
                                                uint32_t max_free_order) {
  if (nodes.empty()) return absl::InvalidArgumentError("nodes: at least one node is required");
  MEMSIM_CHECK(max_free_order <= kMaxSupportedBuddyOrder, "max_free_order beyond the windows");
  ExtentStore mem;
  mem.max_free_order_ = max_free_order;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeLayout& n = nodes[i];
    if (n.pages == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("nodes[", i, "] (node ", n.node_id, "): pages must be > 0"));
    }
    if (n.start_pfn > (uint64_t{1} << 52) || n.pages > (uint64_t{1} << 52)) {
      return absl::InvalidArgumentError(
          absl::StrCat("nodes[", i, "] (node ", n.node_id, "): pfn range beyond 2^52"));
    }
    if (i > 0 && n.start_pfn < nodes[i - 1].start_pfn + nodes[i - 1].pages) {
      return absl::InvalidArgumentError(absl::StrCat(
          "nodes[", i, "] (node ", n.node_id, "): start_pfn ", n.start_pfn,
          " overlaps or precedes nodes[", i - 1, "]; nodes must be sorted and disjoint"));
    }
    std::vector<ZoneLayout> zones = n.zones;
    if (zones.empty()) zones.push_back({ZoneKind::kNormal, n.start_pfn, n.pages});
    std::sort(zones.begin(), zones.end(),
              [](const ZoneLayout& a, const ZoneLayout& b) { return a.start_pfn < b.start_pfn; });
    for (size_t z = 0; z < zones.size(); ++z) {
      const ZoneLayout& zl = zones[z];
      if (zl.pages == 0 || zl.start_pfn < n.start_pfn ||
          zl.start_pfn + zl.pages > n.start_pfn + n.pages) {
        return absl::InvalidArgumentError(
            absl::StrCat("nodes[", i, "].zones[", z, "]: [", zl.start_pfn, ", ",
                         zl.start_pfn + zl.pages, ") must be non-empty and inside the node [",
                         n.start_pfn, ", ", n.start_pfn + n.pages, ")"));
      }
      if (z > 0 && zl.start_pfn < zones[z - 1].start_pfn + zones[z - 1].pages) {
        return absl::InvalidArgumentError(
            absl::StrCat("nodes[", i, "].zones[", z, "]: overlaps the previous zone"));
      }
      mem.zones_.push_back(
          {static_cast<uint32_t>(i), zl.kind, zl.start_pfn, zl.start_pfn + zl.pages});
    }
  }
  if (mem.zones_.size() >= kNoZone) {
    return absl::InvalidArgumentError(
        absl::StrCat("nodes: ", mem.zones_.size(), " zones in total, at most 254 supported"));
  }
  mem.nodes_ = std::move(nodes);
  mem.zone_counts_.resize(mem.zones_.size());
  // Every zone page starts kUnknown (the windows that hold them are built lazily).
  for (size_t k = 0; k < mem.zones_.size(); ++k) {
    mem.zone_counts_[k].unknown_pages = mem.zones_[k].end_pfn - mem.zones_[k].start_pfn;
  }
  mem.BuildSegments();
  return mem;
}

void ExtentStore::BuildSegments() {
  // Segments: maximal runs of consecutive windows that hold at least one zone page.
  for (const ZoneInfo& z : zones_) {
    const uint64_t first = z.start_pfn >> kWindowShift;
    const uint64_t last = (z.end_pfn - 1) >> kWindowShift;
    if (!segments_.empty()) {
      Segment& s = segments_.back();
      const uint64_t seg_last = s.first_window + s.num_windows - 1;
      if (first <= seg_last + 1) {
        if (last > seg_last) s.num_windows = last - s.first_window + 1;
        continue;
      }
    }
    segments_.push_back({first, last - first + 1, {}});
  }
  for (Segment& s : segments_) s.chunks.resize((s.num_windows + kChunkWindows - 1) >> kChunkShift);
}

void ExtentStore::MakeInitialRecords(uint64_t wbase, InitialRecords& out) const {
  out.clear();
  const uint64_t wend = wbase + kWindowPages;
  auto push = [&](uint64_t a, uint64_t b, PageState st, uint8_t zone) {
    out.push_back(Extent{static_cast<uint16_t>(a - wbase), static_cast<uint16_t>(b - a - 1),
                         static_cast<uint8_t>(st), 0, 0, zone});
  };
  // Zones are sorted and disjoint: start at the first one ending after wbase.
  auto it = std::upper_bound(zones_.begin(), zones_.end(), wbase,
                             [](uint64_t v, const ZoneInfo& z) { return v < z.end_pfn; });
  uint64_t cursor = wbase;
  for (; it != zones_.end() && it->start_pfn < wend; ++it) {
    const uint64_t a = std::max(it->start_pfn, wbase);
    const uint64_t b = std::min(it->end_pfn, wend);
    if (a > cursor) push(cursor, a, PageState::kHole, kNoZone);
    push(a, b, PageState::kUnknown, static_cast<uint8_t>(it - zones_.begin()));
    cursor = b;
  }
  if (cursor < wend) push(cursor, wend, PageState::kHole, kNoZone);
}

ExtentStore::Extent ExtentStore::InitialRecordAt(uint64_t wbase, uint64_t pfn) const {
  const uint64_t wend = wbase + kWindowPages;
  // The first zone ending after pfn: it holds pfn, or the hole before it ends at its start.
  auto it = std::upper_bound(zones_.begin(), zones_.end(), pfn,
                             [](uint64_t v, const ZoneInfo& z) { return v < z.end_pfn; });
  uint64_t a, b;
  if (it != zones_.end() && it->start_pfn <= pfn) {
    a = std::max(it->start_pfn, wbase);
    b = std::min(it->end_pfn, wend);
    return Extent{static_cast<uint16_t>(a - wbase),
                  static_cast<uint16_t>(b - a - 1),
                  static_cast<uint8_t>(PageState::kUnknown),
                  0,
                  0,
                  static_cast<uint8_t>(it - zones_.begin())};
  }
  a = it == zones_.begin() ? wbase : std::max(std::prev(it)->end_pfn, wbase);
  b = it == zones_.end() ? wend : std::min(it->start_pfn, wend);
  return Extent{static_cast<uint16_t>(a - wbase),
                static_cast<uint16_t>(b - a - 1),
                static_cast<uint8_t>(PageState::kHole),
                0,
                0,
                kNoZone};
}

ExtentStore::Window& ExtentStore::BuildWindow(Segment& s, uint64_t index, uint64_t wbase) {
  std::unique_ptr<Chunk>& c = s.chunks[index >> kChunkShift];
  if (c == nullptr) c = std::make_unique<Chunk>();
  Window& w = (*c)[index & (kChunkWindows - 1)];
  if (w.empty()) {
    // The counts already hold the initial records (Create).
    InitialRecords initial;
    MakeInitialRecords(wbase, initial);
    w.assign(initial.begin(), initial.end());
  }
  return w;
}

BuddyBlock ExtentStore::FreeBlockAt(uint64_t a, uint64_t b, uint64_t pfn) const {
  // The largest order o <= max_free_order_ whose aligned block q = pfn & ~(2^o - 1) lies in
  // [a, b) (the greedy decomposition's block at pfn). Both conditions hold for every order
  // up to a bound, computed without a loop:
  //  q >= a: q > a - 1 iff pfn's bits above o exceed a - 1's, i.e. o <= the highest bit
  //    where pfn and a - 1 differ (pfn > a - 1 has a 1 there);
  //  q + 2^o <= b: pfn | (2^o - 1) <= b - 1 iff o <= the highest bit where pfn and b - 1
  //    differ (b - 1 has the 1) or the low o bits of b - 1 are all ones (o <= ctz(b)).
  uint32_t o = max_free_order_;
  if (a > 0) o = std::min<uint32_t>(o, 63 - __builtin_clzll(pfn ^ (a - 1)));
  const uint64_t x = pfn ^ (b - 1);
  const uint32_t top = x == 0 ? 0 : 63 - __builtin_clzll(x);
  o = std::min<uint32_t>(o, std::max<uint32_t>(top, __builtin_ctzll(b)));
  return {pfn & ~((uint64_t{1} << o) - 1), o};
}

void ExtentStore::AddStats(uint64_t base, const Extent& e, int64_t sign) {
  const uint64_t a = base + e.start;
  const uint64_t b = base + e.end();
  switch (static_cast<PageState>(e.state)) {
    case PageState::kHole:
      break;
    case PageState::kUnknown:
      Adjust(zone_counts_[e.zone].unknown_pages, sign, b - a);
      break;
    case PageState::kFree: {
      ZoneCounts& zc = zone_counts_[e.zone];
      Adjust(zc.free_pages, sign, b - a);
      // Greedy aligned decomposition: at p the block order is bounded by p's alignment,
      // the room left and max_order. Equal to the canonical (maximally merged) blocks.
      for (uint64_t p = a; p < b;) {
        uint32_t o = max_free_order_;
        if (p != 0) o = std::min<uint32_t>(o, static_cast<uint32_t>(__builtin_ctzll(p)));
        o = std::min<uint32_t>(o, static_cast<uint32_t>(63 - __builtin_clzll(b - p)));
        Adjust(zc.free_blocks[o], sign, 1);
        p += uint64_t{1} << o;
      }
      break;
    }
    case PageState::kAllocated:
      Adjust(alloc_pages_[e.owner], sign, b - a);
      Adjust(alloc_blocks_[e.owner], sign, HeadsIn(a, b, e.order));
      break;
  }
}

size_t ExtentStore::RecordIndexNear(const Window& w, uint32_t off, size_t guess) {
  const size_t n = w.size();
  if (guess < n && off >= w[guess].start) {
    if (off < w[guess].end()) return guess;
    if (guess + 1 < n && off < w[guess + 1].end()) return guess + 1;
  } else if (guess > 0 && guess <= n && off >= w[guess - 1].start) {
    return guess - 1;
  }
  return RecordIndex(w, off);
}

void ExtentStore::AssignInWindow(Window& w, uint64_t base, uint32_t lo, uint32_t hi,
                                 const Extent& proto) {
  const size_t n = w.size();
  // Where lo is: an operation nearly always looked its block up just before, so a hint of
  // this window usually holds the record or a neighbour.
  size_t guess = n;
  for (const Hint& h : hints_) {
    if (h.wbase == base && h.window == &w) guess = h.index;
  }
  const size_t i = RecordIndexNear(w, lo, guess);
  const size_t j = RecordIndexNear(w, hi - 1, i);
  auto mergeable = [](const Extent& x, const Extent& y) {
    return x.state == y.state && x.zone == y.zone && x.order == y.order && x.owner == y.owner;
  };
  if (i == j && w[i].state != static_cast<uint8_t>(PageState::kHole)) {
    // Common case: the change lies inside one record and gives it a new state. It becomes
    // up to three records (the record's part before lo, the new state, its part after hi),
    // the new state merging with a neighbour it touches. Exactly what the general walk
    // below builds, as long as the record itself does not merge with a neighbour (never
    // the case in a store it maintains; checked, not assumed).
    const Extent r = w[i];
    Extent x = proto;
    x.zone = r.zone;
    const uint32_t rs = r.start;
    const uint32_t re = r.end();
    const bool prev = i > 0, next = i + 1 < n;
    if (!mergeable(r, x) && !(prev && mergeable(w[i - 1], r)) &&
        !(next && mergeable(r, w[i + 1]))) {
      const bool merge_prev = lo == rs && prev && mergeable(w[i - 1], x);
      const bool merge_next = hi == re && next && mergeable(w[i + 1], x);
      const size_t first = merge_prev ? i - 1 : i;
      const size_t last = merge_next ? i + 1 : i;
      Extent out[3];
      size_t count = 0;
      auto piece = [&](Extent e, uint32_t a, uint32_t b) {
        e.start = static_cast<uint16_t>(a);
        e.len_m1 = static_cast<uint16_t>(b - a - 1);
        out[count++] = e;
      };
      if (rs < lo) piece(r, rs, lo);
      const size_t at = count;
      piece(x, merge_prev ? w[i - 1].start : lo, merge_next ? w[i + 1].end() : hi);
      if (re > hi) piece(r, hi, re);
      for (size_t k = first; k <= last; ++k) AddStats(base, w[k], -1);
      for (size_t k = 0; k < count; ++k) AddStats(base, out[k], +1);
      ReplaceRecords(w, first, last - first + 1, out, count);
      SetWindowHint(base, w, first + at, out[at]);
      return;
    }
  }
  const size_t first = i > 0 ? i - 1 : 0;
  const size_t last = j + 1 < n ? j + 1 : j;
  scratch_.clear();
  auto push = [&](Extent e, uint32_t s, uint32_t t) {
    e.start = static_cast<uint16_t>(s);
    e.len_m1 = static_cast<uint16_t>(t - s - 1);
    if (!scratch_.empty()) {
      Extent& back = scratch_.back();
      if (back.end() == s && mergeable(back, e)) {
        back.len_m1 = static_cast<uint16_t>(t - back.start - 1);
        return;
      }
    }
    scratch_.push_back(e);
  };
  for (size_t k = first; k <= last; ++k) {
    const Extent r = w[k];
    const uint32_t rs = r.start;
    const uint32_t re = r.end();
    if (rs < lo) push(r, rs, std::min(re, lo));
    const uint32_t s = std::max(rs, lo);
    const uint32_t t = std::min(re, hi);
    if (s < t) {
      if (r.state == static_cast<uint8_t>(PageState::kHole)) {
        push(r, s, t);
      } else {
        Extent x = proto;
        x.zone = r.zone;
        push(x, s, t);
      }
    }
    if (re > hi) push(r, std::max(rs, hi), re);
  }
  // Records at either end that come out as they were (an unmerged neighbour, a record
  // assigned its own state) keep their counts: only the rest is counted out and in.
  const size_t old_count = last - first + 1;
  const size_t new_count = scratch_.size();
  size_t keep_front = 0;
  while (keep_front < old_count && keep_front < new_count &&
         SameExtent(w[first + keep_front], scratch_[keep_front])) {
    ++keep_front;
  }
  size_t keep_back = 0;
  while (keep_back < old_count - keep_front && keep_back < new_count - keep_front &&
         SameExtent(w[last - keep_back], scratch_[new_count - 1 - keep_back])) {
    ++keep_back;
  }
  for (size_t k = first + keep_front; k + keep_back <= last; ++k) AddStats(base, w[k], -1);
  for (size_t k = keep_front; k + keep_back < new_count; ++k) AddStats(base, scratch_[k], +1);
  ReplaceRecords(w, first, old_count, scratch_.data(), new_count);
  size_t at = 0;
  while (scratch_[at].end() <= lo) ++at;
  SetWindowHint(base, w, first + at, scratch_[at]);
}

void ExtentStore::ReplaceRecords(Window& w, size_t first, size_t old_count, const Extent* records,
                                 size_t new_count) {
  // Records are 8 trivially copyable bytes: the tail moves by one memmove (a window holds
  // hundreds of records where the trace fragments memory).
  const size_t n = w.size();
  const size_t tail = n - first - old_count;
  if (new_count > old_count) w.resize(n + (new_count - old_count));
  Extent* d = w.data();
  if (new_count != old_count) {
    std::memmove(d + first + new_count, d + first + old_count, tail * sizeof(Extent));
  }
  std::memcpy(d + first, records, new_count * sizeof(Extent));
  if (new_count < old_count) w.resize(n - (old_count - new_count));
}

void ExtentStore::SetWindowHint(uint64_t base, const Window& w, size_t index,
                                const Extent& record) {
  // The record now holding the start of a change becomes its window's hint (the operation
  // looks its block up next); any other hint of the window is stale.
  Hint& h0 = hints_[0];
  if (h0.wbase != base) hints_[1] = h0;
  h0.wbase = base;
  h0.window = &w;
  h0.index = index;
  h0.record = record;
}

void ExtentStore::Assign(uint64_t start, uint64_t end, PageState state, uint32_t order,
                         OwnerType owner) {
  Extent proto{0, 0, static_cast<uint8_t>(state), 0, 0, 0};
  if (state == PageState::kAllocated) {
    proto.order = static_cast<uint8_t>(order);
    proto.owner = static_cast<uint8_t>(owner);
  }
  for (uint64_t p = start; p < end;) {
    const uint64_t wbase = p & ~(kWindowPages - 1);
    const uint64_t hi = std::min(end, wbase + kWindowPages);
    uint64_t index = 0;
    if (const Segment* seg = FindSegment(p, &index)) {
      Window& w = BuildWindow(const_cast<Segment&>(*seg), index, wbase);
      AssignInWindow(w, wbase, static_cast<uint32_t>(p - wbase), static_cast<uint32_t>(hi - wbase),
                     proto);
    }
    p = hi;
  }
}

void ExtentStore::FindHintRecord(Hint& h, uint32_t off) const {
  if (h.window == nullptr) {
    h.record = InitialRecordAt(h.wbase, h.wbase + off);
    return;
  }
  const Window& w = *h.window;
  size_t k;
  if (off >= h.record.end() && h.index + 1 < w.size() && off < w[h.index + 1].end()) {
    k = h.index + 1;
  } else if (off < h.record.start && h.index > 0 && off >= w[h.index - 1].start) {
    k = h.index - 1;
  } else {
    k = RecordIndex(w, off);
  }
  h.index = k;
  h.record = w[k];
}

bool ExtentStore::HintRecord(uint64_t pfn) const {
  const uint64_t wbase = pfn & ~(kWindowPages - 1);
  const uint32_t off = static_cast<uint32_t>(pfn - wbase);
  Hint& h = hints_[0];
  if (wbase != h.wbase) {
    if (wbase == hints_[1].wbase) {
      std::swap(h, hints_[1]);
    } else {
      uint64_t index = 0;
      const Segment* seg = FindSegment(pfn, &index);
      if (seg == nullptr) return false;
      hints_[1] = h;
      h.wbase = wbase;
      h.window = BuiltWindow(*seg, index);
      if (h.window != nullptr) {
        h.index = RecordIndex(*h.window, off);
        h.record = (*h.window)[h.index];
      } else {
        h.record = InitialRecordAt(wbase, pfn);
      }
      return true;
    }
  }
  if (off < h.record.start || off >= h.record.end()) FindHintRecord(h, off);
  return true;
}

bool ExtentStore::RangeInZones(uint64_t start, uint64_t end) const {
  // Common case: one record (one zone, so one node) holds the whole range.
  if (HintRecord(start) && end - hints_[0].wbase <= hints_[0].record.end()) {
    return hints_[0].record.state != static_cast<uint8_t>(PageState::kHole);
  }
  // A block never spans two nodes: the models address its metadata on one node.
  const int node = NodeOf(start);
  if (node < 0 || NodeOf(end - 1) != node) return false;
  bool ok = true;
  ForEachSpan(start, end, [&](const Span& s) {
    if (s.state == PageState::kHole) ok = false;
  });
  return ok;
}

void ExtentStore::SplitStraddlingBlocks(uint64_t start, uint64_t end) {
  for (uint64_t x : {start, end}) {
    const BlockInfo b = Lookup(x);
    if (b.state == PageState::kAllocated && b.head_pfn < x) {
      Assign(b.head_pfn, b.head_pfn + b.pages(), PageState::kAllocated, 0, b.owner);
    }
  }
}

std::pair<uint64_t, uint64_t> ExtentStore::FreeRunAt(uint64_t pfn) const {
  MEMSIM_CHECK(HintRecord(pfn), "FreeRunAt outside every window");
  const uint64_t wbase = hints_[0].wbase;
  const Extent& e = hints_[0].record;
  MEMSIM_CHECK(e.state == static_cast<uint8_t>(PageState::kFree), "FreeRunAt of a non-free pfn");
  return {wbase + e.start, wbase + e.end()};
}

BlockInfo ExtentStore::Lookup(uint64_t pfn) const {
  BlockInfo info;
  info.head_pfn = pfn;
  if (!HintRecord(pfn)) return info;
  const uint64_t wbase = hints_[0].wbase;
  const Extent& e = hints_[0].record;
  info.state = static_cast<PageState>(e.state);
  if (info.state == PageState::kHole) return info;
  info.zone = e.zone;
  info.node = zones_[e.zone].node;
  switch (info.state) {
    case PageState::kFree: {
      const BuddyBlock blk = FreeBlockAt(wbase + e.start, wbase + e.end(), pfn);
      info.head_pfn = blk.pfn;
      info.order = blk.order;
      info.owner = trace::OWNER_FREE;
      break;
    }
    case PageState::kAllocated:
      info.order = e.order;
      info.owner = static_cast<OwnerType>(e.owner);
      info.head_pfn = pfn & ~((uint64_t{1} << e.order) - 1);
      break;
    default:
      break;
  }
  return info;
}

void ExtentStore::VisitRuns(uint64_t start_pfn, uint64_t end_pfn,
                            absl::FunctionRef<void(const Run&)> fn) const {
  if (start_pfn >= end_pfn) return;
  if ((start_pfn >> kWindowShift) == ((end_pfn - 1) >> kWindowShift)) {
    // One window (a block's range): ForEachSpan walks it from the lookup hint.
    ForEachSpan(start_pfn, end_pfn, [&](const Span& x) {
      if (x.state != PageState::kHole) fn(x);
    });
    return;
  }
  // Skip the gaps between segments instead of walking them window by window.
  for (const Segment& seg : segments_) {
    const uint64_t seg_start = seg.first_window << kWindowShift;
    const uint64_t seg_end = seg_start + (seg.num_windows << kWindowShift);
    const uint64_t s = std::max(seg_start, start_pfn);
    const uint64_t t = std::min(seg_end, end_pfn);
    if (s >= t) continue;
    ForEachSpan(s, t, [&](const Span& x) {
      if (x.state == PageState::kHole) return;
      fn(x);
    });
  }
}

int ExtentStore::NodeOf(uint64_t pfn) const {
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), pfn,
                             [](uint64_t v, const NodeLayout& n) { return v < n.start_pfn; });
  if (it == nodes_.begin()) return -1;
  --it;
  if (pfn >= it->start_pfn + it->pages) return -1;
  return static_cast<int>(it - nodes_.begin());
}

uint64_t ExtentStore::total_allocated_blocks() const {
  uint64_t total = 0;
  for (uint64_t v : alloc_blocks_) total += v;
  return total;
}

uint64_t ExtentStore::record_count() const {
  uint64_t total = 0;
  InitialRecords initial;
  for (const Segment& s : segments_) {
    for (uint64_t i = 0; i < s.num_windows; ++i) {
      if (const Window* w = BuiltWindow(s, i)) {
        total += w->size();
      } else {
        MakeInitialRecords((s.first_window + i) << kWindowShift, initial);
        total += initial.size();
      }
    }
  }
  return total;
}

uint64_t ExtentStore::built_windows() const {
  uint64_t total = 0;
  for (const Segment& s : segments_) {
    for (const std::unique_ptr<Chunk>& c : s.chunks) {
      if (c == nullptr) continue;
      for (const Window& w : *c) total += w.empty() ? 0 : 1;
    }
  }
  return total;
}

uint64_t ExtentStore::host_bytes() const {
  uint64_t total = sizeof(*this) + segments_.capacity() * sizeof(Segment) +
                   zones_.capacity() * sizeof(ZoneInfo) +
                   zone_counts_.capacity() * sizeof(ZoneCounts);
  for (const Segment& s : segments_) {
    total += s.chunks.capacity() * sizeof(std::unique_ptr<Chunk>);
    for (const std::unique_ptr<Chunk>& c : s.chunks) {
      if (c == nullptr) continue;
      total += sizeof(Chunk);
      for (const Window& w : *c) {
        if (w.capacity() > 1) total += w.capacity() * sizeof(Extent);
      }
    }
  }
  return total;
}

void ExtentStore::Compact() {
  ForgetHint();
  for (Segment& s : segments_) {
    for (std::unique_ptr<Chunk>& c : s.chunks) {
      if (c == nullptr) continue;
      for (Window& w : *c) w.shrink_to_fit();
    }
  }
}

}  // namespace memsim::mm
