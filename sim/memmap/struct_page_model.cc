#include "sim/memmap/struct_page_model.h"

#include <algorithm>

#include "sim/memmap/isolation_targets.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

// Offset of folio->_large_mapcount inside page[1].
constexpr uint32_t kLargeMapcountOffset = 16;

}  // namespace

StructPageModel::StructPageModel(const std::vector<mm::NodeLayout>& nodes, Options options)
    : options_(std::move(options)),
      layout_(nodes, options_.struct_page_bytes, options_.section_pages),
      pcp_(&layout_, /*links_in_page=*/false),
      overhead_(NodeRamBytes(nodes)) {
  const uint32_t s = options_.struct_page_bytes;
  folio_pages_ = std::max<uint32_t>(1, 256 / s);
  if (s >= 64) {
    tail_bytes_ = 40;  // compound_head @8, mapping @24, private @40
    private_off_ = 40;
    mapcount_off_ = 48;
    refcount_off_ = 52;
  } else {
    tail_bytes_ = 24;  // compound_head @8 .. private @24
    private_off_ = 24;
    mapcount_off_ = 16;
    refcount_off_ = 20;
  }
  overhead_.SetMemmap(layout_);
}

uint64_t StructPageModel::HvoFreedPages(uint32_t order, uint32_t struct_page_bytes) {
  const uint64_t vmemmap_bytes = (uint64_t{1} << order) * struct_page_bytes;
  const uint64_t pages = vmemmap_bytes / mm::kPageBytes;
  return pages > 1 ? pages - 1 : 0;
}

bool StructPageModel::IsCompound(trace::OwnerType owner, uint32_t order) {
  if (order == 0) return false;
  switch (owner) {
    case trace::OWNER_PAGE_TABLE:  // pagetable_alloc: no __GFP_COMP
    case trace::OWNER_VMALLOC:     // vmalloc backs areas with order-0 / non-compound pages
    case trace::OWNER_PERCPU:
    case trace::OWNER_RESERVED:
    case trace::OWNER_OFFLINE:
    case trace::OWNER_HWPOISON:
    case trace::OWNER_FREE:
      return false;
    default:
      return true;
  }
}

bool StructPageModel::IsHvo(const mm::BlockInfo& b) const {
  return options_.hvo_hugetlb && b.state == mm::PageState::kAllocated &&
         b.owner == trace::OWNER_HUGETLB && HvoFreedPages(b.order, options_.struct_page_bytes) > 0;
}

uint64_t StructPageModel::PageAddr(const mm::BlockInfo& block, uint64_t pfn) const {
  const uint64_t a = layout_.Addr(block.node, pfn);
  if (!IsHvo(block)) return a;
  // Every vmemmap page of the folio maps the retained first page.
  const uint64_t head = layout_.Addr(block.node, block.head_pfn);
  return head + ((a - head) & (mm::kPageBytes - 1));
}

void StructPageModel::Seed(const mm::PhysMem& mem, uint64_t time_ns) {
  if (!options_.hvo_hugetlb) return;
  mem.VisitRuns(0, ~uint64_t{0}, [&](const mm::PhysMem::Run& r) {
    if (r.state != mm::PageState::kAllocated || r.owner != trace::OWNER_HUGETLB) return;
    const uint64_t freed = HvoFreedPages(r.order, options_.struct_page_bytes);
    if (freed == 0) return;
    const uint64_t m = uint64_t{1} << r.order;
    const uint64_t heads = ((r.end_pfn + m - 1) >> r.order) - ((r.start_pfn + m - 1) >> r.order);
    overhead_.Change(time_ns, r.node, 0, 0, static_cast<int64_t>(heads * freed * mm::kPageBytes));
  });
}

void StructPageModel::InitBlock(const mm::BlockInfo& b, const OpContext& ctx, AccessBuffer& out) {
  const uint32_t s = options_.struct_page_bytes;
  const uint32_t node = b.node;
  const uint64_t n = b.pages();
  Page(out, node, b.head_pfn, 0, s, AccessKind::kWrite);
  if (!IsCompound(b.owner, b.order)) return;
  for (uint64_t i = 1; i < n; ++i) {
    if (i < folio_pages_) {
      Page(out, node, b.head_pfn + i, 0, s, AccessKind::kWrite, false);
    } else if (options_.write_tail_pages) {
      Page(out, node, b.head_pfn + i, 8, tail_bytes_, AccessKind::kWrite, false);
    }
  }
  if (IsHvo(b)) {
    const uint64_t freed = HvoFreedPages(b.order, options_.struct_page_bytes);
    overhead_.Change(ctx.time_ns, node, 0, 0, static_cast<int64_t>(freed * mm::kPageBytes));
  }
}

