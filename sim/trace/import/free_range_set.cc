#include "sim/trace/import/free_range_set.h"

#include <algorithm>
#include <bit>
#include <iterator>

namespace memsim {

namespace {

// The bits of word `w` (pfns [64 w, 64 w + 64)) that [start, end) covers. REQUIRES: the
// two overlap.
uint64_t WordMask(uint64_t w, uint64_t start, uint64_t end) {
  const uint64_t base = w * 64;
  const uint64_t lo = std::max(start, base) - base;
  const uint64_t hi = std::min(end, base + 64) - base;
  const uint64_t ones = hi - lo == 64 ? ~uint64_t{0} : (uint64_t{1} << (hi - lo)) - 1;
  return ones << lo;
}

using Coverage = FreeRangeSet::Coverage;

// The coverage of two adjacent parts of one range.
Coverage Combine(Coverage a, Coverage b) {
  if (a == b) return a;
  return Coverage::kPartial;
}

}  // namespace

FreeRangeSet::FreeRangeSet() = default;
FreeRangeSet::~FreeRangeSet() = default;
FreeRangeSet::FreeRangeSet(FreeRangeSet&&) noexcept = default;
FreeRangeSet& FreeRangeSet::operator=(FreeRangeSet&&) noexcept = default;

FreeRangeSet::Coverage FreeRangeSet::BitmapCover(uint64_t start, uint64_t end) const {
  bool any = false, all = true;
  uint64_t w = start / 64;
  const uint64_t last = (end - 1) / 64;
  while (w <= last) {
    const uint64_t c = w / kChunkWords;
    const uint64_t chunk_last = std::min(last, (c + 1) * kChunkWords - 1);
    if (c >= chunks_.size() || chunks_[c] == nullptr) {
      all = false;
    } else {
      const uint64_t* words = chunks_[c]->words;
      for (uint64_t i = w; i <= chunk_last; ++i) {
        const uint64_t mask = WordMask(i, start, end);
        const uint64_t v = words[i % kChunkWords] & mask;
        any = any || v != 0;
        all = all && v == mask;
        if (any && !all) return Coverage::kPartial;
      }
    }
    if (any && !all) return Coverage::kPartial;
    w = chunk_last + 1;
  }
  return all ? Coverage::kFull : (any ? Coverage::kPartial : Coverage::kNone);
}

void FreeRangeSet::BitmapSet(uint64_t start, uint64_t end) {
  const uint64_t last = (end - 1) / 64;
  const uint64_t last_chunk = last / kChunkWords;
  if (last_chunk >= chunks_.size()) chunks_.resize(last_chunk + 1);
  for (uint64_t w = start / 64; w <= last; ++w) {
    std::unique_ptr<Chunk>& chunk = chunks_[w / kChunkWords];
    if (chunk == nullptr) chunk = std::make_unique<Chunk>();
    chunk->words[w % kChunkWords] |= WordMask(w, start, end);
  }
}

void FreeRangeSet::BitmapClear(uint64_t start, uint64_t end) {
  if (chunks_.empty()) return;
  const uint64_t last = std::min((end - 1) / 64, chunks_.size() * kChunkWords - 1);
  for (uint64_t w = start / 64; w <= last; ++w) {
    Chunk* chunk = chunks_[w / kChunkWords].get();
    if (chunk == nullptr) {
      w = (w / kChunkWords + 1) * kChunkWords - 1;  // the next chunk
      continue;
    }
    chunk->words[w % kChunkWords] &= ~WordMask(w, start, end);
  }
}

uint64_t FreeRangeSet::BitmapEnd() const {
  for (size_t c = chunks_.size(); c-- > 0;) {
    if (chunks_[c] == nullptr) continue;
    for (size_t i = kChunkWords; i-- > 0;) {
      const uint64_t v = chunks_[c]->words[i];
      if (v != 0) return (c * kChunkWords + i) * 64 + 64 - std::countl_zero(v);
    }
  }
  return 0;
}

FreeRangeSet::Coverage FreeRangeSet::MapCover(uint64_t start, uint64_t end) const {
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= end) return Coverage::kFull;
    if (prev->second > start) return Coverage::kPartial;
  } else if (start >= end) {
    // No range of the map starts at or below `start`: the last one of the bitmap does (it
    // ends by kBitmapPfns <= start, so it cannot hold `start` itself).
    const uint64_t bitmap_end = BitmapEnd();
    if (bitmap_end > 0 && bitmap_end >= end) return Coverage::kFull;
  }
  return it != ranges_.end() && it->first < end ? Coverage::kPartial : Coverage::kNone;
}

void FreeRangeSet::MapInsert(uint64_t start, uint64_t end) {
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= start) {
      start = prev->first;
      end = std::max(end, prev->second);
      it = ranges_.erase(prev);
    }
  }
  while (it != ranges_.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(start, end);
}

void FreeRangeSet::MapErase(uint64_t start, uint64_t end) {
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin() && std::prev(it)->second > start) --it;
  uint64_t left_start = 0, left_end = 0, right_start = 0, right_end = 0;
  while (it != ranges_.end() && it->first < end) {
    if (it->first < start) {
      left_start = it->first;
      left_end = start;
    }
    if (it->second > end) {
      right_start = end;
      right_end = it->second;
    }
    it = ranges_.erase(it);
  }
  // Inserted after the loop: btree insertion invalidates iterators.
  if (left_end > left_start) ranges_.emplace(left_start, left_end);
  if (right_end > right_start) ranges_.emplace(right_start, right_end);
}

bool FreeRangeSet::Contains(uint64_t start, uint64_t end) const {
  return Cover(start, end) == Coverage::kFull;
}

bool FreeRangeSet::Overlaps(uint64_t start, uint64_t end) const {
  return Cover(start, end) != Coverage::kNone;
}

FreeRangeSet::Coverage FreeRangeSet::Cover(uint64_t start, uint64_t end) const {
  if (start >= end || start >= kBitmapPfns) return MapCover(start, end);
  if (end <= kBitmapPfns) return BitmapCover(start, end);
  return Combine(BitmapCover(start, kBitmapPfns), MapCover(kBitmapPfns, end));
}

void FreeRangeSet::Insert(uint64_t start, uint64_t end) {
  if (start >= end || start >= kBitmapPfns) return MapInsert(start, end);
  BitmapSet(start, std::min(end, kBitmapPfns));
  if (end > kBitmapPfns) MapInsert(kBitmapPfns, end);
}

void FreeRangeSet::Erase(uint64_t start, uint64_t end) {
  if (start >= end || start >= kBitmapPfns) return MapErase(start, end);
  BitmapClear(start, std::min(end, kBitmapPfns));
  if (end > kBitmapPfns) MapErase(kBitmapPfns, end);
}

std::vector<std::pair<uint64_t, uint64_t>> FreeRangeSet::Ranges() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  auto add = [&out](uint64_t start, uint64_t end) {
    if (!out.empty() && out.back().second == start && start < end) {
      out.back().second = end;
    } else {
      out.emplace_back(start, end);
    }
  };
  for (size_t c = 0; c < chunks_.size(); ++c) {
    if (chunks_[c] == nullptr) continue;
    for (size_t i = 0; i < kChunkWords; ++i) {
      const uint64_t v = chunks_[c]->words[i];
      for (int b = 0; b < 64; ++b) {
        if ((v >> b) & 1) {
          const uint64_t pfn = (c * kChunkWords + i) * 64 + b;
          add(pfn, pfn + 1);
        }
      }
    }
  }
  for (const auto& [start, end] : ranges_) add(start, end);
  return out;
}

}  // namespace memsim
