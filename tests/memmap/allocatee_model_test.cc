// allocatee: the word is an untyped owner pointer, so type and order come from the
// descriptor and a free page's order from the page itself. Same machine and address
// formulas as memdesc_model_test.cc.
#include "sim/memmap/allocatee_model.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using ::testing::ElementsAre;
using testing::Ind;
using testing::R;
using testing::W;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};
constexpr uint64_t kSlab0 = 262144;
uint64_t Wd(uint64_t pfn) { return 8 * pfn; }
uint64_t F(uint64_t pfn) { return 4096 * pfn; }

TEST(AllocateeTest, OrderZeroAllocFreeAndLookup) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("allocatee {}", kNode);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{}, out);
  EXPECT_EQ(out.size(), 27u);  // as memdesc: 22 buddy + slab page word + 3 desc + word
  out.Clear();
  model->Lookup(mem.Lookup(4096), 4096, OpContext{}, out);
  EXPECT_THAT(out.accesses(), ElementsAre(R(Wd(4096), 8), R(kSlab0, 16)));
  out.Clear();
  mm::FreeResult f;
  mem.Free(4096, 0, &f);
  model->Free(f, OpContext{}, out);
  // desc free + slab page word + page word + 10 checks * (word + page read, word + page
  // write) + final 2.
  EXPECT_EQ(out.size(), 3u + 40u + 2u);
  EXPECT_EQ(out[3], R(Wd(4097), 8));
  EXPECT_EQ(out[4], R(F(4097), 16));
}

TEST(AllocateeTest, ThpAllocAndScanNeedTheDescriptor) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("allocatee {}", kNode);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{}, out);
  mem.Alloc(4097, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{}, out);
  mem.Alloc(4100, 2, trace::OWNER_SLAB, &r);
  model->Alloc(r, OpContext{}, out);
  mem.Alloc(4608, 9, trace::OWNER_ANON, &r);
  out.Clear();
  model->Alloc(r, OpContext{}, out);
  // 4608/9 is a free block of its own (4096/10 is broken up): 2 buddy accesses, no slab
  // page (slot 2 of the anon slab): freelist read + 2 descriptor lines, 64 word lines.
  EXPECT_EQ(out.size(), 2u + 3u + 64u);
  out.Clear();
  ScanResult s = model->CompactionScan(mem, 4096, 5120, trace::SCANNER_MIGRATE, OpContext{}, out);
  EXPECT_EQ(s.pages_examined, 11u);
  EXPECT_EQ(s.descriptor_reads, 4u);
  EXPECT_THAT(
      out.accesses(),
      ElementsAre(Ind(R(Wd(4096), 8)), R(kSlab0, 16), Ind(R(Wd(4097), 8)), R(kSlab0 + 80, 16),
                  Ind(R(Wd(4098), 8)), Ind(R(F(4098), 16)), R(Wd(4100), 8), R(kSlab0 + 4096, 16),
                  R(Wd(4104), 8), Ind(R(F(4104), 16)), R(Wd(4112), 8), Ind(R(F(4112), 16)),
                  R(Wd(4128), 8), Ind(R(F(4128), 16)), R(Wd(4160), 8), Ind(R(F(4160), 16)),
                  R(Wd(4224), 8), Ind(R(F(4224), 16)), R(Wd(4352), 8), Ind(R(F(4352), 16)),
                  R(Wd(4608), 8), R(kSlab0 + 160, 16)));
  // Dependence: word pfn + 1 and a free page's own bytes independent; an owner and a word
  // after a skip dependent.
}

TEST(AllocateeTest, VmallocAreaSharesOneOwner) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("allocatee { vmalloc_area_pages: 4 }", kNode);
  AccessBuffer out;
  mm::AllocResult r;
  for (uint64_t pfn : {4096, 4098, 4100, 4102, 4104}) {
    mem.Alloc(pfn, 0, trace::OWNER_VMALLOC, &r);
    model->Alloc(r, OpContext{}, out);
  }
  // Pages 1-4 share the first vm_struct, page 5 starts a second: 2 * 64 bytes live, both
  // counted for vmalloc in the overhead by owner type.
  EXPECT_EQ(model->overhead().machine().descriptor_live_bytes, 128u);
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_VMALLOC).count, 2u);
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_VMALLOC).bytes, 128u);
  mm::FreeResult f;
  for (uint64_t pfn : {4096, 4098, 4100}) {
    mem.Free(pfn, 0, &f);
    model->Free(f, OpContext{}, out);
  }
  EXPECT_EQ(model->overhead().machine().descriptor_live_bytes, 128u);
  mem.Free(4102, 0, &f);
  model->Free(f, OpContext{}, out);
  EXPECT_EQ(model->overhead().machine().descriptor_live_bytes, 64u);
  // The shared descriptor is freed with its last page, and charged back to vmalloc.
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_VMALLOC).count, 1u);
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_VMALLOC).bytes, 64u);
}

TEST(AllocateeTest, MigrateMovesTheOwner) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("allocatee {}", kNode);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_FILE, &r);
  model->Alloc(r, OpContext{}, out);
  out.Clear();
  mm::MigrateResult m;
  mem.Migrate(4096, 8192, 0, /*free_source=*/true, &m);
  model->Migrate(m, OpContext{}, out);
  // read w(src), D, atomic refcount; 22 buddy accesses; D's pfn; the word; then the
  // source's free: its word, 10 checks of 4 (the buddy at 4097 and up: all merged), final 2.
  ASSERT_EQ(out.size(), 3u + 22u + 1u + 1u + 1u + 40u + 2u);
  EXPECT_EQ(out[2],
            (MetadataAccess{kSlab0 + AllocateeModel::kRefcountOffset, 4, AccessKind::kAtomic}));
  EXPECT_EQ(out[25], W(kSlab0 + AllocateeModel::kPfnOffset, 8));
  EXPECT_EQ(model->overhead().machine().descriptor_live_bytes, 80u);
  // The moved descriptor stays the file folio's.
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_FILE).count, 1u);
  EXPECT_EQ(model->overhead().owner_descriptors(trace::OWNER_FILE).bytes, 80u);
  out.Clear();
  model->Lookup(mem.Lookup(8192), 8192, OpContext{}, out);
  EXPECT_THAT(out.accesses(), ElementsAre(R(Wd(8192), 8), R(kSlab0, 16)));
}

}  // namespace
}  // namespace memsim::memmap
