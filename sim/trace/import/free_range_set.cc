#include "sim/trace/import/free_range_set.h"

#include <algorithm>

namespace memsim {

bool FreeRangeSet::Contains(uint64_t start, uint64_t end) const {
  auto it = ranges_.upper_bound(start);
  if (it == ranges_.begin()) return false;
  --it;
  return it->second >= end;
}

bool FreeRangeSet::Overlaps(uint64_t start, uint64_t end) const {
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.end() && it->first < end) return true;
  if (it == ranges_.begin()) return false;
  --it;
  return it->second > start;
}

FreeRangeSet::Coverage FreeRangeSet::Cover(uint64_t start, uint64_t end) const {
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= end) return Coverage::kFull;
    if (prev->second > start) return Coverage::kPartial;
  }
  return it != ranges_.end() && it->first < end ? Coverage::kPartial : Coverage::kNone;
}

void FreeRangeSet::Insert(uint64_t start, uint64_t end) {
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

void FreeRangeSet::Erase(uint64_t start, uint64_t end) {
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

}  // namespace memsim
