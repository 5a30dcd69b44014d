#include "sim/memmap/word_model.h"

#include "sim/memmap/memmap_model_config.h"

namespace memsim::memmap {

WordModel::WordModel(const std::vector<mm::NodeLayout>& nodes, uint32_t section_mib,
                     const config::DescriptorSlabConfig& slab,
                     config::DescriptorPlacement::Node placement, uint32_t refcount_offset,
                     uint32_t mapcount_offset)
    : layout_(nodes, 8, uint64_t{section_mib} << (20 - mm::kPageShift)),
      overhead_(NodeRamBytes(nodes)),
      table_(&layout_, SlabOptionsFrom(slab), &overhead_),
      placement_(placement),
      refcount_offset_(refcount_offset),
      mapcount_offset_(mapcount_offset) {
  for (uint32_t n = 0; n < nodes.size(); ++n) overhead_.SetStatic(n, layout_.static_bytes(n));
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
  for (const mm::BuddyBlock& f : op.removed_free) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, f.pfn, AccessKind::kWrite);
  }
  for (const mm::BuddyBlock& f : op.added_free) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, f.pfn, AccessKind::kWrite);
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
  for (const mm::BuddyCheck& c : op.checks) {
    Word(out, node, c.pfn, AccessKind::kRead);
    if (!word_has_order) FreePage(out, c.pfn, AccessKind::kRead);
    if (c.merged) {
      Word(out, node, c.pfn, AccessKind::kWrite);
      FreePage(out, c.pfn, AccessKind::kWrite);
    }
  }
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
