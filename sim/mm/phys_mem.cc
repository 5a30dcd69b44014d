#include "sim/mm/phys_mem.h"

#include <algorithm>
#include <limits>

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

// Appends a piece, extending the last one when it continues it (a block larger than a
// window comes in one piece per window).
void AppendPiece(std::vector<Piece>& pieces, const Piece& p) {
  if (!pieces.empty()) {
    Piece& b = pieces.back();
    if (b.pfn + b.pages == p.pfn && b.state == p.state && b.order == p.order &&
        b.owner == p.owner && b.node == p.node) {
      b.pages += p.pages;
      return;
    }
  }
  pieces.push_back(p);
}

}  // namespace

absl::StatusOr<PhysMem> PhysMem::Create(std::vector<NodeLayout> nodes, Options options) {
  if (options.max_order > kMaxSupportedBuddyOrder) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_order: must be <= ", kMaxSupportedBuddyOrder, ", got ", options.max_order));
  }
  if (nodes.empty()) return absl::InvalidArgumentError("nodes: at least one node is required");
  PhysMem mem;
  mem.options_ = options;
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
  mem.BuildWindows();
  return mem;
}

void PhysMem::BuildWindows() {
  // Segments: maximal runs of consecutive windows that hold at least one zone page.
  for (const ZoneInfo& z : zones_) {
    const uint64_t first = z.start_pfn >> kWindowShift;
    const uint64_t last = (z.end_pfn - 1) >> kWindowShift;
    if (!segments_.empty()) {
      Segment& s = segments_.back();
      const uint64_t seg_last = s.first_window + s.windows.size() - 1;
      if (first <= seg_last + 1) {
        if (last > seg_last) s.windows.resize(last - s.first_window + 1);
        continue;
      }
    }
    segments_.push_back({first, std::vector<Window>(last - first + 1)});
  }
  size_t zi = 0;
  for (Segment& s : segments_) {
    for (size_t wi = 0; wi < s.windows.size(); ++wi) {
      const uint64_t base = (s.first_window + wi) << kWindowShift;
      const uint64_t wend = base + kWindowPages;
      Window& w = s.windows[wi];
      uint64_t cursor = base;
      auto push = [&](uint64_t a, uint64_t b, PageState st, uint8_t zone) {
        w.push_back(Extent{static_cast<uint16_t>(a - base), static_cast<uint16_t>(b - a - 1),
                           static_cast<uint8_t>(st), 0, 0, zone});
      };
      for (size_t k = zi; k < zones_.size() && zones_[k].start_pfn < wend; ++k) {
        const uint64_t a = std::max(zones_[k].start_pfn, base);
        const uint64_t b = std::min(zones_[k].end_pfn, wend);
        if (a >= b) continue;
        if (a > cursor) push(cursor, a, PageState::kHole, kNoZone);
        push(a, b, PageState::kUnknown, static_cast<uint8_t>(k));
        zone_counts_[k].unknown_pages += b - a;
        cursor = b;
      }
      if (cursor < wend) push(cursor, wend, PageState::kHole, kNoZone);
      while (zi < zones_.size() && zones_[zi].end_pfn <= wend) ++zi;
    }
  }
}

const PhysMem::Window* PhysMem::FindWindow(uint64_t pfn) const {
  const uint64_t w = pfn >> kWindowShift;
  auto it = std::upper_bound(segments_.begin(), segments_.end(), w,
                             [](uint64_t v, const Segment& s) { return v < s.first_window; });
  if (it == segments_.begin()) return nullptr;
  --it;
  const uint64_t idx = w - it->first_window;
  if (idx >= it->windows.size()) return nullptr;
  return &it->windows[idx];
}

size_t PhysMem::RecordIndex(const Window& w, uint32_t off) {
  auto it = std::upper_bound(w.begin(), w.end(), off,
                             [](uint32_t v, const Extent& e) { return v < e.start; });
  return static_cast<size_t>(it - w.begin()) - 1;
}

BuddyBlock PhysMem::FreeBlockAt(uint64_t a, uint64_t b, uint64_t pfn) const {
  for (int o = static_cast<int>(options_.max_order); o > 0; --o) {
    const uint64_t m = uint64_t{1} << o;
    const uint64_t q = pfn & ~(m - 1);
    if (q >= a && q + m <= b) return {q, static_cast<uint32_t>(o)};
  }
  return {pfn, 0};
}

