#include "sim/trace/import/kernel_names.h"

#include <gtest/gtest.h>

#include "sim/trace/import/owner_inference.h"

namespace memsim {
namespace {

using namespace trace;  // GFP_BIT_*, OWNER_*, MR_*

constexpr uint64_t kKernel = GFP_BIT_DIRECT_RECLAIM | GFP_BIT_KSWAPD_RECLAIM | GFP_BIT_IO |
                             GFP_BIT_FS;  // 512 | 1024 | 64 | 128 = 1728

TEST(GfpNamesTest, CompositeAndSingleNames) {
  uint32_t unknown = 0;
  EXPECT_EQ(GfpBitsFromNames("GFP_KERNEL", &unknown), 1728u);
  EXPECT_EQ(GfpBitsFromNames("GFP_KERNEL|__GFP_ZERO", &unknown), 1728u + 256u);
  EXPECT_EQ(GfpBitsFromNames("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP", &unknown),
            kKernel | GFP_BIT_ACCOUNT | GFP_BIT_ZERO | GFP_BIT_COMP);
  EXPECT_EQ(GfpBitsFromNames("GFP_HIGHUSER_MOVABLE|__GFP_COMP", &unknown),
            kKernel | GFP_BIT_HARDWALL | GFP_BIT_HIGHMEM | GFP_BIT_MOVABLE | GFP_BIT_COMP);
  // GFP_TRANSHUGE_LIGHT: movable user mask without reclaim, plus COMP|NOMEMALLOC|NOWARN.
  EXPECT_EQ(GfpBitsFromNames("GFP_TRANSHUGE_LIGHT", &unknown),
            GFP_BIT_IO | GFP_BIT_FS | GFP_BIT_HARDWALL | GFP_BIT_HIGHMEM | GFP_BIT_MOVABLE |
                GFP_BIT_COMP | GFP_BIT_NOMEMALLOC | GFP_BIT_NOWARN);
  EXPECT_EQ(GfpBitsFromNames("GFP_NOWAIT", &unknown), GFP_BIT_KSWAPD_RECLAIM | GFP_BIT_NOWARN);
  EXPECT_EQ(GfpBitsFromNames("none", &unknown), 0u);
  EXPECT_EQ(GfpBitsFromNames("", &unknown), 0u);
  EXPECT_EQ(unknown, 0u);
}

TEST(GfpNamesTest, UnknownNamesAndHexRemainderAreCounted) {
  uint32_t unknown = 0;
  EXPECT_EQ(GfpBitsFromNames("GFP_KERNEL|__GFP_FUTURE|0x8000000", &unknown), 1728u);
  EXPECT_EQ(unknown, 2u);
}

TEST(KernelNamesTest, ReasonsModesResults) {
  EXPECT_EQ(MigrateReasonFromName("compaction"), MR_COMPACTION);
  EXPECT_EQ(MigrateReasonFromName("syscall_or_cpuset"), MR_SYSCALL);
  EXPECT_EQ(MigrateReasonFromName("numa_misplaced"), MR_NUMA_MISPLACED);
  EXPECT_EQ(MigrateReasonFromName("cma"), MR_CONTIG_RANGE);
  EXPECT_EQ(MigrateReasonFromName("bogus"), std::nullopt);
  EXPECT_EQ(MigrateModeFromName("MIGRATE_SYNC"), 2u);
  EXPECT_EQ(MigrateModeFromName("MIGRATE_ASYNC"), 0u);
  EXPECT_EQ(CompactResultFromName("complete"), 5);
  EXPECT_EQ(CompactResultFromName("contended"), 7);
  EXPECT_EQ(CompactResultFromName("success"), 8);
}

OwnerType Owner(const char* gfp, int32_t mt, uint32_t order) {
  uint32_t unknown = 0;
  return InferOwner(GfpBitsFromNames(gfp, &unknown), mt, order);
}

TEST(OwnerInferenceTest, RulesOnFlagsSeenInReal618Captures) {
  EXPECT_EQ(Owner("GFP_HIGHUSER_MOVABLE|__GFP_COMP", 1, 0), OWNER_ANON);
  EXPECT_EQ(Owner("GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP", 1, 0), OWNER_ANON);
  EXPECT_EQ(Owner("GFP_TRANSHUGE|__GFP_THISNODE", 1, 9), OWNER_ANON);
  EXPECT_EQ(Owner("GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_COMP", 1, 0), OWNER_FILE);
  EXPECT_EQ(Owner("GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|"
                  "__GFP_HARDWALL",
                  1, 0),
            OWNER_FILE);
  EXPECT_EQ(Owner("GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_RETRY_MAYFAIL|__GFP_NOWARN", 1, 9),
            OWNER_HUGETLB);
  EXPECT_EQ(Owner("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP", 0, 0), OWNER_PAGE_TABLE);
  EXPECT_EQ(Owner("GFP_NOFS|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP", 2, 0),
            OWNER_SLAB);
  EXPECT_EQ(Owner("__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC", 0, 2),
            OWNER_SLAB);
  EXPECT_EQ(Owner("GFP_NOFS|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL", 0, 0), OWNER_FILE);
  EXPECT_EQ(Owner("GFP_KERNEL|__GFP_HIGHMEM|__GFP_NOWARN", 0, 0), OWNER_VMALLOC);
  EXPECT_EQ(Owner("GFP_HIGHUSER|__GFP_ACCOUNT", 0, 0), OWNER_KERNEL);  // pipe buffer
  EXPECT_EQ(Owner("GFP_NOWAIT", 0, 0), OWNER_KERNEL);
  EXPECT_EQ(Owner("GFP_KERNEL|__GFP_ZERO", 0, 0), OWNER_KERNEL);
  EXPECT_EQ(Owner("none", 1, 0), OWNER_ANON);  // migratetype fallback
}

}  // namespace
}  // namespace memsim