void StructPageModel::Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  const uint32_t node = op.block.node;
  const uint32_t s = options_.struct_page_bytes;
  for (const mm::Piece& p : op.displaced) {
    // Repair of inconsistent input: release HVO savings of a displaced hugetlb folio.
    if (p.state != mm::PageState::kAllocated) continue;
    mm::BlockInfo b{mm::PageState::kAllocated, p.pfn, p.order, p.owner, p.node, 0};
    if (!IsHvo(b)) continue;
    const uint64_t m = uint64_t{1} << p.order;
    const uint64_t heads = (p.pages + m - 1) >> p.order;
    overhead_.Change(ctx.time_ns, p.node, 0, 0,
                     -static_cast<int64_t>(heads * HvoFreedPages(p.order, s) * mm::kPageBytes));
  }
  const mm::PcpOps& pcp = op.pcp;
  if (pcp.used) {
    pcp_.Lock(pcp, ctx, out);
    if (pcp.zone_lock) pcp_.ZoneLock(node, pcp, out);
  }
  for (const mm::BuddyBlock& f : op.removed_free) Page(out, node, f.pfn, 0, s, AccessKind::kWrite);
  for (const mm::BuddyBlock& f : op.added_free) Page(out, node, f.pfn, 0, s, AccessKind::kWrite);
  if (pcp.used) {
    for (const mm::PcpListOp& l : pcp.ops) pcp_.List(l, node, pcp, ctx, false, out);
    pcp_.Unlock(pcp, ctx, out);
  }
  InitBlock(op.block, ctx, out);
}

void StructPageModel::TeardownPiece(const mm::Piece& p, const OpContext& ctx, AccessBuffer& out) {
  const uint32_t s = options_.struct_page_bytes;
  const uint32_t node = p.node;
  if (p.state != mm::PageState::kAllocated) {
    for (uint64_t i = 0; i < p.pages; ++i) {
      Page(out, node, p.pfn + i, 0, s, AccessKind::kWrite, i == 0);
    }
    return;
  }
  const uint64_t m = uint64_t{1} << p.order;
  for (uint64_t head = p.pfn; head < p.pfn + p.pages; head += m) {
    const mm::BlockInfo b{mm::PageState::kAllocated, head, p.order, p.owner, node, 0};
    if (IsHvo(b)) {
      const uint64_t freed = HvoFreedPages(p.order, s);
      out.PushLines(layout_.Addr(node, head) + mm::kPageBytes, freed * mm::kPageBytes,
                    AccessKind::kWrite);
      overhead_.Change(ctx.time_ns, node, 0, 0, -static_cast<int64_t>(freed * mm::kPageBytes));
    }
    if (IsCompound(p.owner, p.order)) {
      for (uint64_t i = 1; i < m; ++i) {
        if (options_.write_tail_pages || i < folio_pages_) {
          Page(out, node, head + i, 8, tail_bytes_, AccessKind::kWrite, i == 1);
        }
      }
      Page(out, node, head, 0, s, AccessKind::kWrite);
    } else if (m > 1) {
      for (uint64_t i = 0; i < m; ++i) Page(out, node, head + i, 0, 8, AccessKind::kWrite, i == 0);
    } else {
      Page(out, node, head, 0, s, AccessKind::kWrite);
    }
  }
}

void StructPageModel::Merge(uint32_t node, const mm::BuddyCheck* begin, const mm::BuddyCheck* end,
                            const mm::BuddyBlock& final_block, AccessBuffer& out) const {
  const uint32_t s = options_.struct_page_bytes;
  for (const mm::BuddyCheck* c = begin; c != end; ++c) {
    Page(out, node, c->pfn, 0, s, AccessKind::kRead);
    if (c->merged) Page(out, node, c->pfn, 0, s, AccessKind::kWrite);
  }
  Page(out, node, final_block.pfn, 0, s, AccessKind::kWrite);
}

