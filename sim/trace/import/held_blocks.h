// HeldBlocks: the blocks a traced allocation or migration holds, as head pfn -> order, with
// the one ordered query MigrationInference needs (the block with the highest head at or
// below a pfn).
//
// Heads below kBitmapPfns (1 TiB of 4 KiB pages) are bits of a bitmap in 4096-pfn chunks
// allocated on first use (1 KiB each, at most 64 MiB in all; a few hundred KiB for a machine
// of tens of GiB), with a second bit marking the heads of order > 0, whose orders are kept
// in a hash map: setting or erasing an order-0 block is a word update, where an ordered map
// cost a tree descent per alloc and free. Heads from kBitmapPfns on are kept in an ordered
// map.
#ifndef MEMSIM_SIM_TRACE_IMPORT_HELD_BLOCKS_H_
#define MEMSIM_SIM_TRACE_IMPORT_HELD_BLOCKS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"

namespace memsim {

class HeldBlocks {
 public:
  static constexpr uint64_t kBitmapPfns = uint64_t{1} << 28;

  HeldBlocks();
  ~HeldBlocks();
  HeldBlocks(HeldBlocks&&) noexcept;
  HeldBlocks& operator=(HeldBlocks&&) noexcept;

  struct Block {
    uint64_t head;
    uint32_t order;
    bool operator==(const Block&) const = default;
  };

  // The block at `head` is held with `order` (replacing the order it had, if any).
  void Set(uint64_t head, uint32_t order);
  // The block at `head` is no longer held; nothing if it was not.
  void Erase(uint64_t head);
  // Start loading the words of `head` (a hint to the cache: no effect on the answers).
  void Prefetch(uint64_t head) const {
    const uint64_t c = head / kChunkPfns;
    if (head < kBitmapPfns && c < chunks_.size() && chunks_[c] != nullptr) {
      __builtin_prefetch(&chunks_[c]->heads[head % kChunkPfns / 64]);
      __builtin_prefetch(&chunks_[c]->big[head % kChunkPfns / 64]);
    }
  }
  // The held block with the highest head in [floor, pfn], if any.
  std::optional<Block> Last(uint64_t pfn, uint64_t floor) const;
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kChunkPfns = 4096;
  static constexpr uint64_t kChunkWords = kChunkPfns / 64;
  struct Chunk {
    uint64_t heads[kChunkWords] = {};
    uint64_t big[kChunkWords] = {};  // heads of order > 0 (their order: big_orders_)
    uint32_t count = 0;              // heads in the chunk
  };
  Block At(const Chunk& chunk, uint64_t head) const;

  std::vector<std::unique_ptr<Chunk>> chunks_;  // by pfn / kChunkPfns, grown on demand
  absl::flat_hash_map<uint64_t, uint32_t> big_orders_;
  absl::btree_map<uint64_t, uint32_t> above_;  // heads >= kBitmapPfns -> order
  size_t size_ = 0;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_HELD_BLOCKS_H_
