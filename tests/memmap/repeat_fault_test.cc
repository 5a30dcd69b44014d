// A repeat fault (the importer gives it the pfn its task's earlier fault got; see
// FaultPairingTest.RepeatFaultReachesThePageItGotBefore): the replay looks the page up and
// takes a reference and a mapping on the folio that is already there (mm/memory.c
// do_fault / finish_fault -> page_folio(), folio_get, folio_add_file_rmap_ptes /
// folio_add_anon_rmap_ptes), with no allocation in between. Accesses derived by hand on
// one node of 32768 pages at pfn 0: page64 a(p) = 64 p; memdesc w(p) = 8 p, D = the folio
// descriptor (refcount @52, mapcount @48).
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/word_model.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using testing::A;
using ::testing::ElementsAre;
using testing::R;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};

class RepeatFaultTest : public ::testing::Test {
 protected:
  // The first fault's page (anon, order 0, at 4096) and other work after it: another
  // allocation and free, so the repeat fault's lines are not the last ones touched.
  void Setup(const char* model) {
    model_ = testing::MakeModel(model, kNode);
    mem_.Alloc(4096, 0, trace::OWNER_ANON, &alloc_);
    model_->Alloc(alloc_, ctx_, out_);
    model_->Lookup(mem_.Lookup(4096), 4096, ctx_, out_);
    model_->MapCount(mem_.Lookup(4096), 4096, ctx_, out_);
    mem_.Alloc(8192, 0, trace::OWNER_FILE, &alloc_);
    model_->Alloc(alloc_, ctx_, out_);
    mem_.Free(8192, 0, &free_);
    model_->Free(free_, ctx_, out_);
    out_.Clear();
    const mm::BlockInfo b = mem_.LookupCounted(4096);  // the repeat fault
    model_->Lookup(b, 4096, ctx_, out_);
    model_->MapCount(b, 4096, ctx_, out_);
  }
  mm::PhysMem mem_ = testing::FreeMemory(kNode);
  std::unique_ptr<MemmapModel> model_;
  AccessBuffer out_;
  OpContext ctx_;
  mm::AllocResult alloc_;
  mm::FreeResult free_;
};

TEST_F(RepeatFaultTest, Page64ReachesTheExistingFolio) {
  Setup("page64 {}");
  // page_folio(): flags + compound_head; folio_get: _refcount @52; rmap: _mapcount @48.
  EXPECT_THAT(out_.accesses(),
              ElementsAre(R(64 * 4096, 16), A(64 * 4096 + 52, 4), A(64 * 4096 + 48, 4)));
}

TEST_F(RepeatFaultTest, MemdescReachesTheExistingDescriptor) {
  Setup("memdesc {}");
  uint64_t h = 0;
  const auto& words = dynamic_cast<const WordModel&>(*model_);
  ASSERT_TRUE(words.descriptors().Find(4096, &h));
  const uint64_t d = words.descriptors().Addr(h);
  // The word, then the descriptor it points to (no head indirection), then its atomics.
  EXPECT_THAT(out_.accesses(), ElementsAre(R(8 * 4096, 8), R(d, 16), A(d + 52, 4), A(d + 48, 4)));
}

}  // namespace
}  // namespace memsim::memmap