void PhysMem::AddStats(uint64_t base, const Extent& e, int64_t sign) {
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
        uint32_t o = options_.max_order;
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

void PhysMem::AssignInWindow(Window& w, uint64_t base, uint32_t lo, uint32_t hi,
                             const Extent& proto) {
  const size_t n = w.size();
  const size_t i = RecordIndex(w, lo);
  const size_t j = RecordIndex(w, hi - 1);
  const size_t first = i > 0 ? i - 1 : 0;
  const size_t last = j + 1 < n ? j + 1 : j;
  scratch_.clear();
  auto mergeable = [](const Extent& x, const Extent& y) {
    return x.state == y.state && x.zone == y.zone && x.order == y.order && x.owner == y.owner;
  };
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
    AddStats(base, r, -1);
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
  for (const Extent& e : scratch_) AddStats(base, e, +1);
  const size_t old_count = last - first + 1;
  if (scratch_.size() == old_count) {
    std::copy(scratch_.begin(), scratch_.end(), w.begin() + first);
  } else if (scratch_.size() < old_count) {
    std::copy(scratch_.begin(), scratch_.end(), w.begin() + first);
    w.erase(w.begin() + first + scratch_.size(), w.begin() + last + 1);
  } else {
    std::copy(scratch_.begin(), scratch_.begin() + old_count, w.begin() + first);
    w.insert(w.begin() + last + 1, scratch_.begin() + old_count, scratch_.end());
  }
}

void PhysMem::Assign(uint64_t start, uint64_t end, PageState state, uint32_t order,
                     OwnerType owner) {
  Extent proto{0, 0, static_cast<uint8_t>(state), 0, 0, 0};
  if (state == PageState::kAllocated) {
    proto.order = static_cast<uint8_t>(order);
    proto.owner = static_cast<uint8_t>(owner);
  }
  for (uint64_t p = start; p < end;) {
    const uint64_t wbase = p & ~(kWindowPages - 1);
    const uint64_t hi = std::min(end, wbase + kWindowPages);
    if (Window* w = FindWindow(p)) {
      AssignInWindow(*w, wbase, static_cast<uint32_t>(p - wbase), static_cast<uint32_t>(hi - wbase),
                     proto);
    }
    p = hi;
  }
}

template <typename Fn>
void PhysMem::ForEachPiece(uint64_t start, uint64_t end, Fn&& fn) const {
  static constexpr Extent kHoleExtent{0, 0, static_cast<uint8_t>(PageState::kHole), 0, 0, kNoZone};
  for (uint64_t p = start; p < end;) {
    const uint64_t wbase = p & ~(kWindowPages - 1);
    const uint64_t wend = wbase + kWindowPages;
    const Window* w = FindWindow(p);
    if (w == nullptr) {
      const uint64_t t = std::min(end, wend);
      fn(p, t, kHoleExtent, p, t);
      p = t;
      continue;
    }
    for (size_t k = RecordIndex(*w, static_cast<uint32_t>(p - wbase)); k < w->size() && p < end;
         ++k) {
      const Extent& e = (*w)[k];
      const uint64_t a = wbase + e.start;
      const uint64_t b = wbase + e.end();
      const uint64_t t = std::min(b, end);
      fn(p, t, e, a, b);
      p = t;
    }
  }
}

bool PhysMem::RangeInZones(uint64_t start, uint64_t end) const {
  // A block never spans two nodes: the models address its metadata on one node.
  const int node = NodeOf(start);
  if (node < 0 || NodeOf(end - 1) != node) return false;
  bool ok = true;
  ForEachPiece(start, end, [&](uint64_t, uint64_t, const Extent& e, uint64_t, uint64_t) {
    if (e.state == static_cast<uint8_t>(PageState::kHole)) ok = false;
  });
  return ok;
}

void PhysMem::SplitStraddlingBlocks(uint64_t start, uint64_t end) {
  for (uint64_t x : {start, end}) {
    const BlockInfo b = Lookup(x);
    if (b.state == PageState::kAllocated && b.head_pfn < x) {
      Assign(b.head_pfn, b.head_pfn + b.pages(), PageState::kAllocated, 0, b.owner);
    }
  }
}

std::pair<uint64_t, uint64_t> PhysMem::FreeRunAt(uint64_t pfn) const {
  const Window* w = FindWindow(pfn);
  MEMSIM_CHECK(w != nullptr, "FreeRunAt outside every window");
  const uint64_t wbase = pfn & ~(kWindowPages - 1);
  const Extent& e = (*w)[RecordIndex(*w, static_cast<uint32_t>(pfn - wbase))];
  MEMSIM_CHECK(e.state == static_cast<uint8_t>(PageState::kFree), "FreeRunAt of a non-free pfn");
  return {wbase + e.start, wbase + e.end()};
}

BlockInfo PhysMem::Lookup(uint64_t pfn) const {
  BlockInfo info;
  info.head_pfn = pfn;
  const Window* w = FindWindow(pfn);
  if (w == nullptr) return info;
  const uint64_t wbase = pfn & ~(kWindowPages - 1);
  const Extent& e = (*w)[RecordIndex(*w, static_cast<uint32_t>(pfn - wbase))];
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

void PhysMem::VisitRuns(uint64_t start_pfn, uint64_t end_pfn,
                        absl::FunctionRef<void(const Run&)> fn) const {
  // Skip the gaps between segments instead of walking them window by window.
  for (const Segment& seg : segments_) {
    const uint64_t seg_start = seg.first_window << kWindowShift;
    const uint64_t seg_end = seg_start + (seg.windows.size() << kWindowShift);
    const uint64_t s = std::max(seg_start, start_pfn);
    const uint64_t t = std::min(seg_end, end_pfn);
    if (s >= t) continue;
    ForEachPiece(s, t, [&](uint64_t a, uint64_t b, const Extent& e, uint64_t, uint64_t) {
      if (e.state == static_cast<uint8_t>(PageState::kHole)) return;
      fn(Run{a, b, static_cast<PageState>(e.state), e.order, static_cast<OwnerType>(e.owner),
             zones_[e.zone].node});
    });
  }
}

int PhysMem::NodeOf(uint64_t pfn) const {
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), pfn,
                             [](uint64_t v, const NodeLayout& n) { return v < n.start_pfn; });
  if (it == nodes_.begin()) return -1;
  --it;
  if (pfn >= it->start_pfn + it->pages) return -1;
  return static_cast<int>(it - nodes_.begin());
}

