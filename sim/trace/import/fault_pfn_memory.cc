#include "sim/trace/import/fault_pfn_memory.h"

#include <vector>

namespace memsim {
namespace {
constexpr uint64_t kNone = ~uint64_t{0};
}  // namespace

void FaultPfnMemory::Remember(int32_t pid, uint64_t address, uint64_t pfn) {
  const Key key{pid, address >> 12};
  auto [it, inserted] = by_page_.try_emplace(key, pfn);
  if (!inserted) {
    if (it->second == pfn) return;
    auto old = by_pfn_.find(it->second);
    if (old != by_pfn_.end() && old->second == key) by_pfn_.erase(old);
    it->second = pfn;
  }
  auto [p, fresh] = by_pfn_.try_emplace(pfn, key);
  if (!fresh) {
    // One page per pfn is remembered (the last to get it): Forget finds it by the pfn.
    if (p->second != key) by_page_.erase(p->second);
    p->second = key;
  }
}

uint64_t FaultPfnMemory::Recall(int32_t pid, uint64_t address) const {
  auto it = by_page_.find(Key{pid, address >> 12});
  return it == by_page_.end() ? kNone : it->second;
}

void FaultPfnMemory::Forget(uint64_t start, uint64_t end) {
  if (by_pfn_.empty() || end <= start) return;
  if (end - start > by_pfn_.size()) {
    std::vector<uint64_t> gone;
    for (const auto& [pfn, key] : by_pfn_) {
      if (pfn >= start && pfn < end) gone.push_back(pfn);
    }
    for (uint64_t pfn : gone) {
      by_page_.erase(by_pfn_[pfn]);
      by_pfn_.erase(pfn);
    }
    return;
  }
  for (uint64_t pfn = start; pfn < end; ++pfn) {
    auto it = by_pfn_.find(pfn);
    if (it == by_pfn_.end()) continue;
    by_page_.erase(it->second);
    by_pfn_.erase(it);
  }
}

}  // namespace memsim
