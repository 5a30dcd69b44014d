#include "sim/memmap/word_model.h"

#include "sim/memmap/isolation_targets.h"
#include "sim/memmap/memmap_model_config.h"

namespace memsim::memmap {

WordModel::WordModel(const std::vector<mm::NodeLayout>& nodes, uint32_t section_mib,
                     const config::DescriptorSlabConfig& slab,
                     config::DescriptorPlacement::Node placement, uint32_t refcount_offset,
                     uint32_t mapcount_offset)
    : layout_(nodes, 8, uint64_t{section_mib} << (20 - mm::kPageShift)),
      pcp_(&layout_, /*links_in_page=*/true),
      overhead_(NodeRamBytes(nodes)),
      table_(&layout_, SlabOptionsFrom(slab), &overhead_),
      placement_(placement),
      refcount_offset_(refcount_offset),
      mapcount_offset_(mapcount_offset) {
  overhead_.SetMemmap(layout_);
}

uint32_t WordModel::DescriptorNode(uint32_t memory_node, const OpContext& ctx) const {
  if (placement_ == config::DescriptorPlacement::CPU_NODE && ctx.cpu_node < layout_.num_nodes()) {
    return ctx.cpu_node;
  }
  return memory_node;
}

WordModel::MigrateDescriptors WordModel::BeginMigrate(const mm::MigrateResult& op,
                                                      const OpContext& ctx, AccessBuffer& out) {
  const mm::BlockInfo& src = op.src;
  MigrateDescriptors d;
  d.src = src.state == mm::PageState::kAllocated && table_.Find(src.head_pfn, &d.src_handle);
  if (src.state != mm::PageState::kHole) Word(out, src.node, src.head_pfn, AccessKind::kRead);
  if (d.src) {
    out.Push(table_.Addr(d.src_handle), 16, AccessKind::kRead);
    out.Push(table_.Addr(d.src_handle) + refcount_offset_, 4, AccessKind::kAtomic);
  }
  if (op.dst_allocated_here) BuddySplit(op.dst_alloc, ctx, out);
  d.dst = table_.Find(op.dst.head_pfn, &d.dst_handle);
  return d;
}

void WordModel::MoveDescriptor(const mm::MigrateResult& op, const MigrateDescriptors& d,
                               uint32_t pfn_offset, const OpContext& ctx, AccessBuffer& out) {
  if (d.dst) table_.Release(op.dst.head_pfn, ctx.time_ns, &out);
  table_.Move(op.src.head_pfn, op.dst.head_pfn);
  out.Push(table_.Addr(d.src_handle) + pfn_offset, 8, AccessKind::kWrite);
}

void WordModel::EndMigrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) {
  Words(out, op.dst.node, op.dst.head_pfn, op.dst.pages());
  if (op.src_freed) Free(op.src_free, ctx, out);
}

void WordModel::BuddySplit(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) {
  const uint32_t node = op.block.node;
  for (const mm::Piece& p : op.displaced) {
    if (p.state != mm::PageState::kAllocated) continue;
    const uint64_t m = uint64_t{1} << p.order;
    for (uint64_t head = p.pfn; head < p.pfn + p.pages; head += m) {
      table_.Release(head & ~(m - 1), ctx.time_ns, nullptr);
    }
  }
  const mm::PcpOps& pcp = op.pcp;
  if (pcp.used) {
    pcp_.Lock(pcp, ctx, out);
    if (pcp.zone_lock) pcp_.ZoneLock(node, pcp, out);
  }
  for (const mm::BuddyBlock& f : op.removed_free) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, f.pfn, AccessKind::kWrite);
  }
  for (const mm::BuddyBlock& f : op.added_free) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, f.pfn, AccessKind::kWrite);
  }
  if (pcp.used) {
    for (const mm::PcpListOp& l : pcp.ops) pcp_.List(l, node, pcp, ctx, false, out);
    pcp_.Unlock(pcp, ctx, out);
  }
}

void WordModel::Merge(uint32_t node, const mm::BuddyCheck* begin, const mm::BuddyCheck* end,
                      const mm::BuddyBlock* final_block, bool word_has_order,
                      AccessBuffer& out) const {
  for (const mm::BuddyCheck* c = begin; c != end; ++c) {
    Word(out, node, c->pfn, AccessKind::kRead);
    if (!word_has_order) FreePage(out, c->pfn, AccessKind::kRead);
    if (c->merged) {
      Word(out, node, c->pfn, AccessKind::kWrite);
      FreePage(out, c->pfn, AccessKind::kWrite);
    }
  }
  if (final_block != nullptr) {
    Word(out, node, final_block->pfn, AccessKind::kWrite);
    FreePage(out, final_block->pfn, AccessKind::kWrite);
  }
}

