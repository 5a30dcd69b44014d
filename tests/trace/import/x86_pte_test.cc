#include "sim/trace/import/x86_pte.h"

#include <gtest/gtest.h>

namespace memsim {
namespace {

// __swp_entry(type, offset) of arch/x86/include/asm/pgtable_64.h, written out for the test.
uint64_t SwapEntryPte(uint64_t type, uint64_t offset) {
  return ((~offset) << 14 >> 5) | (type << 59);
}

TEST(X86PteTest, MigrationEntryFromARealCapture) {
  // Linux 6.18, compaction: "set_migration_pte: addr=7f99d4f6b000, pte=f7ffe7ffdfbcec00".
  // ~pte = 0x08001800204313ff; << 5 drops the type, >> 14 leaves offset 0xc00102189:
  // pfn 0x102189 in the low 34 bits (MAX_PHYSMEM_BITS 46 - PAGE_SHIFT 12), then the
  // young (bit 34) and dirty (bit 35) flags of SWP_MIG_YOUNG/DIRTY.
  EXPECT_EQ(MigrationEntryPfn(0xf7ffe7ffdfbcec00ull, 46), 0x102189u);
  // With LA57 the pfn field is 40 bits wide and the flag bits would be read as pfn bits.
  EXPECT_EQ(MigrationEntryPfn(0xf7ffe7ffdfbcec00ull, 52), 0xc00102189u);
}

TEST(X86PteTest, MigrationEntryRoundTrip) {
  for (uint64_t type : {29u, 30u, 31u}) {
    for (uint64_t pfn : {1ull, 0x12345ull, 0x3ffffffffull}) {
      EXPECT_EQ(MigrationEntryPfn(SwapEntryPte(type, pfn), 46), pfn) << type << " " << pfn;
    }
  }
}

TEST(X86PteTest, NotAMigrationEntry) {
  EXPECT_EQ(MigrationEntryPfn(0, 46), std::nullopt);
  EXPECT_EQ(MigrationEntryPfn(0x800000017fe41067ull, 46), std::nullopt);    // present
  EXPECT_EQ(MigrationEntryPfn(SwapEntryPte(0, 0x1234), 46), std::nullopt);  // swap file 0
}

TEST(X86PteTest, PresentPte) {
  // "remove_migration_pte: addr=7f99d4f6b000, pte=800000017fe41067": NX | pfn 0x17fe41 |
  // dirty, accessed, user, rw, present.
  EXPECT_EQ(PtePfn(0x800000017fe41067ull), 0x17fe41u);
  EXPECT_EQ(PtePfn(0x0000000000001025ull), 0x1u);
}

TEST(X86PteTest, ProtNonePteIsInverted) {
  // A PROT_NONE pte is not present, has _PAGE_PROTNONE (bit 8), and stores ~pfn.
  const uint64_t pfn = 0x1234;
  const uint64_t pte = ((~(pfn << 12)) & 0x000ffffffffff000ull) | 0x100 | 0x060;
  EXPECT_EQ(PtePfn(pte), pfn);
}

TEST(X86PteTest, EmptyAndSwapPtesHaveNoPfn) {
  EXPECT_EQ(PtePfn(0), std::nullopt);
  EXPECT_EQ(PtePfn(SwapEntryPte(30, 0x1234)), std::nullopt);
}

}  // namespace
}  // namespace memsim
