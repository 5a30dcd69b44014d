#include "sim/memmap/struct_page_model.h"

#include <algorithm>

#include "sim/memmap/isolation_targets.h"
#include "sim/memmap/memdesc_model.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

// Offset of folio->_large_mapcount inside page[1].
constexpr uint32_t kLargeMapcountOffset = 16;
// The memdesc word in a slot (where compound_head is today).
constexpr uint32_t kWordOffset = 8;
// Separate descriptor fields (a folio descriptor keeps struct page's order, as memdesc).
constexpr uint32_t kDescPfnOffset = 16;
constexpr uint32_t kDescLruOffset = 24;
// First hugetlb order of the 1 GiB size (PUD_ORDER on x86-64).
constexpr uint32_t kGigOrder = 18;

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
  bool any_separate = false;
  for (const Options::Separate& sep : options_.separate) any_separate |= sep.bytes > 0;
  if (!any_separate) return;
  DescriptorSlabs::Options slab;
  slab.slab_page_order = options_.slab_page_order;
  table_ = std::make_unique<DescriptorTable>(&layout_, slab, &overhead_);
  absl::flat_hash_map<std::string, int> caches;
  for (int o = 0; o < static_cast<int>(options_.separate.size()); ++o) {
    const Options::Separate& sep = options_.separate[o];
    if (sep.bytes == 0) continue;
    auto [it, added] = caches.try_emplace(sep.cache, 0);
    if (added) it->second = table_->AddCache(sep.bytes, sep.align_bytes);
    table_->SetCache(static_cast<trace::OwnerType>(o), sep.bytes, it->second);
  }
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
         b.owner == trace::OWNER_HUGETLB &&
         (b.order < kGigOrder ? options_.hvo_2mib : options_.hvo_1gib) &&
         HvoFreedPages(b.order, options_.struct_page_bytes) > 0;
}

uint64_t StructPageModel::HvoTailKey(uint32_t node, uint32_t zone, uint32_t order) const {
  const uint64_t z = options_.hvo_tail == config::StructPageConfig::SHARED_PER_ZONE ? zone : 0;
  return (uint64_t{node} << 32) | ((z % 128) << 1) | (order >= kGigOrder ? 1 : 0);
}

uint64_t StructPageModel::HvoTailAddr(uint64_t key) const {
  const uint32_t node = static_cast<uint32_t>(key >> 32);
  const uint64_t node_end =
      layout_.ZoneLockAddr(node, 0) - MemmapLayout::kZoneLockOffset + (uint64_t{1} << 20);
  return node_end - (uint64_t{2} << 20) - ((key & 0xffffffff) + 1) * mm::kPageBytes;
}

void StructPageModel::HvoStart(const mm::BlockInfo& b, uint64_t time_ns) {
  int64_t saved =
      static_cast<int64_t>(HvoFreedPages(b.order, options_.struct_page_bytes) * mm::kPageBytes);
  if (options_.hvo_tail != config::StructPageConfig::PER_FOLIO) {
    const uint64_t key = HvoTailKey(b.node, b.zone, b.order);
    hvo_key_of_head_[b.head_pfn] = key;
    if (hvo_tail_users_[key]++ == 0) saved -= static_cast<int64_t>(mm::kPageBytes);
  }
  overhead_.Change(time_ns, b.node, 0, 0, saved);
}

void StructPageModel::HvoEnd(uint32_t node, uint64_t head_pfn, uint32_t order, uint64_t time_ns) {
  int64_t saved =
      -static_cast<int64_t>(HvoFreedPages(order, options_.struct_page_bytes) * mm::kPageBytes);
  if (options_.hvo_tail != config::StructPageConfig::PER_FOLIO) {
    auto it = hvo_key_of_head_.find(head_pfn);
    if (it != hvo_key_of_head_.end()) {
      auto users = hvo_tail_users_.find(it->second);
      if (--users->second == 0) {
        saved += static_cast<int64_t>(mm::kPageBytes);
        hvo_tail_users_.erase(users);
      }
      hvo_key_of_head_.erase(it);
    }
  }
  overhead_.Change(time_ns, node, 0, 0, saved);
}

