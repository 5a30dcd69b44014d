// StructPageModel: one fixed-size `struct page` per 4 KiB page in a node-local vmemmap,
// each descriptor type either overlaying the struct page slot(s) or allocated separately.
// Registered three times:
//   page64      64-byte struct page (include/linux/mm_types.h, 64-bit, no debug options);
//               a folio overlays page[0..3] (256 bytes); no separate descriptors.
//   page32      the 32-byte interim struct page ("halves the size of memmap"); a folio still
//               spans 256 bytes, page[0..7]; no separate descriptors.
//   transition  64 or 32 bytes per page, and per owner type a separately allocated
//               descriptor (Options::separate) from a per-node slab cache (DescriptorTable)
//               or the slot, as today: the steps between page64 and memdesc
//               (transition_model.h builds it from TransitionConfig).
//
// Field offsets used (page64 / page32): flags 0 / 0, compound_head (lru) 8 / 8,
// private 40 / 24, _mapcount (page_type) 48 / 16, _refcount 52 / 20; folio's
// _large_mapcount lives in page[1] at offset 16.
//
// Emitted accesses and the kernel path each stands for (a(p) = struct page of pfn p):
// Alloc (mm/page_alloc.c):
//   - each free block taken off a list: write struct page at a(head)
//       [del_page_from_free_list: list_del(lru), __ClearPageBuddy, set_page_private(0)]
//   - each half the split returns: write struct page at a(half)
//       [expand(): __add_to_free_list + set_buddy_order]
//   - the new block's head: write struct page [post_alloc_hook: set_page_refcounted ...]
//   - compound (order > 0, __GFP_COMP owners): write page[1..3] whole (folio fields,
//       prep_compound_head) and every other tail's [8, 48) / [8, 32)
//       [prep_compound_tail: compound_head, TAIL_MAPPING, private] — 2^order lines
//       for a page64 folio. Non-compound order > 0: the head only.
//   - HVO (option, hugetlb folios whose vmemmap spans > 1 page): tails are written
//       before hugetlb_vmemmap_optimize remaps them; afterwards every tail struct page
//       aliases the head's vmemmap page; (vmemmap pages - 1) * 4 KiB counted as saved.
// Free:
//   - HVO folio: write the restored vmemmap pages whole [hugetlb_vmemmap_restore]
//   - compound: every tail's [8, 48) [free_tail_page_prepare], head whole;
//     non-compound order > 0: flags word of every page [free_pages_prepare clears
//     PAGE_FLAGS_CHECK_AT_PREP per page]; order 0: head whole.
//   - each buddy check: read struct page at a(buddy) [page_is_buddy: PageBuddy,
//     buddy_order, zone]; merged: write it [del_page_from_free_list]
//   - final block: write struct page at a(head) [set_buddy_order + __add_to_free_list]
// Per-CPU lists (op.pcp.used; PcpEmitter, links in struct page's lru at a(p) + 8):
//   alloc: pcp lock [rmqueue_pcplist]; refill: zone lock once per batch + the buddy work
//     above [rmqueue_bulk -> __rmqueue]; list_add_tail + list_del of the block
//     [__rmqueue_pcplist]; count + unlock; then post_alloc_hook / prep_compound_page.
//   free: teardown as above [free_unref_page_prepare -> free_pages_prepare]; pcp lock;
//     list_add; drain if count >= high [free_pcppages_bulk]: zone lock, per block list_del
//     (list_last_entry), read struct page [bulkfree_pcp_prepare -> check_free_page], the
//     buddy checks and final write [__free_one_page]; count + unlock.
// Lookup: read flags+compound_head (16 B) of the pfn's struct page [page_folio()];
//   a tail also reads the head's (16 B) [folio_test_*()].
// MapCount: atomic _refcount of the head [folio_get/put]; atomic _mapcount of the head
//   (order 0) or _large_mapcount in page[1] (large folio) [folio_add/remove_rmap_ptes].
// Migrate (mm/migrate.c): read src head whole (+ page[1] if large) [migrate_folio_unmap],
//   atomic src _refcount [folio_ref_freeze in __folio_migrate_mapping], dst allocation
//   as Alloc if PhysMem allocated it, write dst head (+ page[1]) [folio_migrate_flags,
//   mapping/index copy], write src head [old folio's mapping cleared]; source free as Free.
// CompactionScan (mm/compaction.c): one struct page read per pfn examined; at a buddy
//   head skip the block [PageBuddy + buddy_order]; at a compound head read page[1]'s
//   order word and skip the folio [PageCompound + compound_order]; tails and order-0
//   pages step by one. The free scanner skips a compound folio only if it ends inside the
//   range [isolate_freepages_block].
// Isolate (mm/compaction.c; blocks chosen by IsolationTargets; "dep" = depends_on_previous):
//   migrate scanner, per folio: atomic 4 B _refcount [folio_try_get], not dep; atomic 8 B
//     flags [folio_test_clear_lru]; the first folio takes the lruvec lock (atomic 4 B,
//     folio_lruvec_relock_irqsave); read 16 B lru [lruvec_del_folio -> list_del]; write
//     16 B lru, not dep [list_add to cc->migratepages]. LRU neighbours are not known.
//   free scanner: atomic zone->lock once [compact_lock_irqsave], then per free block: read
//     16 B lru, not dep [list_del in del_page_from_free_list]; write struct page, not dep
//     [__ClearPageBuddy, set_page_private(0)]; write 16 B lru and 8 B private, not dep
//     [set_page_private(page, order), list_add_tail(&page->lru, freelist)].
//   Each ends with the lock's release (write 4 B), not dep.
//
// A type with a separately allocated descriptor D (transition model; kernelnewbies
// MatthewWilcox/FolioAlloc: kmem_cache_alloc, then alloc_page_desc sets every page's
// memdesc): alloc: the buddy work as above, the slab accesses of DescriptorTable, write D
// whole [descriptor init], write the head's slot whole [post_alloc_hook] and the 8-byte
// memdesc word (@8, where compound_head was) of every other page, independent — no
// page[1..3] folio fields. Free: D released (slab free pointer), the words and the head's
// slot rewritten, then the buddy work. Lookup: 16 B of the slot, then 16 B of D (the
// pointer chase replaces the head's struct page). MapCount: atomics at D+52 / D+48 (a
// descriptor below 56 B keeps them in its last 8 bytes). Migrate: read the source slot,
// 16 B of D, atomic D refcount; the destination's buddy work and words; D moves to the
// destination (write its pfn @16); a descriptor the destination had is released.
// Compaction scan: a separate folio's order comes from D (8 B, dependent) instead of
// page[1]; under the migrate scanner an order-0 folio reads D's flags (PG_lru lives in
// the folio). Isolate: the atomics and LRU links (@24) are D's.
//
// HVO variants: per hugetlb page size (hvo_2mib / hvo_1gib), and where the freed tail
// vmemmap pages point: the folio's own first vmemmap page (PER_FOLIO) or one read-only
// page of tail struct pages per (node or zone, order) (SHARED_PER_*), placed at
// end(n) - 2 MiB - (1 + 2 * (zone % 128) + (order >= 18)) * 4 KiB; the shared page
// counts 4 KiB against the savings while an HVO folio of its key is live.
#ifndef MEMSIM_SIM_MEMMAP_STRUCT_PAGE_MODEL_H_
#define MEMSIM_SIM_MEMMAP_STRUCT_PAGE_MODEL_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/descriptor_table.h"
#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/pcp_emitter.h"