void StructPageModel::PcpFree(const mm::FreeResult& op, const OpContext& ctx,
                              AccessBuffer& out) const {
  const mm::PcpOps& pcp = op.pcp;
  pcp_.Lock(pcp, ctx, out);
  for (const mm::PcpListOp& l : pcp.ops) pcp_.List(l, op.node, pcp, ctx, false, out);
  if (pcp.zone_lock) pcp_.ZoneLock(op.node, pcp, out);
  for (const mm::DrainedBlock& d : pcp.drained) {
    pcp_.List(d.del, d.node, pcp, ctx, /*from_tail=*/true, out);
    Page(out, d.node, d.block.pfn, 0, options_.struct_page_bytes, AccessKind::kRead);
    const mm::BuddyCheck* checks = pcp.drain_checks.data();
    Merge(d.node, checks + d.checks_begin, checks + d.checks_end, d.final_block, out);
  }
  pcp_.Unlock(pcp, ctx, out);
}

void StructPageModel::Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) {
  if (!op.applied) return;
  const uint32_t s = options_.struct_page_bytes;
  const uint32_t node = op.node;
  for (const mm::Piece& p : op.freed) TeardownPiece(p, ctx, out);
  if (op.pcp.used) {
    PcpFree(op, ctx, out);
    return;
  }
  for (const mm::BuddyCheck& c : op.checks) {
    Page(out, node, c.pfn, 0, s, AccessKind::kRead);
    if (c.merged) Page(out, node, c.pfn, 0, s, AccessKind::kWrite);
  }
  for (const mm::BuddyBlock& f : op.final_blocks) Page(out, node, f.pfn, 0, s, AccessKind::kWrite);
}

void StructPageModel::Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                             AccessBuffer& out) {
  if (block.state == mm::PageState::kHole) return;
  out.Push(PageAddr(block, pfn), 16, AccessKind::kRead);
  if (block.state == mm::PageState::kAllocated && pfn != block.head_pfn &&
      IsCompound(block.owner, block.order)) {
    out.Push(layout_.Addr(block.node, block.head_pfn), 16, AccessKind::kRead);
  }
}

void StructPageModel::MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                               AccessBuffer& out) {
  if (block.state != mm::PageState::kAllocated || mm::IsPcpBlock(block)) return;
  const uint32_t node = block.node;
  const bool large = IsCompound(block.owner, block.order);
  const uint64_t head = large ? block.head_pfn : pfn;
  Page(out, node, head, refcount_off_, 4, AccessKind::kAtomic);
  if (large) {
    out.Push(PageAddr(block, head + 1) + kLargeMapcountOffset, 4, AccessKind::kAtomic);
  } else {
    Page(out, node, head, mapcount_off_, 4, AccessKind::kAtomic);
  }
}

void StructPageModel::Migrate(const mm::MigrateResult& op, const OpContext& ctx,
                              AccessBuffer& out) {
  if (!op.applied) return;
  const uint32_t s = options_.struct_page_bytes;
  const mm::BlockInfo& src = op.src;
  const mm::BlockInfo& dst = op.dst;
  const bool large = IsCompound(dst.owner, dst.order);
  if (src.state != mm::PageState::kHole) {
    Page(out, src.node, src.head_pfn, 0, s, AccessKind::kRead);
    if (large) out.Push(PageAddr(src, src.head_pfn + 1), s, AccessKind::kRead);
    Page(out, src.node, src.head_pfn, refcount_off_, 4, AccessKind::kAtomic);
  }
  if (op.dst_allocated_here) Alloc(op.dst_alloc, ctx, out);
  Page(out, dst.node, dst.head_pfn, 0, s, AccessKind::kWrite);
  if (large) out.Push(PageAddr(dst, dst.head_pfn + 1), s, AccessKind::kWrite);
  if (src.state != mm::PageState::kHole) {
    Page(out, src.node, src.head_pfn, 0, s, AccessKind::kWrite);
  }
  if (op.src_freed) Free(op.src_free, ctx, out);
}

