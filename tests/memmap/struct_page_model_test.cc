// page64 / page32: hand-counted metadata accesses per operation. One node of 32768 pages
// (one 128 MiB section) starting at pfn 0, all free: 32 free blocks of order 10; the
// vmemmap starts at byte 0, so struct page of pfn p is at a(p) = 64 * p.
#include "sim/memmap/struct_page_model.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using testing::A;
using testing::DistinctLines;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::Ind;
using testing::R;
using testing::W;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};
uint64_t Pg(uint64_t pfn) { return 64 * pfn; }

class Page64Test : public ::testing::Test {
 protected:
  mm::PhysMem mem_ = testing::FreeMemory(kNode);
  std::unique_ptr<MemmapModel> model_ = testing::MakeModel("page64 {}", kNode);
  AccessBuffer out_;
  OpContext ctx_;
  mm::AllocResult alloc_;
  mm::FreeResult free_;
};

TEST_F(Page64Test, OrderZeroAllocAndFree) {
  mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  // del_page_from_free_list(4096/10), expand() returns 10 halves, post_alloc_hook head.
  std::vector<MetadataAccess> want = {W(Pg(4096), 64)};
  for (uint32_t o = 9;; --o) {
    want.push_back(W(Pg(4096 + (1u << o)), 64));
    if (o == 0) break;
  }
  want.push_back(W(Pg(4096), 64));
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 12u);

  out_.Clear();
  mem_.Free(4096, 0, &free_);
  model_->Free(free_, ctx_, out_);
  // free_pages_prepare(head), 10 buddy checks each read + merge write, final block head.
  want = {W(Pg(4096), 64)};
  for (uint32_t o = 0; o < 10; ++o) {
    want.push_back(R(Pg(4096 + (1u << o)), 64));
    want.push_back(W(Pg(4096 + (1u << o)), 64));
  }
  want.push_back(W(Pg(4096), 64));
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 22u);
}

TEST_F(Page64Test, ThpAllocWritesEveryStructPage) {
  mem_.Alloc(4096, 9, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  // 2 buddy accesses (4096/10 off the list, 4608/9 back) + head + 511 tails.
  ASSERT_EQ(out_.size(), 514u);
  EXPECT_EQ(out_[0], W(Pg(4096), 64));
  EXPECT_EQ(out_[1], W(Pg(4608), 64));
  EXPECT_EQ(out_[2], W(Pg(4096), 64));
  EXPECT_EQ(out_[3], Ind(W(Pg(4097), 64)));      // page[1]: folio fields
  EXPECT_EQ(out_[5], Ind(W(Pg(4099), 64)));      // page[3]
  EXPECT_EQ(out_[6], Ind(W(Pg(4100) + 8, 40)));  // prep_compound_tail
  EXPECT_EQ(out_[513], Ind(W(Pg(4607) + 8, 40)));
  EXPECT_EQ(DistinctLines(out_, 2), 512u);  // the folio's own struct pages: 512 lines
  EXPECT_EQ(DistinctLines(out_), 513u);
}

TEST_F(Page64Test, FaultLookupOfHeadAndTail) {
  mem_.Alloc(4096, 9, trace::OWNER_ANON, &alloc_);
  model_->Lookup(mem_.Lookup(4096), 4096, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(R(Pg(4096), 16)));
  out_.Clear();
  model_->Lookup(mem_.Lookup(4100), 4100, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(R(Pg(4100), 16), R(Pg(4096), 16)));
  out_.Clear();
  model_->MapCount(mem_.Lookup(4100), 4100, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(A(Pg(4096) + 52, 4), A(Pg(4097) + 16, 4)));
}

TEST_F(Page64Test, MigrateOrderZeroFolio) {
  mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
  mm::MigrateResult m;
  mem_.Migrate(4096, 8192, 0, /*free_source=*/false, &m);
  model_->Migrate(m, ctx_, out_);
  std::vector<MetadataAccess> want = {R(Pg(4096), 64), A(Pg(4096) + 52, 4), W(Pg(8192), 64)};
  for (uint32_t o = 9;; --o) {
    want.push_back(W(Pg(8192 + (1u << o)), 64));
    if (o == 0) break;
  }
  want.push_back(W(Pg(8192), 64));  // post_alloc_hook of the destination
  want.push_back(W(Pg(8192), 64));  // folio_migrate_flags / mapping copy
  want.push_back(W(Pg(4096), 64));  // old folio's mapping cleared
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 16u);
}

// The scan mix of [4096, 5120): anon order-0 at 4096 and 4097, free 4098/1, slab order 2
// at 4100, free 4104/3, 4112/4, 4128/5, 4160/6, 4224/7, 4352/8, THP at 4608.
void BuildScanMix(mm::PhysMem& mem) {
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &r);
  mem.Alloc(4097, 0, trace::OWNER_ANON, &r);
  mem.Alloc(4100, 2, trace::OWNER_SLAB, &r);
  mem.Alloc(4608, 9, trace::OWNER_ANON, &r);
}

TEST_F(Page64Test, CompactionScanSkipsByOrder) {
  BuildScanMix(mem_);
  ScanResult s = model_->CompactionScan(mem_, 4096, 5120, trace::SCANNER_MIGRATE, ctx_, out_);
  // 11 pfns examined: 4096, 4097, 4098 (skip 2), 4100 (+page[1], skip 4), six free heads,
  // 4608 (+page[1], skip 512).
  EXPECT_EQ(s.pages_examined, 11u);
  EXPECT_THAT(out_.accesses(),
              ElementsAre(Ind(R(Pg(4096), 64)), Ind(R(Pg(4097), 64)), Ind(R(Pg(4098), 64)),
                          R(Pg(4100), 64), Ind(R(Pg(4101), 8)), R(Pg(4104), 64), R(Pg(4112), 64),
                          R(Pg(4128), 64), R(Pg(4160), 64), R(Pg(4224), 64), R(Pg(4352), 64),
                          R(Pg(4608), 64), Ind(R(Pg(4609), 8))));
  // Dependence: pfn + 1 is computed (independent); a pfn reached by skipping an order just
  // loaded is dependent; page[1] of a compound head is computed.
  EXPECT_EQ(DistinctLines(out_), 13u);
  // The free scanner does not skip a folio that ends past the range: 191 tails read.
  out_.Clear();
  s = model_->CompactionScan(mem_, 4096, 4800, trace::SCANNER_FREE, ctx_, out_);
  EXPECT_EQ(s.pages_examined, 10u + 1u + 191u);
  EXPECT_EQ(out_.size(), 204u);
}

TEST(Page32Test, HalvesTheStructPage) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("page32 {}", kNode);
  EXPECT_EQ(model->per_page_bytes(), 32u);
  mm::AllocResult r;
  mem.Alloc(4096, 9, trace::OWNER_ANON, &r);
  AccessBuffer out;
  model->Alloc(r, OpContext{}, out);
  ASSERT_EQ(out.size(), 514u);
  EXPECT_EQ(out[2], W(32 * 4096, 32));
  EXPECT_EQ(out[9], Ind(W(32 * 4103, 32)));       // page[7]: last page a folio overlays
  EXPECT_EQ(out[10], Ind(W(32 * 4104 + 8, 24)));  // first plain tail
  EXPECT_EQ(DistinctLines(out, 2), 256u);         // two struct pages per line
}

}  // namespace
}  // namespace memsim::memmap
