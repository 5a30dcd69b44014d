// AllocateeModel: Wilcox's "allocatee" variant (seed 004, linux-mm Sep 2021): every
// struct page shrinks to one untyped 8-byte pointer to the owner of the allocation it
// belongs to; alloc_pages() is handed a pointer (a folio from slab, a vm_struct, ...) and
// fills it into each page. One descriptor per multi-page allocation; with
// vmalloc_area_pages > 0, consecutive vmalloc allocations of one CPU share one vm_struct
// ("every page allocated to a given vmalloc allocation would point to the same vm_struct").
//
// Unlike memdesc the word carries no type and no order: the owner's descriptor must be
// read to learn either, and a free page's order lives in the free page itself.
//
// Emitted accesses (w(p) word of pfn p, D the owner descriptor, F(p) first 16 bytes of
// free page p: list links + order):
// Alloc: each free block taken: write w(head), write F(head) [del_page_from_free_list];
//   each half returned: write w(half), write F(half) [expand]; a new descriptor (slab
//   accesses + whole-descriptor write) or, for a shared vm_struct, write of its page
//   array slot (D+24) [area->pages[i] = page]; every page's word, line by line.
// Free: descriptor released (freed with its last page), every word rewritten; each buddy
//   check: read w(buddy) and F(buddy) [is it free? of which order?]; merged: write both;
//   final block: write w(head), write F(head).
// Lookup: read w(pfn), read D's first 16 bytes (type, order, flags).
// MapCount: atomic refcount (D+8) and mapcount (D+12).
// Migrate: read w(src), read D, atomic D refcount; destination buddy split; write D+16
//   (the descriptor's pfn) and the destination's words. The descriptor always moves.
// CompactionScan: read w(p); a free page: read F(p) (only a head holds an order: skip the
//   block); an allocated page: read D (type and order: skip a large block, order-0 pages
//   step by one); unknown pages step by one.
#ifndef MEMSIM_SIM_MEMMAP_ALLOCATEE_MODEL_H_
#define MEMSIM_SIM_MEMMAP_ALLOCATEE_MODEL_H_

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/descriptor_table.h"
#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/word_model.h"

namespace memsim::memmap {

class AllocateeModel : public WordModel {
 public:
  static constexpr uint32_t kRefcountOffset = 8;
  static constexpr uint32_t kMapcountOffset = 12;
  static constexpr uint32_t kPfnOffset = 16;
  static constexpr uint32_t kPagesArrayOffset = 24;
  static constexpr uint32_t kLruOffset = 32;  // a folio's LRU list_head

  // REQUIRES: config valid (ValidateAllocateeConfig).
  AllocateeModel(const std::vector<mm::NodeLayout>& nodes, const config::AllocateeConfig& config);

  std::string_view name() const override { return "allocatee"; }
  void Seed(const mm::PhysMem& mem, uint64_t time_ns) override;
  void Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) override;
  void Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) override;
  ScanResult CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                            trace::ScannerKind scanner, const OpContext& ctx,
                            AccessBuffer& out) override;

 private:
  struct VmallocArea {
    uint64_t handle = 0;
    uint64_t pages_left = 0;
  };
  void AttachOwner(const mm::BlockInfo& b, const OpContext& ctx, AccessBuffer& out);

  config::AllocateeConfig config_;
  absl::flat_hash_map<uint32_t, VmallocArea> vmalloc_areas_;  // by CPU
};

// The registered validator of the `allocatee` config, and the factory.
absl::Status ValidateAllocateeConfig(const config::MemmapModelConfig& config);
absl::StatusOr<std::unique_ptr<MemmapModel>> CreateAllocateeModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_ALLOCATEE_MODEL_H_