void PhysMem::Alloc(uint64_t pfn, uint32_t order, OwnerType owner, AllocResult* out) {
  out->Clear();
  ++stats_.alloc_ops;
  const uint64_t n = uint64_t{1} << order;
  if (order > kMaxBlockOrder || (pfn & (n - 1)) != 0) {
    out->anomalies |= kAnomalyMisaligned;
    ++stats_.misaligned;
    return;
  }
  const uint64_t end = pfn + n;
  if (!RangeInZones(pfn, end)) {
    out->anomalies |= kAnomalyOutOfRange;
    ++stats_.out_of_range;
    return;
  }
  SplitStraddlingBlocks(pfn, end);
  uint64_t contradicted = 0, traced = 0;  // allocated pages overwritten
  ForEachPiece(pfn, end, [&](uint64_t s, uint64_t t, const Extent& e, uint64_t a, uint64_t b) {
    switch (static_cast<PageState>(e.state)) {
      case PageState::kFree:
        for (uint64_t p = s; p < t;) {
          const BuddyBlock blk = FreeBlockAt(a, b, p);
          out->removed_free.push_back(blk);
          // expand(): halve the block until it is the requested size, returning the half
          // that does not hold the allocation to the free lists at each step.
          for (int o = static_cast<int>(blk.order) - 1; o >= static_cast<int>(order); --o) {
            const uint64_t half = pfn & ~((uint64_t{1} << o) - 1);
            out->added_free.push_back({half ^ (uint64_t{1} << o), static_cast<uint32_t>(o)});
          }
          p = blk.pfn + (uint64_t{1} << blk.order);
        }
        break;
      case PageState::kAllocated:
        out->anomalies |= kAnomalyAllocOfAllocated;
        contradicted += t - s;
        traced += traced_.CountMarked(s, t);
        AppendPiece(out->displaced, {s, t - s, PageState::kAllocated, e.order,
                                     static_cast<OwnerType>(e.owner), zones_[e.zone].node});
        break;
      case PageState::kUnknown:
        out->anomalies |= kAnomalyAllocFromUnknown;
        AppendPiece(out->displaced,
                    {s, t - s, PageState::kUnknown, 0, trace::OWNER_UNKNOWN, zones_[e.zone].node});
        break;
      case PageState::kHole:
        break;
    }
  });
  if (out->anomalies & kAnomalyAllocOfAllocated) {
    ++stats_.alloc_of_allocated;
    stats_.alloc_of_allocated_by_cause.Add(Classify(contradicted, traced));
  }
  if (out->anomalies & kAnomalyAllocFromUnknown) ++stats_.alloc_from_unknown;
  Assign(pfn, end, PageState::kAllocated, order, owner);
  traced_.Mark(pfn, end);
  out->applied = true;
  out->block = Lookup(pfn);
}