namespace memsim::memmap {

class StructPageModel : public MemmapModel {
 public:
  struct Options {
    std::string name = "page64";
    uint32_t struct_page_bytes = 64;  // 64 or 32
    uint64_t section_pages = 32768;   // 128 MiB of 4 KiB pages
    bool hvo_hugetlb = false;
    bool write_tail_pages = true;
    bool hvo_2mib = true;  // HVO for hugetlb orders < 18
    bool hvo_1gib = true;  // HVO for hugetlb orders >= 18
    config::StructPageConfig::HvoTail hvo_tail = config::StructPageConfig::PER_FOLIO;
    // Per owner type: a separately allocated descriptor (bytes > 0) or the slot (0).
    struct Separate {
      uint32_t bytes = 0;
      uint32_t align_bytes = 16;
      std::string cache;  // types naming the same cache share it
      bool cpu_node = false;
    };
    std::array<Separate, 32> separate{};
    uint32_t slab_page_order = 0;
    // Memdesc tag value per owner type, for reports and tests (no access depends on it).
    std::array<std::optional<uint32_t>, 32> tag{};
  };

  StructPageModel(const std::vector<mm::NodeLayout>& nodes, Options options);

  // Vmemmap pages of one folio of 2^order pages and how many HVO frees
  // (HUGETLB_VMEMMAP_RESERVE_SIZE = one page kept). 0 if the vmemmap fits one page.
  static uint64_t HvoFreedPages(uint32_t order, uint32_t struct_page_bytes);
  // Whether the kernel makes a compound page for this owner at this order (__GFP_COMP).
  static bool IsCompound(trace::OwnerType owner, uint32_t order);
  // Offsets of refcount / mapcount in a separate descriptor of `bytes` (>= 16).
  static uint32_t DescriptorRefcountOffset(uint32_t bytes) { return bytes >= 56 ? 52 : bytes - 4; }
  static uint32_t DescriptorMapcountOffset(uint32_t bytes) { return bytes >= 56 ? 48 : bytes - 8; }

