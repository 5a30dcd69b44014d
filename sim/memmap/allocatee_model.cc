#include "sim/memmap/allocatee_model.h"

#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

std::vector<uint64_t> NodeRamBytes(const std::vector<mm::NodeLayout>& nodes) {
  std::vector<uint64_t> ram;
  for (const mm::NodeLayout& n : nodes) ram.push_back(n.pages << mm::kPageShift);
  return ram;
}

}  // namespace

AllocateeModel::AllocateeModel(const std::vector<mm::NodeLayout>& nodes,
                               const config::AllocateeConfig& config)
    : config_(config),
      layout_(nodes, 8, uint64_t{config.section_mib()} << (20 - mm::kPageShift)),
      overhead_(NodeRamBytes(nodes)),
      table_(&layout_, SlabOptionsFrom(config.slab()), &overhead_) {
  for (uint32_t n = 0; n < nodes.size(); ++n) overhead_.SetStatic(n, layout_.static_bytes(n));
  for (int o = trace::OwnerType_MIN; o <= trace::OwnerType_MAX; ++o) {
    const auto owner = static_cast<trace::OwnerType>(o);
    uint32_t bytes = DescriptorBytesFor(config.sizes(), owner);
    if (owner == trace::OWNER_VMALLOC) bytes = config.vm_struct_bytes();
    table_.SetBytes(owner, bytes);
  }
}

uint32_t AllocateeModel::DescriptorNode(uint32_t memory_node, const OpContext& ctx) const {
  if (config_.placement() == config::DescriptorPlacement::CPU_NODE &&
      ctx.cpu_node < layout_.num_nodes()) {
    return ctx.cpu_node;
  }
  return memory_node;
}

void AllocateeModel::Seed(const mm::PhysMem& mem, uint64_t time_ns) {
  mem.VisitRuns(0, ~uint64_t{0}, [&](const mm::PhysMem::Run& r) {
    if (r.state != mm::PageState::kAllocated || !table_.HasDescriptor(r.owner)) return;
    const uint64_t m = uint64_t{1} << r.order;
    for (uint64_t head = (r.start_pfn + m - 1) & ~(m - 1); head < r.end_pfn; head += m) {
      table_.Alloc(head, r.owner, r.node, time_ns, nullptr, r.owner == trace::OWNER_VMALLOC);
    }
  });
}

void AllocateeModel::AttachOwner(const mm::BlockInfo& b, const OpContext& ctx,
                                 AccessBuffer& out) {
  if (!table_.HasDescriptor(b.owner)) return;
  const uint32_t dnode = DescriptorNode(b.node, ctx);
  if (b.owner == trace::OWNER_VMALLOC && config_.vmalloc_area_pages() > 0) {
    VmallocArea& area = vmalloc_areas_[ctx.cpu];
    if (area.pages_left >= b.pages() && table_.IsLive(area.handle)) {
      table_.Share(b.head_pfn, area.handle);
      area.pages_left -= b.pages();
      out.Push(table_.Addr(area.handle) + kPagesArrayOffset, 8, AccessKind::kWrite,
               MetadataKind::kDescriptor, DescriptorTable::NodeOf(area.handle));
      return;
    }
    area.handle = table_.Alloc(b.head_pfn, b.owner, dnode, ctx.time_ns, &out, true);
    const uint64_t cap = config_.vmalloc_area_pages();
    area.pages_left = cap > b.pages() ? cap - b.pages() : 0;
    out.PushLines(table_.Addr(area.handle), table_.bytes(b.owner), AccessKind::kWrite,
                  MetadataKind::kDescriptor, dnode);
    return;
  }
  const uint64_t h = table_.Alloc(b.head_pfn, b.owner, dnode, ctx.time_ns, &out,
                                  b.owner == trace::OWNER_VMALLOC);
  out.PushLines(table_.Addr(h), table_.bytes(b.owner), AccessKind::kWrite,
                MetadataKind::kDescriptor, dnode);
}

void AllocateeModel::BuddySplit(const mm::AllocResult& op, const OpContext& ctx,
                                AccessBuffer& out) {
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
    FreePage(out, node, f.pfn, AccessKind::kWrite);
  }
  for (const mm::BuddyBlock& f : op.added_free) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, node, f.pfn, AccessKind::kWrite);
  }
}

void AllocateeModel::Alloc(const mm::AllocResult& op, const OpContext& ctx,
                           AccessBuffer& out) {
  if (!op.applied) return;
  BuddySplit(op, ctx, out);
  AttachOwner(op.block, ctx, out);
  Words(out, op.block.node, op.block.head_pfn, op.block.pages());
}