ScanResult StructPageModel::CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn,
                                           uint64_t end_pfn, trace::ScannerKind scanner,
                                           const OpContext& ctx, AccessBuffer& out) {
  ScanResult result;
  const uint32_t s = options_.struct_page_bytes;
  // The next pfn is p + 1 (computed: the core runs ahead) or, after a skip, p + 2^order
  // with the order just loaded (dependent).
  bool skipped = false;
  for (uint64_t p = start_pfn; p < end_pfn;) {
    const mm::BlockInfo b = mem.Lookup(p);
    if (b.state == mm::PageState::kHole) {
      ++p;  // pfn_valid() fails: no struct page to read
      continue;
    }
    ++result.pages_examined;
    out.Push(PageAddr(b, p), s, AccessKind::kRead, skipped);
    skipped = false;
    const uint64_t block_end = b.head_pfn + b.pages();
    if (b.state == mm::PageState::kFree && p == b.head_pfn) {
      p = block_end;  // PageBuddy: skip 2^buddy_order pages
      skipped = true;
    } else if (b.state == mm::PageState::kAllocated && p == b.head_pfn &&
               IsCompound(b.owner, b.order)) {
      // compound_order() reads folio->_flags_1 in page[1] (address computed).
      out.Push(PageAddr(b, p + 1), 8, AccessKind::kRead, false);
      if (scanner == trace::SCANNER_FREE && block_end > end_pfn) {
        ++p;
      } else {
        p = block_end;
        skipped = true;
      }
    } else {
      ++p;
    }
  }
  return result;
}

IsolationResult StructPageModel::Isolate(const mm::PhysMem& mem, uint64_t start_pfn,
                                         uint64_t end_pfn, trace::ScannerKind scanner,
                                         uint64_t nr_taken, const OpContext& ctx,
                                         AccessBuffer& out) {
  IsolationResult r;
  r.pages = IsolationTargets::Find(mem, start_pfn, end_pfn, scanner, nr_taken, &isolated_);
  r.blocks = isolated_.size();
  if (isolated_.empty()) return r;
  const uint32_t s = options_.struct_page_bytes;
  const uint32_t node = isolated_.front().node;
  const uint64_t lock = scanner == trace::SCANNER_FREE
                            ? layout_.ZoneLockAddr(node, isolated_.front().zone)
                            : layout_.LruLockAddr(node);
  if (scanner == trace::SCANNER_FREE) out.Push(lock, 4, AccessKind::kAtomic, false);
  bool locked = scanner == trace::SCANNER_FREE;
  for (const mm::BlockInfo& b : isolated_) {
    const uint64_t a = PageAddr(b, b.head_pfn);
    if (scanner == trace::SCANNER_FREE) {
      out.Push(a + 8, 16, AccessKind::kRead, false);
      out.Push(a, s, AccessKind::kWrite, false);
      out.Push(a + 8, 16, AccessKind::kWrite, false);
      out.Push(a + private_off_, 8, AccessKind::kWrite, false);
      continue;
    }
    out.Push(a + refcount_off_, 4, AccessKind::kAtomic, false);
    out.Push(a, 8, AccessKind::kAtomic);
    if (!locked) {
      out.Push(lock, 4, AccessKind::kAtomic);
      locked = true;
    }
    out.Push(a + 8, 16, AccessKind::kRead);
    out.Push(a + 8, 16, AccessKind::kWrite, false);
  }
  out.Push(lock, 4, AccessKind::kWrite, false);
  return r;
}

absl::Status ValidatePage64Config(const config::MemmapModelConfig& config) {
  return ValidateSectionMib("page64.struct_page.section_mib",
                            config.page64().struct_page().section_mib());
}

absl::Status ValidatePage32Config(const config::MemmapModelConfig& config) {
  return ValidateSectionMib("page32.struct_page.section_mib",
                            config.page32().struct_page().section_mib());
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage64Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  const config::StructPageConfig& c = config.page64().struct_page();
  StructPageModel::Options o;
  o.name = "page64";
  o.struct_page_bytes = 64;
  o.section_pages = uint64_t{c.section_mib()} << (20 - mm::kPageShift);
  o.hvo_hugetlb = c.hvo_hugetlb();
  o.write_tail_pages = c.write_tail_pages();
  return std::make_unique<StructPageModel>(nodes, o);
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage32Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  const config::StructPageConfig& c = config.page32().struct_page();
  StructPageModel::Options o;
  o.name = "page32";
  o.struct_page_bytes = 32;
  o.section_pages = uint64_t{c.section_mib()} << (20 - mm::kPageShift);
  o.hvo_hugetlb = c.hvo_hugetlb();
  o.write_tail_pages = c.write_tail_pages();
  return std::make_unique<StructPageModel>(nodes, o);
}

}  // namespace memsim::memmap