void PhysMem::Free(uint64_t pfn, uint32_t order, FreeResult* out) {
  out->Clear();
  ++stats_.free_ops;
  out->pfn = pfn;
  out->order = order;
  const uint64_t n = uint64_t{1} << order;
  if (order > kMaxBlockOrder || (pfn & (n - 1)) != 0) {
    out->anomalies |= kAnomalyMisaligned;
    ++stats_.misaligned;
    return;
  }
  const uint64_t end = pfn + n;
  if (!RangeInZones(pfn, end)) {
    out->anomalies |= kAnomalyOutOfRange;
    ++stats_.out_of_range;
    return;
  }
  const BlockInfo head = Lookup(pfn);
  const BlockInfo tail = Lookup(end - 1);
  out->node = head.node;
  const bool head_straddles = head.state == PageState::kAllocated && head.head_pfn < pfn;
  const bool tail_straddles =
      tail.state == PageState::kAllocated && tail.head_pfn + tail.pages() > end;
  if (head_straddles || tail_straddles) {
    out->anomalies |= kAnomalyPartialFree;
    ++stats_.partial_free;
    // The contradicted state: the allocated block(s) the free cuts through.
    uint64_t pages = 0, traced = 0;
    if (head_straddles) {
      pages += head.pages();
      traced += traced_.CountMarked(head.head_pfn, head.head_pfn + head.pages());
    }
    if (tail_straddles && !(head_straddles && tail.head_pfn == head.head_pfn)) {
      pages += tail.pages();
      traced += traced_.CountMarked(tail.head_pfn, tail.head_pfn + tail.pages());
    }
    stats_.partial_free_by_cause.Add(Classify(pages, traced));
  }
  SplitStraddlingBlocks(pfn, end);
  uint64_t already_free = 0, traced_free = 0;
  ForEachPiece(pfn, end, [&](uint64_t s, uint64_t t, const Extent& e, uint64_t, uint64_t) {
    switch (static_cast<PageState>(e.state)) {
      case PageState::kAllocated:
        AppendPiece(out->freed, {s, t - s, PageState::kAllocated, e.order,
                                 static_cast<OwnerType>(e.owner), zones_[e.zone].node});
        break;
      case PageState::kFree:
        out->anomalies |= kAnomalyDoubleFree;
        already_free += t - s;
        traced_free += traced_.CountMarked(s, t);
        break;
      case PageState::kUnknown:
        out->anomalies |= kAnomalyFreeOfPretrace;
        AppendPiece(out->freed,
                    {s, t - s, PageState::kUnknown, 0, trace::OWNER_UNKNOWN, zones_[e.zone].node});
        break;
      case PageState::kHole:
        break;
    }
  });
  if (out->anomalies & kAnomalyDoubleFree) {
    ++stats_.double_free;
    stats_.double_free_by_cause.Add(Classify(already_free, traced_free));
  }
  if (out->anomalies & kAnomalyFreeOfPretrace) ++stats_.free_of_pretrace;
  Assign(pfn, end, PageState::kFree, 0, trace::OWNER_FREE);
  traced_.Mark(pfn, end);
  out->applied = true;
  if (order <= options_.max_order) {
    // __free_one_page: while the buddy at this order is a free block in the same zone,
    // take it off its list and merge.
    // The free run now holding pfn: one record (a buddy block never crosses a window, and
    // free records of one zone in one window always merge), so a buddy is free in the same
    // zone iff it lies inside the run.
    const auto [run_start, run_end] = FreeRunAt(pfn);
    uint64_t p = pfn;
    uint32_t o = order;
    while (o < options_.max_order) {
      const uint64_t buddy = p ^ (uint64_t{1} << o);
      const bool merged = buddy >= run_start && buddy + (uint64_t{1} << o) <= run_end;
      out->checks.push_back({buddy, o, merged});
      if (!merged) break;
      p = std::min(p, buddy);
      ++o;
    }
    out->final_blocks.push_back({p, o});
  } else {
    for (uint64_t p = pfn; p < end;) {
      const BlockInfo b = Lookup(p);
      out->final_blocks.push_back({b.head_pfn, b.order});
      p = b.head_pfn + b.pages();
    }
  }
}