void AllocateeModel::Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) {
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
    FreePage(out, node, c.pfn, AccessKind::kRead);
    if (c.merged) {
      Word(out, node, c.pfn, AccessKind::kWrite);
      FreePage(out, node, c.pfn, AccessKind::kWrite);
    }
  }
  for (const mm::BuddyBlock& f : op.final_blocks) {
    Word(out, node, f.pfn, AccessKind::kWrite);
    FreePage(out, node, f.pfn, AccessKind::kWrite);
  }
}

void AllocateeModel::Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                            AccessBuffer& out) {
  if (block.state == mm::PageState::kHole) return;
  Word(out, block.node, pfn, AccessKind::kRead);
  uint64_t h;
  if (block.state == mm::PageState::kAllocated && table_.Find(block.head_pfn, &h)) {
    out.Push(table_.Addr(h), 16, AccessKind::kRead, MetadataKind::kDescriptor,
             DescriptorTable::NodeOf(h));
  }
}

void AllocateeModel::MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                              AccessBuffer& out) {
  uint64_t h;
  if (block.state != mm::PageState::kAllocated || !table_.Find(block.head_pfn, &h)) return;
  const uint32_t dn = DescriptorTable::NodeOf(h);
  out.Push(table_.Addr(h) + kRefcountOffset, 4, AccessKind::kAtomic, MetadataKind::kDescriptor,
           dn);
  out.Push(table_.Addr(h) + kMapcountOffset, 4, AccessKind::kAtomic, MetadataKind::kDescriptor,
           dn);
}

void AllocateeModel::Migrate(const mm::MigrateResult& op, const OpContext& ctx,
                             AccessBuffer& out) {
  if (!op.applied) return;
  const mm::BlockInfo& src = op.src;
  const mm::BlockInfo& dst = op.dst;
  uint64_t ds = 0;
  const bool has_src_desc =
      src.state == mm::PageState::kAllocated && table_.Find(src.head_pfn, &ds);
  if (src.state != mm::PageState::kHole) Word(out, src.node, src.head_pfn, AccessKind::kRead);
  if (has_src_desc) {
    const uint32_t n = DescriptorTable::NodeOf(ds);
    out.Push(table_.Addr(ds), 16, AccessKind::kRead, MetadataKind::kDescriptor, n);
    out.Push(table_.Addr(ds) + kRefcountOffset, 4, AccessKind::kAtomic,
             MetadataKind::kDescriptor, n);
  }
  if (op.dst_allocated_here) BuddySplit(op.dst_alloc, ctx, out);
  uint64_t dd = 0;
  const bool has_dst_desc = table_.Find(dst.head_pfn, &dd);
  if (has_src_desc) {
    if (has_dst_desc) table_.Release(dst.head_pfn, ctx.time_ns, &out);
    table_.Move(src.head_pfn, dst.head_pfn);
    out.Push(table_.Addr(ds) + kPfnOffset, 8, AccessKind::kWrite, MetadataKind::kDescriptor,
             DescriptorTable::NodeOf(ds));
  } else if (!has_dst_desc) {
    AttachOwner(dst, ctx, out);
  }
  Words(out, dst.node, dst.head_pfn, dst.pages());
  if (op.src_freed) Free(op.src_free, ctx, out);
}

ScanResult AllocateeModel::CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn,
                                          uint64_t end_pfn, trace::ScannerKind scanner,
                                          const OpContext& ctx, AccessBuffer& out) {
  ScanResult result;
  for (uint64_t p = start_pfn; p < end_pfn;) {
    const mm::BlockInfo b = mem.Lookup(p);
    if (b.state == mm::PageState::kHole) {
      ++p;
      continue;
    }
    ++result.pages_examined;
    Word(out, b.node, p, AccessKind::kRead);
    const uint64_t block_end = b.head_pfn + b.pages();
    uint64_t h;
    if (b.state == mm::PageState::kFree) {
      FreePage(out, b.node, p, AccessKind::kRead);
      p = p == b.head_pfn ? block_end : p + 1;
    } else if (b.state == mm::PageState::kAllocated && table_.Find(b.head_pfn, &h)) {
      out.Push(table_.Addr(h), 16, AccessKind::kRead, MetadataKind::kDescriptor,
               DescriptorTable::NodeOf(h));
      ++result.descriptor_reads;
      if (b.order > 0) {
        p = (scanner == trace::SCANNER_FREE && block_end > end_pfn) ? p + 1 : block_end;
      } else {
        ++p;
      }
    } else {
      ++p;  // no owner pointer: unmanaged or unknown page, nothing to skip by
    }
  }
  return result;
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreateAllocateeModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  RETURN_IF_ERROR(ValidateMemmapModelConfig(config));
  if (!config.has_allocatee()) {
    return absl::InvalidArgumentError("allocatee factory given a config without `allocatee`");
  }
  return std::make_unique<AllocateeModel>(nodes, config.allocatee());
}

}  // namespace memsim::memmap