uint64_t StructPageModel::PageAddr(const mm::BlockInfo& block, uint64_t pfn) const {
  const uint64_t a = layout_.Addr(block.node, pfn);
  if (!IsHvo(block)) return a;
  const uint64_t head = layout_.Addr(block.node, block.head_pfn);
  if (options_.hvo_tail == config::StructPageConfig::PER_FOLIO) {
    // Every vmemmap page of the folio maps the retained first page.
    return head + ((a - head) & (mm::kPageBytes - 1));
  }
  // The first vmemmap page (head and first tails) stays the folio's own; the others map
  // the shared tail page.
  if (a - head < mm::kPageBytes) return a;
  return HvoTailAddr(HvoTailKey(block.node, block.zone, block.order)) +
         ((a - head) & (mm::kPageBytes - 1));
}

void StructPageModel::Seed(const mm::PhysMem& mem, uint64_t time_ns) {
  if (table_ != nullptr) {
    mem.VisitRuns(0, ~uint64_t{0}, [&](const mm::PhysMem::Run& r) {
      if (r.state != mm::PageState::kAllocated || !IsSeparate(r.owner)) return;
      const uint64_t m = uint64_t{1} << r.order;
      for (uint64_t head = (r.start_pfn + m - 1) & ~(m - 1); head + m <= r.end_pfn; head += m) {
        table_->Alloc(head, r.owner, r.node, time_ns, nullptr);
      }
    });
  }
  if (!options_.hvo_hugetlb) return;
  mem.VisitRuns(0, ~uint64_t{0}, [&](const mm::PhysMem::Run& r) {
    if (r.state != mm::PageState::kAllocated || r.owner != trace::OWNER_HUGETLB) return;
    const mm::BlockInfo probe{mm::PageState::kAllocated, r.start_pfn, r.order, r.owner, r.node, 0};
    if (!IsHvo(probe)) return;
    const uint64_t freed = HvoFreedPages(r.order, options_.struct_page_bytes);
    const uint64_t m = uint64_t{1} << r.order;
    if (options_.hvo_tail != config::StructPageConfig::PER_FOLIO) {
      for (uint64_t head = (r.start_pfn + m - 1) & ~(m - 1); head + m <= r.end_pfn; head += m) {
        HvoStart(mem.Lookup(head), time_ns);
      }
      return;
    }
    const uint64_t heads = ((r.end_pfn + m - 1) >> r.order) - ((r.start_pfn + m - 1) >> r.order);
    overhead_.Change(time_ns, r.node, 0, 0, static_cast<int64_t>(heads * freed * mm::kPageBytes));
  });
}

void StructPageModel::InitBlock(const mm::BlockInfo& b, const OpContext& ctx, bool with_descriptor,
                                AccessBuffer& out) {
  const uint32_t s = options_.struct_page_bytes;
  const uint32_t node = b.node;
  const uint64_t n = b.pages();
  if (IsSeparate(b.owner)) {
    // kmem_cache_alloc of the descriptor and its init, then every page's memdesc word.
    if (with_descriptor) {
      const Options::Separate& sep = options_.separate[b.owner];
      const uint32_t dnode =
          sep.cpu_node && ctx.cpu_node < layout_.num_nodes() ? ctx.cpu_node : node;
      const uint64_t h = table_->Alloc(b.head_pfn, b.owner, dnode, ctx.time_ns, &out);
      out.PushLines(table_->Addr(h), sep.bytes, AccessKind::kWrite);
    }
    Page(out, node, b.head_pfn, 0, s, AccessKind::kWrite);
    for (uint64_t i = 1; i < n; ++i) {
      Page(out, node, b.head_pfn + i, kWordOffset, 8, AccessKind::kWrite, false);
    }
    if (IsHvo(b)) HvoStart(b, ctx.time_ns);
    return;
  }
  Page(out, node, b.head_pfn, 0, s, AccessKind::kWrite);
  if (!IsCompound(b.owner, b.order)) return;
  for (uint64_t i = 1; i < n; ++i) {
    if (i < folio_pages_) {
      Page(out, node, b.head_pfn + i, 0, s, AccessKind::kWrite, false);
    } else if (options_.write_tail_pages) {
      Page(out, node, b.head_pfn + i, 8, tail_bytes_, AccessKind::kWrite, false);
    }
  }
  if (IsHvo(b)) HvoStart(b, ctx.time_ns);
}

