// The published figures, reproduced exactly (docs/memmap-models.md, "Overhead"):
// 64/4096 = 1.5625 % and 8/4096 = 0.1953125 % of RAM; Wilcox's 9941 four-page slabs
// (LKML, Aug 2022: "2.5MB ... just under 1MB"); HVO frees 7 of 8 and 4095 of 4096
// vmemmap pages; and the time-weighted mean.
#include "gtest/gtest.h"
#include "sim/memmap/memdesc_model.h"
#include "sim/memmap/struct_page_model.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

const std::vector<mm::NodeLayout> kOneGiB = {{0, 0, 262144, {}}};

TEST(OverheadFiguresTest, StaticMemmapShareOfRam) {
  auto page64 = testing::MakeModel("page64 {}", kOneGiB);
  auto page32 = testing::MakeModel("page32 {}", kOneGiB);
  auto memdesc = testing::MakeModel("memdesc {}", kOneGiB);
  auto allocatee = testing::MakeModel("allocatee {}", kOneGiB);
  EXPECT_EQ(page64->overhead().machine().static_bytes, 16u << 20);  // 8 sections * 2 MiB
  EXPECT_EQ(page64->overhead().machine().percent_of_ram(), 1.5625);
  EXPECT_EQ(page32->overhead().machine().percent_of_ram(), 0.78125);
  EXPECT_EQ(memdesc->overhead().machine().static_bytes, 2u << 20);
  EXPECT_EQ(memdesc->overhead().machine().percent_of_ram(), 0.1953125);
  EXPECT_EQ(allocatee->overhead().machine().percent_of_ram(), 0.1953125);
}

TEST(OverheadFiguresTest, WilcoxSlabExample) {
  // 9941 slabs of 4 pages each (order 2).
  const std::vector<mm::NodeLayout> node = {{0, 0, 65536, {}}};
  mm::PhysMem mem = testing::FreeMemory(node);
  auto page64 = testing::MakeModel("page64 {}", node);
  auto memdesc = testing::MakeModel("memdesc {}", node);
  AccessBuffer out;
  mm::AllocResult r;
  for (uint64_t i = 0; i < 9941; ++i) {
    mem.Alloc(4096 + 4 * i, 2, trace::OWNER_SLAB, &r);
    ASSERT_TRUE(r.applied);
    page64->Alloc(r, OpContext{}, out);
    memdesc->Alloc(r, OpContext{}, out);
    out.Clear();
  }
  const uint64_t pages = mem.allocated_pages(trace::OWNER_SLAB);
  ASSERT_EQ(pages, 4u * 9941u);
  EXPECT_EQ(page64->per_page_bytes() * pages, 2544896u);
  const OverheadTracker::Figures f = memdesc->overhead().machine();
  EXPECT_EQ(f.descriptor_live_bytes, 64u * 9941u);
  EXPECT_EQ(memdesc->per_page_bytes() * pages + f.descriptor_live_bytes, 954336u);
  // 64 slab descriptors per 4 KiB slab page: ceil(9941 / 64) = 156 pages.
  EXPECT_EQ(f.slab_bytes, 156u * 4096u);
  EXPECT_EQ(f.slab_waste_bytes(), 156u * 4096u - 64u * 9941u);
}

TEST(OverheadFiguresTest, HugetlbVmemmapOptimization) {
  EXPECT_EQ(StructPageModel::HvoFreedPages(9, 64), 7u);      // 2 MiB: 8 vmemmap pages
  EXPECT_EQ(StructPageModel::HvoFreedPages(18, 64), 4095u);  // 1 GiB: 4096
  EXPECT_EQ(StructPageModel::HvoFreedPages(6, 64), 0u);      // fits one page: nothing
  const std::vector<mm::NodeLayout> node = {{0, 0, 1u << 19, {}}};
  mm::PhysMem mem = testing::FreeMemory(node);
  auto model = testing::MakeModel("page64 { struct_page { hvo_hugetlb: true } }", node);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(0, 9, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{10, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 7u * 4096u);
  mem.Alloc(1u << 18, 18, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{20, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, (7u + 4095u) * 4096u);
  EXPECT_EQ(model->overhead().machine().total_bytes, (32u << 20) - (7u + 4095u) * 4096u);
  // A tail's struct page now aliases the retained vmemmap page: pfn 100's struct page at
  // 64 * 100 = 6400 is reached through page 0 of the folio's vmemmap (6400 % 4096).
  out.Clear();
  model->Lookup(mem.Lookup(100), 100, OpContext{}, out);
  EXPECT_EQ(out[0].address, 6400u % 4096u);
  out.Clear();
  mm::FreeResult f;
  mem.Free(0, 9, &f);
  model->Free(f, OpContext{30, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 4095u * 4096u);
  // Restored vmemmap (7 pages of 64 lines) + 511 tails + head + buddy 512/9 read and merged
  // (write) + final block 0/10.
  EXPECT_EQ(out.size(), 7u * 64u + 511u + 1u + 2u + 1u);
  // The 1 GiB folio: 4095 restored vmemmap pages of 64 lines, 2^18 - 1 tails, head, and
  // 256 final max-order blocks (freed above max_order: no buddy walk).
  out.Clear();
  mem.Free(1u << 18, 18, &f);
  model->Free(f, OpContext{40, 0, 0}, out);
  EXPECT_EQ(out.size(), 4095u * 64u + ((1u << 18) - 1) + 1u + 256u);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 0u);
}

TEST(OverheadFiguresTest, PeakMeanAndFinal) {
  const std::vector<mm::NodeLayout> node = {{0, 0, 32768, {}}};
  mm::PhysMem mem = testing::FreeMemory(node);
  auto model = testing::MakeModel("memdesc {}", node);
  const uint64_t statics = 32768 * 8;
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &r);
  model->Seed(mem, 0);  // t = 0: one folio already there, one slab page
  mm::AllocResult r2;
  mem.Alloc(4097, 0, trace::OWNER_SLAB, &r2);
  model->Alloc(r2, OpContext{100, 0, 0}, out);  // second slab page at t = 100
  mm::FreeResult f;
  mem.Free(4097, 0, &f);
  model->Free(f, OpContext{200, 0, 0}, out);  // released at t = 200
  model->Finish(400);
  const OverheadTracker::Figures m = model->overhead().machine();
  EXPECT_EQ(m.total_bytes, statics + 4096);
  EXPECT_EQ(m.peak_total_bytes, statics + 8192);
  EXPECT_DOUBLE_EQ(m.mean_total_bytes, statics + 4096 + 4096.0 * 100 / 400);
  EXPECT_EQ(model->overhead().node(0).peak_total_bytes, statics + 8192);
}

}  // namespace
}  // namespace memsim::memmap
