// memdesc: hand-counted metadata accesses. Same machine as the page64 test: one node of
// 32768 pages at pfn 0, all free. Words at w(p) = 8 * p (256 KiB of them); descriptor
// slab pages from byte 262144 on (slab page i at 262144 + 4096 * i, its word at
// w(64 + i)); a free page's list links at F(p) = 4096 * p. Folio descriptors are 80 B,
// slab descriptors 64 B, each type its own cache.
#include "sim/memmap/memdesc_model.h"

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
constexpr uint64_t kSlab0 = 262144;
uint64_t Wd(uint64_t pfn) { return 8 * pfn; }
uint64_t F(uint64_t pfn) { return 4096 * pfn; }

class MemdescTest : public ::testing::Test {
 protected:
  void Use(const std::string& config) { model_ = testing::MakeModel(config, kNode); }
  mm::PhysMem mem_ = testing::FreeMemory(kNode);
  std::unique_ptr<MemmapModel> model_ = testing::MakeModel("memdesc {}", kNode);
  AccessBuffer out_;
  OpContext ctx_;
  mm::AllocResult alloc_;
  mm::FreeResult free_;
};

std::vector<MetadataAccess> SplitHalves(uint64_t base) {
  std::vector<MetadataAccess> v;
  for (uint32_t o = 9;; --o) {
    v.push_back(W(Wd(base + (1u << o)), 8));
    v.push_back(W(F(base + (1u << o)), 16));
    if (o == 0) break;
  }
  return v;
}

TEST_F(MemdescTest, OrderZeroAllocAndFree) {
  mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  std::vector<MetadataAccess> want = {W(Wd(4096), 8), W(F(4096), 16)};
  for (const MetadataAccess& a : SplitHalves(4096)) want.push_back(a);
  want.push_back(W(Wd(64), 8));             // new slab page: its own word
  want.push_back(R(kSlab0, 8));             // freelist pointer of the object
  want.push_back(W(kSlab0, 64));            // 80-byte folio descriptor init: 2 lines
  want.push_back(Ind(W(kSlab0 + 64, 16)));  // a memset's later lines are independent
  want.push_back(W(Wd(4096), 8));           // the page's word
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 27u);

  out_.Clear();
  mem_.Free(4096, 0, &free_);
  model_->Free(free_, ctx_, out_);
  want = {W(kSlab0, 8), W(Wd(64), 8), W(Wd(4096), 8)};
  for (uint32_t o = 0; o < 10; ++o) {
    const uint64_t b = 4096 + (1u << o);
    want.push_back(R(Wd(b), 8));
    want.push_back(W(Wd(b), 8));
    want.push_back(W(F(b), 16));
  }
  want.push_back(W(Wd(4096), 8));
  want.push_back(W(F(4096), 16));
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 35u);
  EXPECT_EQ(model_->overhead().machine().slab_bytes, 0u);
}