  // Whether `owner` has a separately allocated descriptor.
  bool IsSeparate(trace::OwnerType owner) const {
    return table_ != nullptr && table_->HasDescriptor(owner);
  }
  std::optional<uint32_t> TagOf(trace::OwnerType owner) const { return options_.tag[owner]; }
  // REQUIRES: some type is separate.
  const DescriptorTable& descriptors() const { return *table_; }

  std::string_view name() const override { return options_.name; }
  uint32_t per_page_bytes() const override { return options_.struct_page_bytes; }
  void Seed(const mm::PhysMem& mem, uint64_t time_ns) override;
  void Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
              AccessBuffer& out) override;
  void MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                AccessBuffer& out) override;
  void Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) override;
  ScanResult CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                            trace::ScannerKind scanner, const OpContext& ctx,
                            AccessBuffer& out) override;
  IsolationResult Isolate(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                          trace::ScannerKind scanner, uint64_t nr_taken, const OpContext& ctx,
                          AccessBuffer& out) override;
  const OverheadTracker& overhead() const override { return overhead_; }
  void Finish(uint64_t time_ns) override { overhead_.Finish(time_ns); }

 private:
  bool IsHvo(const mm::BlockInfo& b) const;
  // Physical address of pfn's struct page, honouring HVO aliasing of `block`'s tails.
  uint64_t PageAddr(const mm::BlockInfo& block, uint64_t pfn) const;
  void Page(AccessBuffer& out, uint32_t node, uint64_t pfn, uint32_t offset, uint32_t bytes,
            AccessKind kind, bool depends_on_previous = true) const {
    out.Push(layout_.Addr(node, pfn) + offset, bytes, kind, depends_on_previous);
  }
  void InitBlock(const mm::BlockInfo& b, const OpContext& ctx, bool with_descriptor,
                 AccessBuffer& out);
  // Alloc's body; with_descriptor false: a migration destination, whose descriptor is
  // the source's (separate types only).
  void AllocBlock(const mm::AllocResult& op, const OpContext& ctx, bool with_descriptor,
                  AccessBuffer& out);
  void MigrateSeparate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out);
  // HVO bookkeeping of one folio becoming / ceasing to be optimised (savings, shared tail).
  void HvoStart(const mm::BlockInfo& b, uint64_t time_ns);
  void HvoEnd(uint32_t node, uint64_t head_pfn, uint32_t order, uint64_t time_ns);
  // Key of a shared tail page: (node, zone or 0, order >= 18).
  uint64_t HvoTailKey(uint32_t node, uint32_t zone, uint32_t order) const;
  uint64_t HvoTailAddr(uint64_t key) const;
  // __free_one_page: read each buddy, write it if merged, write the final block's head.
  void Merge(uint32_t node, const mm::BuddyCheck* begin, const mm::BuddyCheck* end,
             const mm::BuddyBlock& final_block, AccessBuffer& out) const;
  // free_unref_page_commit (+ free_pcppages_bulk) of a free onto a pcp list.
  void PcpFree(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) const;
  void TeardownPiece(const mm::Piece& p, const OpContext& ctx, AccessBuffer& out);

  Options options_;
  MemmapLayout layout_;
  PcpEmitter pcp_;
  OverheadTracker overhead_;
  uint32_t folio_pages_;  // struct pages a folio overlays (256 B / struct_page_bytes)
  uint32_t tail_bytes_;   // bytes prep_compound_tail writes from offset 8
  uint32_t private_off_, mapcount_off_, refcount_off_;
  std::vector<mm::BlockInfo> isolated_;     // scratch of Isolate
  std::unique_ptr<DescriptorTable> table_;  // only if some type is separate
  // Shared HVO tails: live HVO folios per key, and each live HVO folio's key by head pfn.
  absl::flat_hash_map<uint64_t, uint64_t> hvo_tail_users_;
  absl::flat_hash_map<uint64_t, uint64_t> hvo_key_of_head_;
};

// Registered validators (the `page64` / `page32` config) and factories of the two sizes.
absl::Status ValidatePage64Config(const config::MemmapModelConfig& config);
absl::Status ValidatePage32Config(const config::MemmapModelConfig& config);
absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage64Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);
absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage32Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);
// StructPageConfig fields shared by page64, page32 and transition.
void ApplyStructPageConfig(const config::StructPageConfig& c, StructPageModel::Options& o);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_STRUCT_PAGE_MODEL_H_