void StructPageModel::Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) {
  AllocBlock(op, ctx, /*with_descriptor=*/true, out);
}

void StructPageModel::AllocBlock(const mm::AllocResult& op, const OpContext& ctx,
                                 bool with_descriptor, AccessBuffer& out) {
  if (!op.applied) return;
  const uint32_t node = op.block.node;
  const uint32_t s = options_.struct_page_bytes;
  for (const mm::Piece& p : op.displaced) {
    // Repair of inconsistent input: release HVO savings and descriptors of displaced blocks.
    if (p.state != mm::PageState::kAllocated) continue;
    const uint64_t m = uint64_t{1} << p.order;
    if (IsSeparate(p.owner)) {
      for (uint64_t head = p.pfn; head < p.pfn + p.pages; head += m) {
        table_->Release(head & ~(m - 1), ctx.time_ns, nullptr);
      }
    }
    mm::BlockInfo b{mm::PageState::kAllocated, p.pfn, p.order, p.owner, p.node, 0};
    if (!IsHvo(b)) continue;
    const uint64_t heads = (p.pages + m - 1) >> p.order;
    if (options_.hvo_tail != config::StructPageConfig::PER_FOLIO) {
      for (uint64_t i = 0; i < heads; ++i) {
        HvoEnd(p.node, (p.pfn & ~(m - 1)) + i * m, p.order, ctx.time_ns);
      }
      continue;
    }
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
  InitBlock(op.block, ctx, with_descriptor, out);
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
      HvoEnd(node, head, p.order, ctx.time_ns);
    }
    if (IsSeparate(p.owner)) {
      table_->Release(head, ctx.time_ns, &out);
      for (uint64_t i = 1; i < m; ++i) {
        Page(out, node, head + i, kWordOffset, 8, AccessKind::kWrite, i == 1);
      }
      Page(out, node, head, 0, s, AccessKind::kWrite);
    } else if (IsCompound(p.owner, p.order)) {
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
  uint64_t h;
  if (block.state == mm::PageState::kAllocated && IsSeparate(block.owner) &&
      table_->Find(block.head_pfn, &h)) {
    out.Push(table_->Addr(h), 16, AccessKind::kRead);  // the memdesc pointer chase
    return;
  }
  if (block.state == mm::PageState::kAllocated && pfn != block.head_pfn &&
      IsCompound(block.owner, block.order)) {
    out.Push(layout_.Addr(block.node, block.head_pfn), 16, AccessKind::kRead);
  }
}

void StructPageModel::MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                               AccessBuffer& out) {
  if (block.state != mm::PageState::kAllocated || mm::IsPcpBlock(block)) return;
  uint64_t h;
  if (IsSeparate(block.owner) && table_->Find(block.head_pfn, &h)) {
    const uint32_t bytes = table_->bytes(block.owner);
    out.Push(table_->Addr(h) + DescriptorRefcountOffset(bytes), 4, AccessKind::kAtomic);
    out.Push(table_->Addr(h) + DescriptorMapcountOffset(bytes), 4, AccessKind::kAtomic);
    return;
  }
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
  if (IsSeparate(op.dst.owner)) {
    MigrateSeparate(op, ctx, out);
    return;
  }
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

void StructPageModel::MigrateSeparate(const mm::MigrateResult& op, const OpContext& ctx,
                                      AccessBuffer& out) {
  const uint32_t s = options_.struct_page_bytes;
  const mm::BlockInfo& src = op.src;
  const mm::BlockInfo& dst = op.dst;
  uint64_t sh = 0;
  const bool has_src = src.state == mm::PageState::kAllocated && IsSeparate(src.owner) &&
                       table_->Find(src.head_pfn, &sh);
  if (src.state != mm::PageState::kHole) Page(out, src.node, src.head_pfn, 0, s, AccessKind::kRead);
  if (has_src) {
    // migrate_folio_unmap reads the folio; folio_ref_freeze on its refcount.
    out.Push(table_->Addr(sh), 16, AccessKind::kRead);
    out.Push(table_->Addr(sh) + DescriptorRefcountOffset(table_->bytes(src.owner)), 4,
             AccessKind::kAtomic);
  }
  if (op.dst_allocated_here) AllocBlock(op.dst_alloc, ctx, /*with_descriptor=*/false, out);
  uint64_t dh = 0;
  const bool has_dst = table_->Find(dst.head_pfn, &dh);
  if (has_src) {
    // The descriptor follows the folio: a descriptor the destination had is released.
    if (has_dst) table_->Release(dst.head_pfn, ctx.time_ns, &out);
    table_->Move(src.head_pfn, dst.head_pfn);
    out.Push(table_->Addr(sh) + kDescPfnOffset, 8, AccessKind::kWrite);
  } else if (!has_dst) {
    const uint64_t h = table_->Alloc(dst.head_pfn, dst.owner, dst.node, ctx.time_ns, &out);
    out.PushLines(table_->Addr(h), table_->bytes(dst.owner), AccessKind::kWrite);
  }
  // folio_migrate_flags; the destination's words point at the descriptor.
  Page(out, dst.node, dst.head_pfn, 0, s, AccessKind::kWrite);
  if (!op.dst_allocated_here) {
    for (uint64_t i = 1; i < dst.pages(); ++i) {
      Page(out, dst.node, dst.head_pfn + i, kWordOffset, 8, AccessKind::kWrite, false);
    }
  }
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
      uint64_t h;
      if (IsSeparate(b.owner) && table_->Find(b.head_pfn, &h)) {
        // folio_order() reads the descriptor the slot points at (dependent).
        out.Push(table_->Addr(h), 8, AccessKind::kRead, true);
        ++result.descriptor_reads;
      } else {
        // compound_order() reads folio->_flags_1 in page[1] (address computed).
        out.Push(PageAddr(b, p + 1), 8, AccessKind::kRead, false);
      }
      if (scanner == trace::SCANNER_FREE && block_end > end_pfn) {
        ++p;
      } else {
        p = block_end;
        skipped = true;
      }
    } else {
      uint64_t h;
      if (b.state == mm::PageState::kAllocated && b.order == 0 &&
          scanner == trace::SCANNER_MIGRATE && MemdescModel::IsFolio(b.owner) &&
          IsSeparate(b.owner) && table_->Find(b.head_pfn, &h)) {
        // PG_lru lives in the folio: read its flags through the slot's pointer.
        out.Push(table_->Addr(h), 8, AccessKind::kRead, true);
        ++result.descriptor_reads;
      }
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
    uint64_t d = a;
    uint32_t refcount = refcount_off_;
    uint32_t lru = 8;
    uint64_t h;
    if (IsSeparate(b.owner) && table_->Find(b.head_pfn, &h)) {
      d = table_->Addr(h);
      refcount = DescriptorRefcountOffset(table_->bytes(b.owner));
      lru = kDescLruOffset;
    }
    out.Push(d + refcount, 4, AccessKind::kAtomic, false);
    out.Push(d, 8, AccessKind::kAtomic);
    if (!locked) {
      out.Push(lock, 4, AccessKind::kAtomic);
      locked = true;
    }
    out.Push(d + lru, 16, AccessKind::kRead);
    out.Push(d + lru, 16, AccessKind::kWrite, false);
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

void ApplyStructPageConfig(const config::StructPageConfig& c, StructPageModel::Options& o) {
  o.section_pages = uint64_t{c.section_mib()} << (20 - mm::kPageShift);
  o.hvo_hugetlb = c.hvo_hugetlb();
  o.write_tail_pages = c.write_tail_pages();
  o.hvo_2mib = c.hvo_2mib();
  o.hvo_1gib = c.hvo_1gib();
  o.hvo_tail = c.hvo_tail();
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage64Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  StructPageModel::Options o;
  o.name = "page64";
  o.struct_page_bytes = 64;
  ApplyStructPageConfig(config.page64().struct_page(), o);
  return std::make_unique<StructPageModel>(nodes, o);
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreatePage32Model(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  StructPageModel::Options o;
  o.name = "page32";
  o.struct_page_bytes = 32;
  ApplyStructPageConfig(config.page32().struct_page(), o);
  return std::make_unique<StructPageModel>(nodes, o);
}

}  // namespace memsim::memmap
