// Composite gfp masks the kernel passes for the allocations the workloads mimic, spelt in
// memsim's own GfpBit values (proto/trace.proto). Definitions follow include/linux/gfp_types.h
// (Linux 6.x): GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS; GFP_USER adds __GFP_HARDWALL;
// GFP_HIGHUSER_MOVABLE = GFP_USER | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_SKIP_KASAN;
// GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN)
// & ~__GFP_RECLAIM.
#ifndef MEMSIM_SIM_WORKLOAD_GFP_H_
#define MEMSIM_SIM_WORKLOAD_GFP_H_

#include <cstdint>

#include "proto/trace.pb.h"

namespace memsim::workload::gfp {

inline constexpr uint64_t kReclaim = trace::GFP_BIT_DIRECT_RECLAIM | trace::GFP_BIT_KSWAPD_RECLAIM;
inline constexpr uint64_t kKernel = kReclaim | trace::GFP_BIT_IO | trace::GFP_BIT_FS;
inline constexpr uint64_t kUser = kKernel | trace::GFP_BIT_HARDWALL;
inline constexpr uint64_t kHighUserMovable =
    kUser | trace::GFP_BIT_HIGHMEM | trace::GFP_BIT_MOVABLE | trace::GFP_BIT_SKIP_KASAN;
inline constexpr uint64_t kTransHugeLight =
    (kHighUserMovable | trace::GFP_BIT_COMP | trace::GFP_BIT_NOMEMALLOC | trace::GFP_BIT_NOWARN) &
    ~kReclaim;
// do_anonymous_page(): vma_alloc_zeroed_movable_folio() on x86 adds __GFP_ZERO.
inline constexpr uint64_t kAnonPage = kHighUserMovable | trace::GFP_BIT_ZERO;
// readahead_gfp_mask(): the mapping's mask (GFP_HIGHUSER_MOVABLE) | __GFP_NORETRY | __GFP_NOWARN.
inline constexpr uint64_t kReadahead =
    kHighUserMovable | trace::GFP_BIT_NORETRY | trace::GFP_BIT_NOWARN;
// alloc_misplaced_dst_folio(), order 0: (GFP_HIGHUSER_MOVABLE | __GFP_THISNODE |
// __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM; large folios use
// GFP_TRANSHUGE_LIGHT | __GFP_THISNODE.
inline constexpr uint64_t kMisplacedDst =
    (kHighUserMovable | trace::GFP_BIT_THISNODE | trace::GFP_BIT_NOMEMALLOC |
     trace::GFP_BIT_NORETRY | trace::GFP_BIT_NOWARN) &
    ~kReclaim;
inline constexpr uint64_t kMisplacedDstThp = kTransHugeLight | trace::GFP_BIT_THISNODE;
// SLUB allocate_slab(): the preferred (higher) order is tried with __GFP_NOWARN |
// __GFP_NORETRY; slab pages of order > 0 are compound.
inline constexpr uint64_t kSlabHighOrderExtra =
    trace::GFP_BIT_NOWARN | trace::GFP_BIT_NORETRY | trace::GFP_BIT_COMP;

}  // namespace memsim::workload::gfp

#endif  // MEMSIM_SIM_WORKLOAD_GFP_H_
