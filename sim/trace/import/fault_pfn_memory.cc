#include "sim/trace/import/fault_pfn_memory.h"

#include <algorithm>

namespace memsim {
namespace {
constexpr uint64_t kNone = ~uint64_t{0};
// The table is swept when it reaches this size, then when it has doubled since.
constexpr size_t kMinSweep = size_t{1} << 16;
// A version this high is renumbered before it grows: it never wraps around.
constexpr uint32_t kRenumberAt = ~uint32_t{0} - 1;
}  // namespace

FaultPfnMemory::FaultPfnMemory() : sweep_at_(kMinSweep) {}
FaultPfnMemory::~FaultPfnMemory() = default;

bool FaultPfnMemory::Holds(const Entry& e) const {
  if (e.pfn < kDirectPfns) {
    const uint64_t c = e.pfn >> kChunkShift;
    if (c >= chunks_.size() || chunks_[c] == nullptr) return false;
    const Chunk& chunk = *chunks_[c];
    const uint64_t i = e.pfn & (kChunkPfns - 1);
    return (chunk.held[i / 64] >> (i % 64) & 1) != 0 && chunk.version[i] == e.version;
  }
  auto it = high_.find(e.pfn);
  return it != high_.end() && it->second.held && it->second.version == e.version;
}

void FaultPfnMemory::Remember(int32_t pid, uint64_t address, uint64_t pfn) {
  auto [it, inserted] = by_page_.try_emplace(Key{pid, address >> 12}, Entry{pfn, 0});
  if (!inserted && it->second.pfn == pfn && Holds(it->second)) return;
  uint32_t* version;
  if (pfn < kDirectPfns) {
    const uint64_t c = pfn >> kChunkShift;
    if (c >= chunks_.size()) chunks_.resize(c + 1);
    if (chunks_[c] == nullptr) chunks_[c] = std::make_unique<Chunk>();
    Chunk& chunk = *chunks_[c];
    const uint64_t i = pfn & (kChunkPfns - 1);
    chunk.held[i / 64] |= uint64_t{1} << (i % 64);
    version = &chunk.version[i];
  } else {
    High& high = high_[pfn];
    high.held = true;
    version = &high.version;
  }
  if (*version >= kRenumberAt) Renumber(pfn, it->first, *version);
  // A new version: the page that held the pfn before (if any) no longer does.
  it->second = Entry{pfn, ++*version};
  if (by_page_.size() >= sweep_at_) Sweep();
}

uint64_t FaultPfnMemory::Recall(int32_t pid, uint64_t address) const {
  auto it = by_page_.find(Key{pid, address >> 12});
  return it != by_page_.end() && Holds(it->second) ? it->second.pfn : kNone;
}

void FaultPfnMemory::Forget(uint64_t start, uint64_t end) {
  if (end <= start) return;
  // The direct part, a word of bits at a time.
  const uint64_t direct_end = std::min(end, kDirectPfns);
  for (uint64_t pfn = start; pfn < direct_end;) {
    const uint64_t c = pfn >> kChunkShift;
    if (c >= chunks_.size()) break;
    const uint64_t chunk_end = std::min(direct_end, (c + 1) << kChunkShift);
    if (Chunk* chunk = chunks_[c].get()) {
      for (uint64_t p = pfn; p < chunk_end;) {
        const uint64_t i = p & (kChunkPfns - 1);
        const uint64_t bits = std::min<uint64_t>(64 - i % 64, chunk_end - p);
        const uint64_t mask = (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1) << (i % 64);
        chunk->held[i / 64] &= ~mask;
        p += bits;
      }
    }
    pfn = chunk_end;
  }
  if (end <= kDirectPfns || high_.empty()) return;
  const uint64_t from = std::max(start, kDirectPfns);
  if (end - from > high_.size()) {
    for (auto& [pfn, high] : high_) {
      if (pfn >= from && pfn < end) high.held = false;
    }
    return;
  }
  for (uint64_t pfn = from; pfn < end; ++pfn) {
    auto it = high_.find(pfn);
    if (it != high_.end()) it->second.held = false;
  }
}

size_t FaultPfnMemory::size() const {
  size_t n = 0;
  for (const auto& [key, entry] : by_page_) n += Holds(entry) ? 1 : 0;
  return n;
}

void FaultPfnMemory::Sweep() {
  absl::erase_if(by_page_, [this](const auto& kv) { return !Holds(kv.second); });
  sweep_at_ = std::max(kMinSweep, 2 * by_page_.size());
}

void FaultPfnMemory::Renumber(uint64_t pfn, const Key& keep, uint32_t& version) {
  // Every entry of the pfn but `keep` (the one being remembered) is about to be stale: they
  // go, so that no version they carry can come round again.
  for (auto it = by_page_.begin(); it != by_page_.end();) {
    if (it->second.pfn == pfn && it->first != keep) {
      by_page_.erase(it++);
    } else {
      ++it;
    }
  }
  version = 0;
}

}  // namespace memsim