void WordModel::FreeBlocks(const mm::FreeResult& op, const OpContext& ctx, bool word_has_order,
                           AccessBuffer& out) {
  if (!op.applied) return;
  const uint32_t node = op.node;
  for (const mm::Piece& p : op.freed) {
    if (p.state == mm::PageState::kAllocated) {
      const uint64_t m = uint64_t{1} << p.order;
      for (uint64_t head = p.pfn; head < p.pfn + p.pages; head += m) {
        table_.Release(head, ctx.time_ns, &out);
      }
    }
    Words(out, p.node, p.pfn, p.pages);
  }
  const mm::PcpOps& pcp = op.pcp;
  if (pcp.used) {
    pcp_.Lock(pcp, ctx, out);
    for (const mm::PcpListOp& l : pcp.ops) pcp_.List(l, node, pcp, ctx, false, out);
    if (pcp.zone_lock) pcp_.ZoneLock(node, pcp, out);
    for (const mm::DrainedBlock& d : pcp.drained) {
      pcp_.List(d.del, d.node, pcp, ctx, /*from_tail=*/true, out);
      Word(out, d.node, d.block.pfn, AccessKind::kRead);  // check_free_page
      const mm::BuddyCheck* checks = pcp.drain_checks.data();
      Merge(d.node, checks + d.checks_begin, checks + d.checks_end, &d.final_block, word_has_order,
            out);
    }
    pcp_.Unlock(pcp, ctx, out);
    return;
  }
  Merge(node, op.checks.data(), op.checks.data() + op.checks.size(), nullptr, word_has_order, out);
  for (const mm::BuddyBlock& f : op.final_blocks) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, f.pfn, AccessKind::kWrite);
  }
}

void WordModel::Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                       AccessBuffer& out) {
  if (block.state == mm::PageState::kHole) return;
  Word(out, block.node, pfn, AccessKind::kRead);
  uint64_t h;
  if (block.state == mm::PageState::kAllocated && table_.Find(block.head_pfn, &h)) {
    out.Push(table_.Addr(h), 16, AccessKind::kRead);
  }
}

void WordModel::MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                         AccessBuffer& out) {
  uint64_t h;
  if (block.state != mm::PageState::kAllocated || !table_.Find(block.head_pfn, &h)) return;
  out.Push(table_.Addr(h) + refcount_offset_, 4, AccessKind::kAtomic);
  out.Push(table_.Addr(h) + mapcount_offset_, 4, AccessKind::kAtomic);
}

}  // namespace memsim::memmap

namespace memsim::memmap {

IsolationResult WordModel::Isolate(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                                   trace::ScannerKind scanner, uint64_t nr_taken,
                                   const OpContext& ctx, AccessBuffer& out) {
  IsolationResult r;
  r.pages = IsolationTargets::Find(mem, start_pfn, end_pfn, scanner, nr_taken, &isolated_);
  r.blocks = isolated_.size();
  if (isolated_.empty()) return r;
  const uint32_t node = isolated_.front().node;
  const bool free_scanner = scanner == trace::SCANNER_FREE;
  const uint64_t lock =
      free_scanner ? layout_.ZoneLockAddr(node, isolated_.front().zone) : layout_.LruLockAddr(node);
  if (free_scanner) out.Push(lock, 4, AccessKind::kAtomic, false);
  bool locked = free_scanner;
  for (const mm::BlockInfo& b : isolated_) {
    if (free_scanner) {
      out.Push(b.head_pfn << mm::kPageShift, 16, AccessKind::kRead, false);
      out.Push(layout_.Addr(b.node, b.head_pfn), 8, AccessKind::kWrite, false);
      out.Push(b.head_pfn << mm::kPageShift, 16, AccessKind::kWrite, false);
      continue;
    }
    uint64_t h;
    if (!table_.Find(b.head_pfn, &h)) continue;
    const uint64_t d = table_.Addr(h);
    out.Push(d + refcount_offset_, 4, AccessKind::kAtomic, false);
    out.Push(d, 8, AccessKind::kAtomic);
    if (!locked) {
      out.Push(lock, 4, AccessKind::kAtomic);
      locked = true;
    }
    out.Push(d + lru_offset_, 16, AccessKind::kRead);
    out.Push(d + lru_offset_, 16, AccessKind::kWrite, false);
  }
  if (locked) out.Push(lock, 4, AccessKind::kWrite, false);
  return r;
}

}  // namespace memsim::memmap
