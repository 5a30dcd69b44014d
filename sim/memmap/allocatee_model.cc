#include "sim/memmap/allocatee_model.h"

#include "absl/strings/str_cat.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

void AllocateeModel::Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) {
  // The word is a bare pointer: each buddy's order is read from its free page.
  FreeBlocks(op, ctx, /*word_has_order=*/false, out);
}

AllocateeModel::AllocateeModel(const std::vector<mm::NodeLayout>& nodes,
                               const config::AllocateeConfig& config)
    : WordModel(nodes, config.section_mib(), config.slab(), config.placement(), kRefcountOffset,
                kMapcountOffset),
      config_(config) {
  lru_offset_ = kLruOffset;
  for (int o = trace::OwnerType_MIN; o <= trace::OwnerType_MAX; ++o) {
    const auto owner = static_cast<trace::OwnerType>(o);
    uint32_t bytes = DescriptorBytesFor(config.sizes(), owner);
    if (owner == trace::OWNER_VMALLOC) bytes = config.vm_struct_bytes();
    table_.SetBytes(owner, bytes);
  }
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

void AllocateeModel::AttachOwner(const mm::BlockInfo& b, const OpContext& ctx, AccessBuffer& out) {
  if (!table_.HasDescriptor(b.owner)) return;
  const uint32_t dnode = DescriptorNode(b.node, ctx);
  if (b.owner == trace::OWNER_VMALLOC && config_.vmalloc_area_pages() > 0) {
    VmallocArea& area = vmalloc_areas_[ctx.cpu];
    if (area.pages_left >= b.pages() && table_.IsLive(area.handle)) {
      table_.Share(b.head_pfn, area.handle);
      area.pages_left -= b.pages();
      out.Push(table_.Addr(area.handle) + kPagesArrayOffset, 8, AccessKind::kWrite);
      return;
    }
    area.handle = table_.Alloc(b.head_pfn, b.owner, dnode, ctx.time_ns, &out, true);
    const uint64_t cap = config_.vmalloc_area_pages();
    area.pages_left = cap > b.pages() ? cap - b.pages() : 0;
    out.PushLines(table_.Addr(area.handle), table_.bytes(b.owner), AccessKind::kWrite);
    return;
  }
  const uint64_t h =
      table_.Alloc(b.head_pfn, b.owner, dnode, ctx.time_ns, &out, b.owner == trace::OWNER_VMALLOC);
  out.PushLines(table_.Addr(h), table_.bytes(b.owner), AccessKind::kWrite);
}

void AllocateeModel::Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  BuddySplit(op, ctx, out);
  AttachOwner(op.block, ctx, out);
  Words(out, op.block.node, op.block.head_pfn, op.block.pages());
}

void AllocateeModel::Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  const MigrateDescriptors d = BeginMigrate(op, ctx, out);
  if (d.src) {
    MoveDescriptor(op, d, kPfnOffset, ctx, out);
  } else if (!d.dst) {
    AttachOwner(op.dst, ctx, out);
  }
  EndMigrate(op, ctx, out);
}

ScanResult AllocateeModel::CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn,
                                          uint64_t end_pfn, trace::ScannerKind scanner,
                                          const OpContext& ctx, AccessBuffer& out) {
  ScanResult result;
  // Word p + 1 is computed (independent); after a skip by an order just loaded the next
  // word waits (dependent).
  bool skipped = false;
  for (uint64_t p = start_pfn; p < end_pfn;) {
    const mm::BlockInfo b = mem.Lookup(p);
    if (b.state == mm::PageState::kHole) {
      ++p;
      continue;
    }
    ++result.pages_examined;
    Word(out, b.node, p, AccessKind::kRead, skipped);
    const uint64_t block_end = b.head_pfn + b.pages();
    const uint64_t from = p;
    uint64_t h;
    if (b.state == mm::PageState::kFree) {
      // The free page itself holds the order (its address is computed from p).
      FreePage(out, p, AccessKind::kRead, false);
      p = p == b.head_pfn ? block_end : p + 1;
    } else if (b.state == mm::PageState::kAllocated && table_.Find(b.head_pfn, &h)) {
      // The owner's address is the word just loaded: a dependent chase.
      out.Push(table_.Addr(h), 16, AccessKind::kRead, true);
      ++result.descriptor_reads;
      if (b.order > 0) {
        p = (scanner == trace::SCANNER_FREE && block_end > end_pfn) ? p + 1 : block_end;
      } else {
        ++p;
      }
    } else {
      ++p;  // no owner pointer: unmanaged or unknown page, nothing to skip by
    }
    skipped = p != from + 1;
  }
  return result;
}

absl::Status ValidateAllocateeConfig(const config::MemmapModelConfig& config) {
  const config::AllocateeConfig& a = config.allocatee();
  RETURN_IF_ERROR(ValidateSectionMib("allocatee.section_mib", a.section_mib()));
  RETURN_IF_ERROR(ValidateSlabAndSizes("allocatee", a.slab(), a.sizes()));
  const uint64_t slab_bytes = uint64_t{4096} << a.slab().slab_page_order();
  if (a.vm_struct_bytes() == 0 || a.vm_struct_bytes() > slab_bytes) {
    return InvalidModelField("allocatee.vm_struct_bytes",
                             absl::StrCat("must be in [1, ", slab_bytes, "]"), a.vm_struct_bytes());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreateAllocateeModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  return std::make_unique<AllocateeModel>(nodes, config.allocatee());
}

}  // namespace memsim::memmap
