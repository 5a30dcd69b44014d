#include "sim/trace/import/held_blocks.h"

#include <bit>

namespace memsim {

HeldBlocks::HeldBlocks() = default;
HeldBlocks::~HeldBlocks() = default;
HeldBlocks::HeldBlocks(HeldBlocks&&) noexcept = default;
HeldBlocks& HeldBlocks::operator=(HeldBlocks&&) noexcept = default;

void HeldBlocks::Set(uint64_t head, uint32_t order) {
  if (head >= kBitmapPfns) {
    auto [it, inserted] = above_.insert_or_assign(head, order);
    if (inserted) ++size_;
    return;
  }
  const uint64_t c = head / kChunkPfns;
  if (c >= chunks_.size()) chunks_.resize(c + 1);
  if (chunks_[c] == nullptr) chunks_[c] = std::make_unique<Chunk>();
  Chunk& chunk = *chunks_[c];
  const uint64_t w = (head / 64) % kChunkWords;
  const uint64_t bit = uint64_t{1} << (head % 64);
  if ((chunk.heads[w] & bit) == 0) {
    chunk.heads[w] |= bit;
    ++chunk.count;
    ++size_;
  }
  if (order != 0) {
    chunk.big[w] |= bit;
    big_orders_[head] = order;
  } else if ((chunk.big[w] & bit) != 0) {
    chunk.big[w] &= ~bit;
    big_orders_.erase(head);
  }
}

void HeldBlocks::Erase(uint64_t head) {
  if (head >= kBitmapPfns) {
    size_ -= above_.erase(head);
    return;
  }
  const uint64_t c = head / kChunkPfns;
  if (c >= chunks_.size() || chunks_[c] == nullptr) return;
  Chunk& chunk = *chunks_[c];
  const uint64_t w = (head / 64) % kChunkWords;
  const uint64_t bit = uint64_t{1} << (head % 64);
  if ((chunk.heads[w] & bit) == 0) return;
  chunk.heads[w] &= ~bit;
  --chunk.count;
  --size_;
  if ((chunk.big[w] & bit) != 0) {
    chunk.big[w] &= ~bit;
    big_orders_.erase(head);
  }
}

HeldBlocks::Block HeldBlocks::At(const Chunk& chunk, uint64_t head) const {
  const uint64_t w = (head / 64) % kChunkWords;
  if ((chunk.big[w] >> (head % 64) & 1) == 0) return Block{head, 0};
  return Block{head, big_orders_.at(head)};
}

std::optional<HeldBlocks::Block> HeldBlocks::Last(uint64_t pfn, uint64_t floor) const {
  if (pfn < floor) return std::nullopt;
  if (pfn >= kBitmapPfns) {
    auto it = above_.upper_bound(pfn);
    if (it != above_.begin()) {
      --it;  // the highest head at or below pfn: any lower one is lower still
      if (it->first < floor) return std::nullopt;
      return Block{it->first, it->second};
    }
    if (floor >= kBitmapPfns) return std::nullopt;
    pfn = kBitmapPfns - 1;
  }
  if (chunks_.empty()) return std::nullopt;
  const uint64_t floor_word = floor / 64;
  uint64_t w = pfn / 64;
  // The bits of word w at or below pfn.
  uint64_t mask = pfn % 64 == 63 ? ~uint64_t{0} : (uint64_t{1} << (pfn % 64 + 1)) - 1;
  if (w / kChunkWords >= chunks_.size()) {
    w = chunks_.size() * kChunkWords - 1;
    mask = ~uint64_t{0};
    if (w < floor_word) return std::nullopt;
  }
  while (true) {
    const uint64_t c = w / kChunkWords;
    const Chunk* chunk = chunks_[c].get();
    if (chunk == nullptr || chunk->count == 0) {
      // On to the last word of the chunk before, if it reaches the floor.
      if (c * kChunkWords <= floor_word) return std::nullopt;
      w = c * kChunkWords - 1;
      mask = ~uint64_t{0};
      continue;
    }
    uint64_t v = chunk->heads[w % kChunkWords] & mask;
    if (w == floor_word) v &= ~uint64_t{0} << (floor % 64);
    if (v != 0) return At(*chunk, w * 64 + 63 - std::countl_zero(v));
    if (w == floor_word) return std::nullopt;
    --w;
    mask = ~uint64_t{0};
  }
}

}  // namespace memsim
