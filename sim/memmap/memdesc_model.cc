#include "sim/memmap/memdesc_model.h"

#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

void MemdescModel::Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) {
  // The word of a free block's head carries the buddy order: no need to read the page.
  FreeBlocks(op, ctx, /*word_has_order=*/true, out);
}

namespace {

uint64_t HeadsIn(uint64_t a, uint64_t b, uint32_t order) {
  const uint64_t m = uint64_t{1} << order;
  return ((b + m - 1) >> order) - ((a + m - 1) >> order);
}

}  // namespace

MemdescModel::MemdescModel(const std::vector<mm::NodeLayout>& nodes,
                           const config::MemdescConfig& config)
    : WordModel(nodes, config.section_mib(), config.slab(), config.placement(), kRefcountOffset,
                kMapcountOffset),
      config_(config) {
  for (int o = trace::OwnerType_MIN; o <= trace::OwnerType_MAX; ++o) {
    const auto owner = static_cast<trace::OwnerType>(o);
    table_.SetBytes(owner, DescriptorBytesFor(config.sizes(), owner));
  }
}

uint32_t MemdescModel::TagOf(trace::OwnerType owner) {
  switch (owner) {
    case trace::OWNER_FREE:
      return 1;
    case trace::OWNER_FILE:
      return 2;
    case trace::OWNER_HUGETLB:
      return 2;  // hugetlbfs folios are file folios
    case trace::OWNER_ANON:
      return 3;
    case trace::OWNER_KSM:
      return 4;
    case trace::OWNER_SLAB:
      return 5;
    case trace::OWNER_PAGE_TABLE:
      return 8;
    case trace::OWNER_HWPOISON:
      return 9;
    case trace::OWNER_PERCPU:
      return 10;
    case trace::OWNER_ZSMALLOC:
      return 12;
    default:
      return 0;  // misc: unknown, vmalloc, kernel, reserved, offline
  }
}

bool MemdescModel::IsFolio(trace::OwnerType owner) {
  return owner == trace::OWNER_ANON || owner == trace::OWNER_FILE || owner == trace::OWNER_KSM ||
         owner == trace::OWNER_UNKNOWN;
}

void MemdescModel::Seed(const mm::PhysMem& mem, uint64_t time_ns) {
  mem.VisitRuns(0, ~uint64_t{0}, [&](const mm::PhysMem::Run& r) {
    if (r.state != mm::PageState::kAllocated || !table_.HasDescriptor(r.owner)) return;
    const uint64_t m = uint64_t{1} << r.order;
    if (HeadsIn(r.start_pfn, r.end_pfn, r.order) == 0) return;
    for (uint64_t head = (r.start_pfn + m - 1) & ~(m - 1); head < r.end_pfn; head += m) {
      table_.Alloc(head, r.owner, r.node, time_ns, nullptr);
    }
  });
}

void MemdescModel::NewDescriptor(uint64_t head, trace::OwnerType owner, uint32_t node,
                                 const OpContext& ctx, AccessBuffer& out) {
  const uint64_t h = table_.Alloc(head, owner, node, ctx.time_ns, &out);
  out.PushLines(table_.Addr(h), table_.bytes(owner), AccessKind::kWrite);
}

void MemdescModel::Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  BuddySplit(op, ctx, out);
  const mm::BlockInfo& b = op.block;
  if (table_.HasDescriptor(b.owner)) {
    NewDescriptor(b.head_pfn, b.owner, DescriptorNode(b.node, ctx), ctx, out);
  }
  Words(out, b.node, b.head_pfn, b.pages());
}

void MemdescModel::Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  const mm::BlockInfo& src = op.src;
  const mm::BlockInfo& dst = op.dst;
  const MigrateDescriptors d = BeginMigrate(op, ctx, out);
  if (config_.reallocate_on_migrate()) {
    uint64_t dd = d.dst_handle;
    if (!d.dst && table_.HasDescriptor(dst.owner)) {
      dd = table_.Alloc(dst.head_pfn, dst.owner, DescriptorNode(dst.node, ctx), ctx.time_ns, &out);
    }
    if (d.src && table_.Find(dst.head_pfn, &dd)) {
      out.PushLines(table_.Addr(d.src_handle), table_.bytes(src.owner), AccessKind::kRead);
      out.PushLines(table_.Addr(dd), table_.bytes(dst.owner), AccessKind::kWrite);
    }
  } else if (d.src) {
    MoveDescriptor(op, d, kPfnOffset, ctx, out);
  } else if (!d.dst && table_.HasDescriptor(dst.owner)) {
    NewDescriptor(dst.head_pfn, dst.owner, DescriptorNode(dst.node, ctx), ctx, out);
  }
  EndMigrate(op, ctx, out);
}

ScanResult MemdescModel::CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn,
                                        uint64_t end_pfn, trace::ScannerKind scanner,
                                        const OpContext& ctx, AccessBuffer& out) {
  ScanResult result;
  // Word p + 1 is computed (independent); after a skip by an order just loaded the next
  // word waits (dependent); a folio's descriptor is a chase from its word (dependent).
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
    if (b.state == mm::PageState::kFree) {
      // Only the head's word carries the buddy tag and order (as PageBuddy today).
      p = p == b.head_pfn ? block_end : p + 1;
    } else if (b.state == mm::PageState::kAllocated && b.order > 0) {
      // Any page's word gives type and order: skip the whole block from wherever we are.
      p = (scanner == trace::SCANNER_FREE && block_end > end_pfn) ? p + 1 : block_end;
    } else if (b.state == mm::PageState::kAllocated && scanner == trace::SCANNER_MIGRATE &&
               IsFolio(b.owner)) {
      uint64_t h;
      if (table_.Find(b.head_pfn, &h)) {
        // The descriptor's address is the word just loaded: a dependent chase.
        out.Push(table_.Addr(h) + kFlagsOffset, 8, AccessKind::kRead, true);
        ++result.descriptor_reads;
      }
      ++p;
    } else {
      ++p;
    }
    skipped = p != from + 1;
  }
  return result;
}

absl::Status ValidateMemdescConfig(const config::MemmapModelConfig& config) {
  const config::MemdescConfig& m = config.memdesc();
  RETURN_IF_ERROR(ValidateSectionMib("memdesc.section_mib", m.section_mib()));
  return ValidateSlabAndSizes("memdesc", m.slab(), m.sizes());
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreateMemdescModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  return std::make_unique<MemdescModel>(nodes, config.memdesc());
}

}  // namespace memsim::memmap