void PhysMem::Migrate(uint64_t src_pfn, uint64_t dst_pfn, uint32_t order, bool free_source,
                      MigrateResult* out) {
  out->Clear();
  ++stats_.migrate_ops;
  const uint64_t n = uint64_t{1} << order;
  if (order > kMaxBlockOrder || (src_pfn & (n - 1)) != 0 || (dst_pfn & (n - 1)) != 0) {
    out->anomalies |= kAnomalyMisaligned;
    ++stats_.misaligned;
    return;
  }
  if (!RangeInZones(src_pfn, src_pfn + n) || !RangeInZones(dst_pfn, dst_pfn + n)) {
    out->anomalies |= kAnomalyOutOfRange;
    ++stats_.out_of_range;
    return;
  }
  out->src = Lookup(src_pfn);
  OwnerType owner = out->src.owner;
  if (out->src.state != PageState::kAllocated) {
    out->anomalies |= kAnomalyMigrateSrcNotAllocated;
    ++stats_.migrate_src_not_allocated;
    // An unknown source was never touched by a traced event (events leave pages free or
    // allocated): it is memory allocated before the trace that no snapshot described.
    stats_.migrate_src_not_allocated_by_cause.Add(
        out->src.state == PageState::kUnknown
            ? Cause::kNoInitialState
            : Classify(n, traced_.CountMarked(src_pfn, src_pfn + n)));
    owner = trace::OWNER_UNKNOWN;
  }
  const BlockInfo dst = Lookup(dst_pfn);
  if (dst.state == PageState::kAllocated && dst.head_pfn == dst_pfn && dst.order == order) {
    if (dst.owner != owner) Assign(dst_pfn, dst_pfn + n, PageState::kAllocated, order, owner);
  } else {
    uint64_t conflicting = 0, traced = 0;  // allocated destination pages
    ForEachPiece(dst_pfn, dst_pfn + n,
                 [&](uint64_t s, uint64_t t, const Extent& e, uint64_t, uint64_t) {
                   if (e.state == static_cast<uint8_t>(PageState::kAllocated)) {
                     conflicting += t - s;
                     traced += traced_.CountMarked(s, t);
                   }
                 });
    if (conflicting > 0) {
      out->anomalies |= kAnomalyMigrateDstConflict;
      ++stats_.migrate_dst_conflict;
      stats_.migrate_dst_conflict_by_cause.Add(Classify(conflicting, traced));
    }
    const uint64_t saved_allocs = stats_.alloc_ops;
    Alloc(dst_pfn, order, owner, &out->dst_alloc);
    stats_.alloc_ops = saved_allocs;  // part of the migration, not an ALLOC event
    out->dst_allocated_here = true;
  }
  out->dst = Lookup(dst_pfn);
  traced_.Mark(dst_pfn, dst_pfn + n);
  // A source found allocated is confirmed by the trace; one that was not keeps its state
  // (not repaired), so it keeps the origin of that state too.
  if (out->src.state == PageState::kAllocated) traced_.Mark(src_pfn, src_pfn + n);
  if (free_source && out->src.state == PageState::kAllocated) {
    const uint64_t saved_frees = stats_.free_ops;
    Free(src_pfn, order, &out->src_free);
    stats_.free_ops = saved_frees;
    out->src_freed = true;
  }
  out->applied = true;
}

void PhysMem::MarkUnknownFree(uint64_t start_pfn, uint64_t end_pfn) {
  std::vector<std::pair<uint64_t, uint64_t>> unknown;
  ForEachPiece(start_pfn, end_pfn,
               [&](uint64_t s, uint64_t t, const Extent& e, uint64_t, uint64_t) {
                 if (e.state != static_cast<uint8_t>(PageState::kUnknown)) return;
                 if (!unknown.empty() && unknown.back().second == s) {
                   unknown.back().second = t;
                 } else {
                   unknown.emplace_back(s, t);
                 }
               });
  for (const auto& [s, t] : unknown) Assign(s, t, PageState::kFree, 0, trace::OWNER_FREE);
}

