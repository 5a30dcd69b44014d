#include "sim/trace/import/owner_inference.h"

namespace memsim {

namespace {
constexpr bool Has(uint64_t bits, trace::GfpBit b) {
  return (bits & static_cast<uint64_t>(b)) != 0;
}
// enum migratetype, include/linux/mmzone.h.
constexpr int32_t kMigrateMovable = 1;
constexpr int32_t kMigrateReclaimable = 2;
}  // namespace

OwnerType InferOwner(uint64_t gfp, int32_t migratetype, uint32_t order) {
  using namespace trace;  // GFP_BIT_*, OWNER_*
  // gfp_migratetype() derives the migratetype from __GFP_MOVABLE/__GFP_RECLAIMABLE, so the
  // two agree; the migratetype only matters when the flags printed as "none".
  const bool movable = Has(gfp, GFP_BIT_MOVABLE) || (gfp == 0 && migratetype == kMigrateMovable);
  const bool reclaimable =
      Has(gfp, GFP_BIT_RECLAIMABLE) || (gfp == 0 && migratetype == kMigrateReclaimable);
  if (movable) {
    // htlb_alloc_mask() | __GFP_COMP | __GFP_RETRY_MAYFAIL (mm/hugetlb.c
    // alloc_buddy_hugetlb_folio); THP masks carry __GFP_NOMEMALLOC instead.
    if (order > 0 && Has(gfp, GFP_BIT_COMP) && Has(gfp, GFP_BIT_RETRY_MAYFAIL) &&
        !Has(gfp, GFP_BIT_NOMEMALLOC)) {
      return OWNER_HUGETLB;
    }
    // GFP_TRANSHUGE(_LIGHT) from vma_thp_gfp_mask(): anonymous THP / mTHP (and shmem THP,
    // which we cannot tell apart).
    if (Has(gfp, GFP_BIT_NOMEMALLOC) && Has(gfp, GFP_BIT_COMP)) return OWNER_ANON;
    // Zeroed user page: vma_alloc_zeroed_movable_folio() before 6.12, anon faults.
    if (Has(gfp, GFP_BIT_ZERO)) return OWNER_ANON;
    // Page cache: __GFP_WRITE from write_begin (FGP_WRITE), __GFP_NORETRY from
    // readahead_gfp_mask().
    if (Has(gfp, GFP_BIT_WRITE) || Has(gfp, GFP_BIT_NORETRY)) return OWNER_FILE;
    // Plain GFP_HIGHUSER_MOVABLE: anon faults since 6.12 (zeroing moved out of the
    // allocator), COW copies, swap-in, but also page cache read without readahead and
    // migration targets. Anon is the common case; both are folios.
    return OWNER_ANON;
  }
  // SLAB_RECLAIM_ACCOUNT caches (dentry, inode, ...) allocate with __GFP_RECLAIMABLE.
  if (reclaimable) return OWNER_SLAB;
  // GFP_PGTABLE_USER = GFP_KERNEL_ACCOUNT | __GFP_ZERO (arch/x86/include/asm/pgalloc.h,
  // include/asm-generic/pgalloc.h): user page tables.
  if (order == 0 && Has(gfp, GFP_BIT_ZERO) && Has(gfp, GFP_BIT_ACCOUNT)) return OWNER_PAGE_TABLE;
  // Unmovable folio under a GFP_USER-derived mask: page cache of a mapping with an
  // unmovable mapping_gfp_mask (block-device buffers, GFP_NOFS | __GFP_NOFAIL).
  if (Has(gfp, GFP_BIT_HARDWALL) && Has(gfp, GFP_BIT_COMP) && !Has(gfp, GFP_BIT_ACCOUNT)) {
    return OWNER_FILE;
  }
  // Higher-order compound unmovable pages: slab pages (SLUB sets __GFP_COMP in allocflags
  // for order > 0) or kmalloc_large(), which also sets __GFP_COMP.
  if (order > 0 && Has(gfp, GFP_BIT_COMP)) return OWNER_SLAB;
  // __vmalloc_area_node() adds __GFP_HIGHMEM for areas not restricted to DMA zones; percpu
  // chunks come through the same path. Pipe buffers (GFP_HIGHUSER | __GFP_ACCOUNT) carry
  // __GFP_HARDWALL, which vmalloc callers do not.
  if (Has(gfp, GFP_BIT_HIGHMEM) && !Has(gfp, GFP_BIT_HARDWALL)) return OWNER_VMALLOC;
  return OWNER_KERNEL;
}

}  // namespace memsim