TEST_F(MemdescTest, ThpAllocWrites64WordLinesAndOneDescriptor) {
  mem_.Alloc(4096, 9, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  ASSERT_EQ(out_.size(), 72u);
  EXPECT_THAT(std::vector<MetadataAccess>(out_.begin(), out_.begin() + 8),
              ElementsAre(W(Wd(4096), 8), W(F(4096), 16), W(Wd(4608), 8), W(F(4608), 16),
                          W(Wd(64), 8), R(kSlab0, 8), W(kSlab0, 64), Ind(W(kSlab0 + 64, 16))));
  // The word lines are one memset: only the first depends on what came before.
  for (size_t i = 8; i < 72; ++i) {
    const MetadataAccess want = W(Wd(4096) + 64 * (i - 8), 64);
    EXPECT_EQ(out_[i], i == 8 ? want : Ind(want)) << i;
  }
  EXPECT_EQ(DistinctLines(out_, 8), 64u);    // the folio's words
  EXPECT_EQ(DistinctLines(out_, 6, 8), 2u);  // its descriptor
}

TEST_F(MemdescTest, FaultLookupReadsWordAndDescriptor) {
  mem_.Alloc(4096, 9, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  out_.Clear();
  model_->Lookup(mem_.Lookup(4100), 4100, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(R(Wd(4100), 8), R(kSlab0, 16)));
  out_.Clear();
  model_->MapCount(mem_.Lookup(4100), 4100, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(A(kSlab0 + 52, 4), A(kSlab0 + 48, 4)));
  // A free page: the word alone.
  out_.Clear();
  model_->Lookup(mem_.Lookup(9000), 9000, ctx_, out_);
  EXPECT_THAT(out_.accesses(), ElementsAre(R(Wd(9000), 8)));
}

TEST_F(MemdescTest, MigrateKeepsTheDescriptor) {
  mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  out_.Clear();
  mm::MigrateResult m;
  mem_.Migrate(4096, 8192, 0, /*free_source=*/false, &m);
  model_->Migrate(m, ctx_, out_);
  std::vector<MetadataAccess> want = {R(Wd(4096), 8), R(kSlab0, 16), A(kSlab0 + 52, 4),
                                      W(Wd(8192), 8), W(F(8192), 16)};
  for (const MetadataAccess& a : SplitHalves(8192)) want.push_back(a);
  want.push_back(W(kSlab0 + 16, 8));  // descriptor's pfn
  want.push_back(W(Wd(8192), 8));
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
  EXPECT_EQ(out_.size(), 27u);
  // The source's later free releases no descriptor.
  out_.Clear();
  mem_.Free(4096, 0, &free_);
  model_->Free(free_, ctx_, out_);
  EXPECT_EQ(out_[0], W(Wd(4096), 8));
  EXPECT_EQ(model_->overhead().machine().descriptor_live_bytes, 80u);
}

TEST_F(MemdescTest, MigrateCanReallocateTheDescriptor) {
  Use("memdesc { reallocate_on_migrate: true }");
  mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  out_.Clear();
  mm::MigrateResult m;
  mem_.Migrate(4096, 8192, 0, false, &m);
  model_->Migrate(m, ctx_, out_);
  ASSERT_EQ(out_.size(), 31u);
  EXPECT_THAT(std::vector<MetadataAccess>(out_.begin() + 25, out_.end()),
              ElementsAre(R(kSlab0 + 80, 8),                             // slot 1
                          R(kSlab0, 64), Ind(R(kSlab0 + 64, 16)),        // copy from
                          W(kSlab0 + 80, 48), Ind(W(kSlab0 + 128, 32)),  // copy to
                          W(Wd(8192), 8)));
  EXPECT_EQ(model_->overhead().machine().descriptor_live_bytes, 160u);
}

TEST_F(MemdescTest, CompactionScanReadsEightWordsPerLine) {
  mm::AllocResult r;
  for (uint64_t pfn : {4096, 4097}) {
    mem_.Alloc(pfn, 0, trace::OWNER_ANON, &r);
    model_->Alloc(r, ctx_, out_);
  }
  mem_.Alloc(4100, 2, trace::OWNER_SLAB, &r);
  model_->Alloc(r, ctx_, out_);
  mem_.Alloc(4608, 9, trace::OWNER_ANON, &r);
  model_->Alloc(r, ctx_, out_);
  out_.Clear();
  ScanResult s = model_->CompactionScan(mem_, 4096, 5120, trace::SCANNER_MIGRATE, ctx_, out_);
  EXPECT_EQ(s.pages_examined, 11u);
  EXPECT_EQ(s.descriptor_reads, 2u);  // the two order-0 anon folios: on the LRU?
  // Dependence: word pfn + 1 independent, a descriptor and a word after a skip dependent.
  EXPECT_THAT(
      out_.accesses(),
      ElementsAre(Ind(R(Wd(4096), 8)), R(kSlab0, 8), Ind(R(Wd(4097), 8)), R(kSlab0 + 80, 8),
                  Ind(R(Wd(4098), 8)), R(Wd(4100), 8), R(Wd(4104), 8), R(Wd(4112), 8),
                  R(Wd(4128), 8), R(Wd(4160), 8), R(Wd(4224), 8), R(Wd(4352), 8), R(Wd(4608), 8)));
  // Word lines: 4096-4103 share one; 8 lines in all (page64: 13).
  EXPECT_EQ(DistinctLines(out_) - 2, 8u);
  // A large folio is skipped from any of its pages (the word has the order).
  out_.Clear();
  s = model_->CompactionScan(mem_, 4700, 5120, trace::SCANNER_MIGRATE, ctx_, out_);
  EXPECT_EQ(s.pages_examined, 1u);
}

TEST_F(MemdescTest, CpuNodePlacement) {
  const std::vector<mm::NodeLayout> nodes = {{0, 0, 32768, {}}, {1, 32768, 32768, {}}};
  mm::PhysMem mem = testing::FreeMemory(nodes);
  auto model = testing::MakeModel("memdesc { placement: CPU_NODE }", nodes);
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_FILE, &r);
  model->Alloc(r, OpContext{0, /*cpu_node=*/1, 3}, out_);
  // Node 1's descriptor region: 32768 * 4096 + 262144.
  const uint64_t slab1 = uint64_t{32768} * 4096 + 262144;
  EXPECT_EQ(out_[out_.size() - 3], W(slab1, 64));
  // The page's word stays on its node (node 0's memmap: below node 1's first byte).
  EXPECT_LT(out_[out_.size() - 1].address, uint64_t{32768} * 4096);
  EXPECT_EQ(model->overhead().node(1).slab_bytes, 4096u);
  EXPECT_EQ(model->overhead().node(0).slab_bytes, 0u);
}

TEST(MemdescSeedTest, SnapshotBlocksGetDescriptorsWithoutAccesses) {
  absl::StatusOr<mm::PhysMem> mem = mm::PhysMem::Create(kNode);
  ASSERT_TRUE(mem.ok());
  mem->ApplySnapshot({{0, 128, trace::OWNER_RESERVED, 0, 0},
                      {4096, 1024, trace::OWNER_ANON, 9, 0},  // 2 THPs
                      {5120, 8, trace::OWNER_SLAB, 2, 0},     // 2 slabs
                      {5128, 3, trace::OWNER_VMALLOC, 0, 0}});
  auto model = testing::MakeModel("memdesc {}", kNode);
  model->Seed(*mem, 0);
  const OverheadTracker::Figures f = model->overhead().machine();
  EXPECT_EQ(f.descriptor_live_bytes, 2u * 80u + 2u * 64u);  // reserved, vmalloc: none
  EXPECT_EQ(f.slab_bytes, 2u * 4096u);                      // a folio slab and a slab slab
  AccessBuffer out;
  model->Lookup(mem->Lookup(5000), 5000, OpContext{}, out);
  EXPECT_THAT(out.accesses(), ElementsAre(R(Wd(5000), 8), R(kSlab0 + 80, 16)));
}

}  // namespace
}  // namespace memsim::memmap
