// MemdescModel: the planned replacement of struct page (Wilcox, "State Of The Page",
// Aug 2022; kernelnewbies MatthewWilcox/Memdescs): one 8-byte tagged word per page
// (bits 0-3 type: 0 misc, 1 buddy, 2 file folio, 3 anon folio, 4 KSM, 5 slab, 6 bump,
// 7 movable, 8 page table, 9 hwpoison, 10 percpu, 11 acctmem, 12 zpdesc, 13 managed;
// the rest a pointer to a 16-byte-aligned descriptor, or order/node/zone bits for the
// types without one), descriptors allocated separately from per-node slab caches.
//
// Static memmap = 8 B per page (0.1953125 % of RAM); descriptors are counted as slab
// bytes (live + waste of partially used slabs).
//
// Emitted accesses and the kernel path each stands for (w(p) = word of pfn p, D = the
// block's descriptor, F(p) = first 16 bytes of free page p's own memory, which holds the
// buddy list links once struct page's lru is gone):
// Alloc:
//   - each free block taken: write w(head) [clear buddy tag], write F(head) [list_del]
//       (del_page_from_free_list)
//   - each half the split returns: write w(half) [buddy tag + order], write F(half)
//       [list_add] (expand)
//   - a descriptor, if the type has one, from the node's cache (memory node or the
//       allocating CPU's node, by option): slab accesses (DescriptorTable), then write
//       the whole descriptor [folio/slab/ptdesc init]
//   - write every page's word, line by line [alloc_pages filling in the memdesc]: 2^order
//       * 8 bytes = 64 lines for an order-9 THP
// Free:
//   - descriptor freed (slab free pointer) and every page's word rewritten
//       [free_pages_prepare]
//   - each buddy check: read w(buddy) [page_is_buddy: tag + order in the word]; merged:
//       write w(buddy), write F(buddy) [del_page_from_free_list]
//   - final block: write w(head), write F(head) [set_buddy_order + __add_to_free_list]
// Lookup: read w(pfn); if the block has a descriptor read its first 16 bytes [flags]. No
//   head indirection: every page's word points at the descriptor.
// MapCount: atomic refcount (D+52) and mapcount (D+48) of the descriptor.
// Migrate: read w(src), read D (16 B), atomic D refcount [folio_ref_freeze]; buddy split
//   of the destination if PhysMem allocated it; keep mode (default): write D+16 (the
//   descriptor's pfn) and the destination's words -> D; reallocate mode: allocate D' on
//   the destination's node, read D whole, write D' whole, destination words -> D'.
// CompactionScan: read w(p) (8 pfns per line); buddy head: skip the block; any page of a
//   large block: skip to its end (order is in the word or known from the type); an
//   order-0 folio (anon/file/KSM/unknown) must read D's flags (LRU?) before deciding;
//   slab/page-table/misc pages are rejected from the word alone.
#ifndef MEMSIM_SIM_MEMMAP_MEMDESC_MODEL_H_
#define MEMSIM_SIM_MEMMAP_MEMDESC_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/descriptor_table.h"
#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/word_model.h"

namespace memsim::memmap {

class MemdescModel : public WordModel {
 public:
  // Descriptor field offsets (a folio descriptor keeps struct page's order of fields).
  static constexpr uint32_t kFlagsOffset = 0;
  static constexpr uint32_t kPfnOffset = 16;
  static constexpr uint32_t kLruOffset = 24;  // a folio's LRU list_head (WordModel default)
  static constexpr uint32_t kMapcountOffset = 48;
  static constexpr uint32_t kRefcountOffset = 52;

  // REQUIRES: config valid (ValidateMemdescConfig).
  MemdescModel(const std::vector<mm::NodeLayout>& nodes, const config::MemdescConfig& config);

  // The memdesc tag (bits 0-3 of the word) of an owner type.
  static uint32_t TagOf(trace::OwnerType owner);
  // Whether the migrate scanner must read the descriptor of an order-0 page of this type
  // to know if it is movable (folios on the LRU).
  static bool IsFolio(trace::OwnerType owner);

  std::string_view name() const override { return "memdesc"; }
  void Seed(const mm::PhysMem& mem, uint64_t time_ns) override;
  void Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) override;
  ScanResult CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                            trace::ScannerKind scanner, const OpContext& ctx,
                            AccessBuffer& out) override;

 private:
  void NewDescriptor(uint64_t head, trace::OwnerType owner, uint32_t node, const OpContext& ctx,
                     AccessBuffer& out);

  config::MemdescConfig config_;
};

// The registered validator of the `memdesc` config, and the factory.
absl::Status ValidateMemdescConfig(const config::MemmapModelConfig& config);
absl::StatusOr<std::unique_ptr<MemmapModel>> CreateMemdescModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMDESC_MODEL_H_
