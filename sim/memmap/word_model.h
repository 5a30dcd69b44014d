// WordModel: what the two word-per-page designs share. memdesc and allocatee both keep one
// 8-byte word per page in a node-local array (MemmapLayout) and allocate descriptors from
// per-node slab caches (DescriptorTable). They differ in what the word can say: a memdesc word
// carries the type and the buddy order, an allocatee word is a bare pointer. So the free path
// of an allocatee must read the buddy's own free page to learn its order (see FreeBlocks).
//
// Accesses emitted here (kernel code paths as in memdesc_model.h / allocatee_model.h):
//   buddy split (expand() / del_page_from_free_list): for each free block taken off or put
//     back, write its head word and its free-list links in the free page itself;
//   free (__free_one_page): release the descriptors of the freed blocks, rewrite their words,
//     read each buddy's word (and free page if the word has no order), write word + links on
//     a merge, write the final block's head word and links;
//   lookup (page_folio()-like): read the word, then the descriptor's first 16 bytes;
//   per-CPU lists (PcpEmitter, links in the free page, F(p)): as struct page's (see
//     struct_page_model.h), a drained block's check_free_page reading its word.
#ifndef MEMSIM_SIM_MEMMAP_WORD_MODEL_H_
#define MEMSIM_SIM_MEMMAP_WORD_MODEL_H_

#include <cstdint>
#include <vector>

#include "proto/memmap.pb.h"
#include "sim/memmap/descriptor_table.h"
#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/pcp_emitter.h"

namespace memsim::memmap {

class WordModel : public MemmapModel {
 public:
  uint32_t per_page_bytes() const override { return 8; }
  void Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
              AccessBuffer& out) override;
  // Atomics on the descriptor's refcount and mapcount (folio_get/put, rmap add/remove).
  void MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                AccessBuffer& out) override;
  // As StructPageModel::Isolate, on words and descriptors: migrate scanner per folio:
  // atomic refcount and flags (D+0) of the descriptor, lruvec lock, read / write the lru
  // links at D + lru_offset_; free scanner per block: read F(p) (links), write the word
  // (buddy tag cleared, order kept for the isolated page), write F(p) [list_add_tail].
  IsolationResult Isolate(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                          trace::ScannerKind scanner, uint64_t nr_taken, const OpContext& ctx,
                          AccessBuffer& out) override;
  const OverheadTracker& overhead() const override { return overhead_; }
  void Finish(uint64_t time_ns) override { overhead_.Finish(time_ns); }

  const DescriptorTable& descriptors() const { return table_; }

 protected:
  // Descriptor sizes are set by the subclass (table_.SetBytes). The offsets are those of
  // the refcount and mapcount fields in the subclass's descriptor layout.
  WordModel(const std::vector<mm::NodeLayout>& nodes, uint32_t section_mib,
            const config::DescriptorSlabConfig& slab, config::DescriptorPlacement::Node placement,
            uint32_t refcount_offset, uint32_t mapcount_offset);

  uint32_t DescriptorNode(uint32_t memory_node, const OpContext& ctx) const;
  void Word(AccessBuffer& out, uint32_t node, uint64_t pfn, AccessKind kind,
            bool depends_on_previous = true) const {
    out.Push(layout_.Addr(node, pfn), 8, kind, depends_on_previous);
  }
  void Words(AccessBuffer& out, uint32_t node, uint64_t pfn, uint64_t pages) const {
    out.PushLines(layout_.Addr(node, pfn), pages * 8, AccessKind::kWrite);
  }
  static void FreePage(AccessBuffer& out, uint64_t pfn, AccessKind kind,
                       bool depends_on_previous = true) {
    out.Push(pfn << mm::kPageShift, 16, kind, depends_on_previous);
  }
  void BuddySplit(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out);

  // The descriptors a migration finds: the source's (if its block is allocated and has one)
  // and the one the destination already has.
  struct MigrateDescriptors {
    bool src = false;
    uint64_t src_handle = 0;
    bool dst = false;
    uint64_t dst_handle = 0;
  };
  // A migration's start: read w(src) and, where the source has a descriptor, its first 16
  // bytes and an atomic on its refcount (the reference migration takes); the destination's
  // buddy split when the destination was allocated for it.
  MigrateDescriptors BeginMigrate(const mm::MigrateResult& op, const OpContext& ctx,
                                  AccessBuffer& out);
  // The source's descriptor follows the folio: a descriptor the destination had is released,
  // the source's moves to the destination and its pfn field (at `pfn_offset`) is rewritten.
  // REQUIRES: d.src.
  void MoveDescriptor(const mm::MigrateResult& op, const MigrateDescriptors& d, uint32_t pfn_offset,
                      const OpContext& ctx, AccessBuffer& out);
  // A migration's end: the destination's words written; the source freed if the op freed it.
  void EndMigrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out);
  // The whole free path; `word_has_order` false also reads each checked buddy's free page.
  void FreeBlocks(const mm::FreeResult& op, const OpContext& ctx, bool word_has_order,
                  AccessBuffer& out);

  MemmapLayout layout_;
  // Offset of the LRU list_head in a folio descriptor (set by the subclass's layout).
  uint32_t lru_offset_ = 24;
  PcpEmitter pcp_;
  OverheadTracker overhead_;
  DescriptorTable table_;

 private:
  // __free_one_page's checks in [begin, end) and the final block's head word and links.
  void Merge(uint32_t node, const mm::BuddyCheck* begin, const mm::BuddyCheck* end,
             const mm::BuddyBlock* final_block, bool word_has_order, AccessBuffer& out) const;
  config::DescriptorPlacement::Node placement_;
  uint32_t refcount_offset_;
  uint32_t mapcount_offset_;
  std::vector<mm::BlockInfo> isolated_;  // scratch of Isolate
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_WORD_MODEL_H_
