// Compaction isolation (mm/compaction.c), accesses derived by hand. One node of 32768 pages
// at pfn 0, all free; CPU 0 allocates an anon page at 4096, a file page at 4097 and a slab
// page at 4098 (order 0). The split of 4096/10 leaves free blocks 4099/0, 4100/2, 4104/3,
// 4112/4, ... page64: struct page of p at a(p) = 64 p; zone->lock Z = 128 MiB - 1 MiB +
// 1024, the node's lruvec lock L = 128 MiB - 1 MiB + 3072.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/isolation_targets.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using testing::A;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::R;
using testing::W;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};
constexpr uint64_t kZ = 133169152 + 1024;
constexpr uint64_t kL = 133169152 + 3072;

MetadataAccess Ri(uint64_t addr, uint32_t bytes) { return {addr, bytes, AccessKind::kRead, false}; }
MetadataAccess Wi(uint64_t addr, uint32_t bytes) {
  return {addr, bytes, AccessKind::kWrite, false};
}
MetadataAccess Ai(uint64_t addr, uint32_t bytes) {
  return {addr, bytes, AccessKind::kAtomic, false};
}
uint64_t Pg(uint64_t pfn) { return 64 * pfn; }

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const trace::OwnerType owners[] = {trace::OWNER_ANON, trace::OWNER_FILE, trace::OWNER_SLAB};
    for (uint64_t i = 0; i < 3; ++i) {
      mem_.Alloc(4096 + i, 0, owners[i], &alloc_);
      model_->Alloc(alloc_, ctx_, out_);
    }
    out_.Clear();
  }
  mm::PhysMem mem_ = testing::FreeMemory(kNode);
  std::unique_ptr<MemmapModel> model_ = testing::MakeModel("page64 {}", kNode);
  AccessBuffer out_;
  OpContext ctx_;
  mm::AllocResult alloc_;
};

TEST_F(IsolationTest, TargetsAreTheFirstEligibleBlocks) {
  std::vector<mm::BlockInfo> blocks;
  // Migrate scanner: LRU folios only (the slab page is not), in pfn order.
  EXPECT_EQ(IsolationTargets::Find(mem_, 4096, 4112, trace::SCANNER_MIGRATE, 32, &blocks), 2u);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].head_pfn, 4097u);
  // Free scanner: whole free blocks inside the range until 4 pages: 4099/0 + 4100/2.
  EXPECT_EQ(IsolationTargets::Find(mem_, 4096, 4112, trace::SCANNER_FREE, 4, &blocks), 5u);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].head_pfn, 4100u);
  EXPECT_EQ(blocks[1].order, 2u);
}

// isolate_freepages_block: compact_lock_irqsave(&zone->lock); per free page
// __isolate_free_page -> del_page_from_free_list (list_del of lru, __ClearPageBuddy,
// set_page_private(0)); then set_page_private(page, order) and list_add_tail(&page->lru).
TEST_F(IsolationTest, FreeScannerIsolation) {
  const IsolationResult r = model_->Isolate(mem_, 4096, 4112, trace::SCANNER_FREE, 3, ctx_, out_);
  EXPECT_EQ(r.pages, 5u);
  EXPECT_EQ(r.blocks, 2u);
  std::vector<MetadataAccess> want = {Ai(kZ, 4)};
  for (uint64_t p : {4099, 4100}) {
    want.insert(want.end(),
                {Ri(Pg(p) + 8, 16), Wi(Pg(p), 64), Wi(Pg(p) + 8, 16), Wi(Pg(p) + 40, 8)});
  }
  want.push_back(Wi(kZ, 4));  // spin_unlock_irqrestore
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
}

// isolate_migratepages_block per folio: folio_try_get (atomic _refcount @52),
// folio_test_clear_lru (atomic flags), folio_lruvec_relock_irqsave (first folio only),
// lruvec_del_folio -> list_del(&folio->lru), list_add(&folio->lru, &cc->migratepages).
TEST_F(IsolationTest, MigrateScannerIsolation) {
  const IsolationResult r =
      model_->Isolate(mem_, 4096, 4112, trace::SCANNER_MIGRATE, 2, ctx_, out_);
  EXPECT_EQ(r.pages, 2u);
  EXPECT_THAT(out_.accesses(),
              ElementsAre(Ai(Pg(4096) + 52, 4), A(Pg(4096), 8), A(kL, 4), R(Pg(4096) + 8, 16),
                          Wi(Pg(4096) + 8, 16), Ai(Pg(4097) + 52, 4), A(Pg(4097), 8),
                          R(Pg(4097) + 8, 16), Wi(Pg(4097) + 8, 16), Wi(kL, 4)));
}

// memdesc free scanner: the links live in the free page (F(p) = 4096 p), the buddy tag in
// the word (w(p) = 8 p).
TEST(IsolationMemdescTest, FreeScannerIsolation) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = testing::MakeModel("memdesc {}", kNode);
  mm::AllocResult a;
  AccessBuffer out;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &a);
  model->Alloc(a, OpContext{}, out);
  out.Clear();
  model->Isolate(mem, 4096, 4112, trace::SCANNER_FREE, 1, OpContext{}, out);
  EXPECT_THAT(out.accesses(), ElementsAre(Ai(kZ, 4), Ri(4097 * 4096, 16), Wi(8 * 4097, 8),
                                          Wi(4097 * 4096, 16), Wi(kZ, 4)));
}

}  // namespace
}  // namespace memsim::memmap