void PhysMem::ApplySnapshot(const std::vector<SnapshotRun>& runs) {
  uint64_t last_end = 0;
  for (const SnapshotRun& run : runs) {
    ++stats_.snapshot_runs;
    if (run.count == 0) continue;
    const uint64_t start = run.start_pfn;
    const uint64_t end = start + run.count;
    if (end < start) {
      ++stats_.snapshot_runs_rejected;
      continue;
    }
    if (start < last_end) ++stats_.snapshot_runs_overlapping;
    last_end = std::max(last_end, end);
    bool any_zone_page = false;
    ForEachPiece(start, end, [&](uint64_t, uint64_t, const Extent& e, uint64_t, uint64_t) {
      if (e.state != static_cast<uint8_t>(PageState::kHole)) any_zone_page = true;
    });
    if (!any_zone_page) {
      ++stats_.snapshot_runs_rejected;
      continue;
    }
    SplitStraddlingBlocks(start, end);
    if (run.owner == trace::OWNER_FREE) {
      Assign(start, end, PageState::kFree, 0, trace::OWNER_FREE);
      continue;
    }
    uint32_t order = run.order;
    const uint64_t m = order <= kMaxBlockOrder ? uint64_t{1} << order : 0;
    if (m == 0 || (start & (m - 1)) != 0 || (run.count & (m - 1)) != 0) {
      ++stats_.snapshot_runs_misaligned;
      order = 0;
    }
    Assign(start, end, PageState::kAllocated, order, run.owner);
  }
}

uint64_t PhysMem::total_allocated_blocks() const {
  uint64_t total = 0;
  for (uint64_t v : alloc_blocks_) total += v;
  return total;
}

uint64_t PhysMem::record_count() const {
  uint64_t total = 0;
  for (const Segment& s : segments_) {
    for (const Window& w : s.windows) total += w.size();
  }
  return total;
}

uint64_t PhysMem::host_bytes() const {
  uint64_t total = sizeof(*this) + segments_.capacity() * sizeof(Segment) +
                   zones_.capacity() * sizeof(ZoneInfo) +
                   zone_counts_.capacity() * sizeof(ZoneCounts);
  for (const Segment& s : segments_) {
    total += s.windows.capacity() * sizeof(Window);
    for (const Window& w : s.windows) {
      if (w.capacity() > 1) total += w.capacity() * sizeof(Extent);
    }
  }
  return total;
}

void PhysMem::Compact() {
  for (Segment& s : segments_) {
    for (Window& w : s.windows) w.shrink_to_fit();
  }
}

Cause PhysMem::Classify(uint64_t pages, uint64_t traced) {
  if (pages > 0 && traced == 0) return Cause::kStaleSnapshot;
  if (pages > 0 && traced == pages) return Cause::kMissingEvents;
  return Cause::kUnexplained;
}

std::vector<std::pair<std::string, CauseCounts>> PhysMem::CauseList() const {
  const MmStats& s = stats_;
  return {{"alloc_of_allocated", s.alloc_of_allocated_by_cause},
          {"double_free", s.double_free_by_cause},
          {"partial_free", s.partial_free_by_cause},
          {"migrate_src_not_allocated", s.migrate_src_not_allocated_by_cause},
          {"migrate_dst_conflict", s.migrate_dst_conflict_by_cause}};
}

std::vector<std::pair<std::string, uint64_t>> PhysMem::CounterList() const {
  const MmStats& s = stats_;
  return {{"alloc_ops", s.alloc_ops},
          {"free_ops", s.free_ops},
          {"migrate_ops", s.migrate_ops},
          {"lookups", s.lookups},
          {"misaligned", s.misaligned},
          {"out_of_range", s.out_of_range},
          {"alloc_of_allocated", s.alloc_of_allocated},
          {"alloc_from_unknown", s.alloc_from_unknown},
          {"double_free", s.double_free},
          {"free_of_pretrace", s.free_of_pretrace},
          {"partial_free", s.partial_free},
          {"migrate_src_not_allocated", s.migrate_src_not_allocated},
          {"migrate_dst_conflict", s.migrate_dst_conflict},
          {"snapshot_runs", s.snapshot_runs},
          {"snapshot_runs_rejected", s.snapshot_runs_rejected},
          {"snapshot_runs_misaligned", s.snapshot_runs_misaligned},
          {"snapshot_runs_overlapping", s.snapshot_runs_overlapping}};
}

}  // namespace memsim::mm
