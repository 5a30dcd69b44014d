// The per-CPU list paths of the models, every access derived by hand from mm/page_alloc.c
// (Linux commit dac22531bbd4): a pcp alloc served off the list (rmqueue_pcplist ->
// __rmqueue_pcplist: list_first_entry + list_del) and a free that drains
// (free_unref_page_commit: list_add, then free_pcppages_bulk: list_last_entry + list_del,
// bulkfree_pcp_prepare, __free_one_page).
//
// One node of 32768 pages at pfn 0 (node end = 128 MiB), one CPU, batch 1, high 3.
// struct per_cpu_pages of (cpu 0, zone 0): P = 128 MiB - 1 MiB - 4096 = 133165056; the
// order-0 MIGRATE_MOVABLE list head H = P + 24 + 16 * 1; zone->lock Z = 128 MiB - 1 MiB +
// 1024. CPU 0 allocates 4096, 4097, 4098 and frees them in that order: the third free
// reaches high and drains the oldest, 4096; then 4097 is allocated again (a hit).
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/mm/per_cpu_pages.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using testing::A;
using ::testing::ElementsAreArray;
using testing::R;
using testing::W;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};
constexpr uint64_t kP = 133165056;
constexpr uint64_t kH = kP + 40;
constexpr uint64_t kZ = 133169152 + 1024;

// Accesses that may overlap the one before them (depends_on_previous = false).
MetadataAccess Wi(uint64_t addr, uint32_t bytes) {
  return {addr, bytes, AccessKind::kWrite, false};
}
MetadataAccess Ai(uint64_t addr, uint32_t bytes) {
  return {addr, bytes, AccessKind::kAtomic, false};
}

class PcpPathsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    model_ = testing::MakeModel(GetParam(), kNode);
    mm::PerCpuPages::Options o;
    o.batch = 1;
    o.high = 3;
    pcp_ = std::make_unique<mm::PerCpuPages>(mem_, 1, std::vector<uint32_t>{1}, o);
    for (uint64_t p = 4096; p < 4099; ++p) {
      pcp_->Alloc(mem_, 0, p, 0, trace::OWNER_KERNEL, &alloc_);
      model_->Alloc(alloc_, ctx_, out_);
    }
    for (uint64_t p = 4096; p < 4098; ++p) {
      pcp_->Free(mem_, 0, p, 0, &free_);
      model_->Free(free_, ctx_, out_);
    }
    out_.Clear();
  }

  mm::PhysMem mem_ = testing::FreeMemory(kNode);
  std::unique_ptr<mm::PerCpuPages> pcp_;
  std::unique_ptr<MemmapModel> model_;
  AccessBuffer out_;
  OpContext ctx_;
  mm::AllocResult alloc_;
  mm::FreeResult free_;
};

INSTANTIATE_TEST_SUITE_P(Models, PcpPathsTest, ::testing::Values("page64 {}", "memdesc {}"));

uint64_t Pg(uint64_t pfn) { return 64 * pfn; }   // page64: struct page
uint64_t Wd(uint64_t pfn) { return 8 * pfn; }    // memdesc: the word
uint64_t F(uint64_t pfn) { return pfn * 4096; }  // memdesc: links in the free page

TEST_P(PcpPathsTest, FreeThatDrains) {
  pcp_->Free(mem_, 0, 4098, 0, &free_);
  model_->Free(free_, ctx_, out_);
  const bool page64 = model_->name() == "page64";
  // Links of p: struct page lru (a(p) + 8) or the free page's first 16 bytes.
  auto L = [&](uint64_t p) { return page64 ? Pg(p) + 8 : F(p); };
  std::vector<MetadataAccess> want;
  // free_pages_prepare: page64 writes the struct page; memdesc rewrites the word (an
  // OWNER_KERNEL block has no descriptor).
  want.push_back(page64 ? W(Pg(4098), 64) : W(Wd(4098), 8));
  want.push_back(Ai(kP, 4));  // pcp_spin_trylock_irqsave
  // list_add(4098, head): read head->next (4097), 4097->prev = 4098, 4098's links,
  // head->next = 4098.
  want.insert(want.end(), {R(kH, 8), W(L(4097) + 8, 8), Wi(L(4098), 16), Wi(kH, 8)});
  want.push_back(Ai(kZ, 4));  // count 3 >= high 3: free_pcppages_bulk takes zone->lock
  // list_last_entry (head->prev = 4096), list_del(4096): its links, head->prev = 4097,
  // 4097->next = head, poison 4096's links.
  want.insert(want.end(),
              {R(kH + 8, 8), R(L(4096), 16), W(kH + 8, 8), Wi(L(4097), 8), Wi(L(4096), 16)});
  if (page64) {
    want.push_back(R(Pg(4096), 64));  // bulkfree_pcp_prepare -> check_free_page
    // __free_one_page: buddy 4097 is on the list (not PageBuddy), set_buddy_order(4096, 0).
    want.insert(want.end(), {R(Pg(4097), 64), W(Pg(4096), 64)});
  } else {
    want.push_back(R(Wd(4096), 8));
    want.insert(want.end(), {R(Wd(4097), 8), W(Wd(4096), 8), W(F(4096), 16)});
  }
  want.insert(want.end(), {Wi(kP + 4, 4), Wi(kP, 4)});  // pcp->count, spin_unlock
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
}

TEST_P(PcpPathsTest, AllocOffTheList) {
  pcp_->Free(mem_, 0, 4098, 0, &free_);  // list: 4098, 4097
  out_.Clear();
  pcp_->Alloc(mem_, 0, 4097, 0, trace::OWNER_KERNEL, &alloc_);
  model_->Alloc(alloc_, ctx_, out_);
  const bool page64 = model_->name() == "page64";
  auto L = [&](uint64_t p) { return page64 ? Pg(p) + 8 : F(p); };
  // No buddy access: lock, list_first_entry + list_del(4097) (prev 4098, next the head),
  // count, unlock, then post_alloc_hook (page64: the struct page; memdesc: the word).
  std::vector<MetadataAccess> want = {
      Ai(kP, 4),     R(kH, 8),       R(L(4097), 16),
      W(kH + 8, 8),  Wi(L(4098), 8), Wi(L(4097), 16),
      Wi(kP + 4, 4), Wi(kP, 4),      page64 ? W(Pg(4097), 64) : W(Wd(4097), 8)};
  EXPECT_THAT(out_.accesses(), ElementsAreArray(want));
}

}  // namespace
}  // namespace memsim::memmap
