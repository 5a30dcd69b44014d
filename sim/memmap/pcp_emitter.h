// PcpEmitter: the accesses of the per-CPU page list work of one alloc or free (mm::PcpOps,
// decided by mm::PerCpuPages), shared by every model. Models differ only in where a listed
// block's links live: struct page's lru (page64/page32: a(p) + 8) or the free page itself
// (memdesc/allocatee: F(p) = p * 4096, the first 16 bytes). Addresses of struct
// per_cpu_pages and zone->lock: MemmapLayout::PcpAddr / ZoneLockAddr.
//
// struct per_cpu_pages (include/linux/mmzone.h, 64-bit): lock @0, count @4, high @8,
// batch @12, free_factor @16, lists[13] @24 (16 B each: next @0, prev @8).
// Accesses (P = the pcp struct, H = P + 24 + 16 * pindex, L(p) = links of block p;
// "dep" = depends_on_previous):
//   Lock     atomic 4 B P [pcp_spin_trylock_irqsave], not dep (this_cpu_ptr needs no load)
//   ZoneLock atomic 4 B zone->lock [spin_lock in rmqueue_bulk / free_pcppages_bulk], not dep
//   list_add(p) between prev and next [__list_add]: read the head's next (front) or prev
//     (tail) 8 B, dep; write next->prev 8 B, dep (its address came from that read);
//     write L(p) 16 B, not dep; write prev->next 8 B, not dep
//   list_del(p) [list_del]: read the head's next (list_first_entry) or prev
//     (list_last_entry) 8 B, dep; read L(p) 16 B, dep; write next->prev 8 B, dep; write
//     prev->next 8 B, not dep; write L(p) 16 B (LIST_POISON1/2), not dep
//   Unlock   write 4 B P + 4 (pcp->count) and 4 B P (spin_unlock), not dep
#ifndef MEMSIM_SIM_MEMMAP_PCP_EMITTER_H_
#define MEMSIM_SIM_MEMMAP_PCP_EMITTER_H_

#include <cstdint>

#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/metadata_access.h"
#include "sim/mm/mm_types.h"

namespace memsim::memmap {

class PcpEmitter {
 public:
  static constexpr uint32_t kCountOffset = 4;
  static constexpr uint32_t kListsOffset = 24;

  // links_in_page: a block's links are the first 16 bytes of the block itself (word
  // models); otherwise struct page's lru at a(p) + 8. `layout` must outlive the emitter.
  PcpEmitter(const MemmapLayout* layout, bool links_in_page)
      : layout_(layout), links_in_page_(links_in_page) {}

  uint64_t Pcp(const mm::PcpOps& ops, const OpContext& ctx) const {
    return layout_->PcpAddr(ctx.cpu_node, ctx.cpu, ops.zone);
  }
  uint64_t Head(const mm::PcpOps& ops, const OpContext& ctx) const {
    return Pcp(ops, ctx) + kListsOffset + 16 * uint64_t{ops.pindex};
  }
  uint64_t Links(uint32_t node, uint64_t pfn) const {
    return links_in_page_ ? pfn << mm::kPageShift : layout_->Addr(node, pfn) + 8;
  }

  void Lock(const mm::PcpOps& ops, const OpContext& ctx, AccessBuffer& out) const {
    out.Push(Pcp(ops, ctx), 4, AccessKind::kAtomic, false);
  }
  void ZoneLock(uint32_t zone_node, const mm::PcpOps& ops, AccessBuffer& out) const {
    out.Push(layout_->ZoneLockAddr(zone_node, ops.zone), 4, AccessKind::kAtomic, false);
  }
  // One list_add / list_del on the list of `ops`; `node`: the blocks' node. from_tail: a
  // list_del of list_last_entry (free_pcppages_bulk).
  void List(const mm::PcpListOp& op, uint32_t node, const mm::PcpOps& ops, const OpContext& ctx,
            bool from_tail, AccessBuffer& out) const;
  void Unlock(const mm::PcpOps& ops, const OpContext& ctx, AccessBuffer& out) const {
    const uint64_t p = Pcp(ops, ctx);
    out.Push(p + kCountOffset, 4, AccessKind::kWrite, false);
    out.Push(p, 4, AccessKind::kWrite, false);
  }

 private:
  const MemmapLayout* layout_;
  bool links_in_page_;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_PCP_EMITTER_H_
