// The transition model (StructPageModel with separately allocated descriptors) and the HVO
// variants: hand-derived accesses and overhead. One node starting at pfn 0, all free; the
// struct page of pfn p is at a(p) = S * p (S = 64 or 32) and the descriptor slab region
// starts right after the node's memmap (MemmapLayout::descriptor_region_base).
#include "sim/memmap/transition_model.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/model_spec.h"
#include "sim/memmap/struct_page_model.h"
#include "tests/memmap/memmap_test_util.h"

namespace memsim::memmap {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Ind;
using testing::R;
using testing::W;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};  // one 128 MiB section

std::unique_ptr<MemmapModel> ShippedModel(const std::string& name,
                                          const std::vector<mm::NodeLayout>& nodes) {
  ModelRegistry registry;
  RegisterBuiltinModels(registry);
  const std::string path =
      std::string(MEMSIM_SOURCE_DIR) + "/configs/models/" + name + ".textproto";
  absl::StatusOr<config::MemmapModelConfig> config = LoadMemmapModelConfig(path, registry);
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<MemmapModel>> model = registry.Create(*config, nodes);
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

// page32-folio80: struct page 32 B, so the memmap of 32768 pages is 1 MiB and the first
// descriptor slab page is the 4 KiB at 0x100000 (pfn 256, slot at 32 * 256 = 8192).
// Folios are 80-byte objects at 16-byte alignment: object k of a slab at 80 k. Offsets
// 80 k mod 64 run 0, 16, 32, 48: an object starting at 48 ends at 127, one starting at 0
// ends at 79 — every one of the 51 objects of a slab page (4096 / 80) touches exactly two
// 64-byte lines.
TEST(TransitionModelTest, Folio80At16ByteAlignmentSpansTwoCacheLines) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = ShippedModel("page32-folio80", kNode);
  const auto& sp = static_cast<const StructPageModel&>(*model);
  ASSERT_EQ(sp.per_page_bytes(), 32u);
  const uint64_t base = 0x100000;
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(4096, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{}, out);
  // 1 + 10 buddy slot writes (4096/10 off the list, halves 4097..4096+512), then the slab
  // page's slot [allocate_slab], the free pointer [get_freepointer], the folio's 80 bytes
  // as two line writes [folio init], the head slot [post_alloc_hook].
  ASSERT_EQ(out.size(), 11u + 5u);
  EXPECT_THAT(
      std::vector<MetadataAccess>(out.begin() + 11, out.end()),
      ElementsAre(W(8192, 32), R(base, 8), W(base, 64), Ind(W(base + 64, 16)), W(32 * 4096, 32)));
  for (uint64_t k = 1; k < 51; ++k) {
    out.Clear();
    mem.Alloc(4096 + k, 0, trace::OWNER_ANON, &r);
    model->Alloc(r, OpContext{}, out);
    uint64_t h;
    ASSERT_TRUE(sp.descriptors().Find(4096 + k, &h));
    const uint64_t d = sp.descriptors().Addr(h);
    EXPECT_EQ(d, base + 80 * k);
    EXPECT_EQ((d + 79) / 64 - d / 64, 1u) << "object " << k;
    // The init writes: one line access up to the line end, one for the rest.
    size_t writes = 0;
    for (const MetadataAccess& a : out) {
      writes += a.kind == AccessKind::kWrite && a.address >= d && a.address < d + 80 ? 1 : 0;
    }
    EXPECT_EQ(writes, 2u) << "object " << k;
  }
  const OverheadTracker::Figures f = model->overhead().machine();
  EXPECT_EQ(f.static_bytes, 32768u * 32u);
  EXPECT_EQ(f.descriptor_live_bytes, 51u * 80u);
  EXPECT_EQ(f.slab_bytes, 4096u);  // 51 objects fill one slab page (16 B left over)
  // The 52nd folio opens a second slab page.
  out.Clear();
  mem.Alloc(4096 + 51, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{}, out);
  EXPECT_EQ(model->overhead().machine().slab_bytes, 8192u);
}

// page64-ptdesc-separate on a hand-made trace: two page-table pages, one anon page, the
// page tables freed. Memmap 32768 * 64 B = 2 MiB; the ptdesc slab region starts at 2 MiB
// (pfn 512, slot at 64 * 512 = 32768). Only ptdescs cost anything beyond the memmap:
// t 0..40 one slab page (2 MiB + 4 KiB), t 40..50 none.
TEST(TransitionModelTest, PtdescSeparatePresetOverheadOnHandMadeTrace) {
  mm::PhysMem mem = testing::FreeMemory(kNode);
  auto model = ShippedModel("page64-ptdesc-separate", kNode);
  auto baseline = testing::MakeModel("page64 {}", kNode);
  const uint64_t base = 2u << 20;
  AccessBuffer out, ignored;
  mm::AllocResult r;
  mem.Alloc(100, 0, trace::OWNER_PAGE_TABLE, &r);
  model->Alloc(r, OpContext{0, 0, 0}, out);
  baseline->Alloc(r, OpContext{0, 0, 0}, ignored);
  // pfn 100 out of the free block 0/10: 1 removal + 10 halves (512/9, 256/8, 128/7, 0/6,
  // 64/5, 112/4, 104/3, 96/2, 102/1, 101/0), then slab page slot, free pointer, the
  // 64-byte ptdesc, the head's struct page.
  ASSERT_EQ(out.size(), 15u);
  EXPECT_THAT(std::vector<MetadataAccess>(out.begin() + 11, out.end()),
              ElementsAre(W(32768, 64), R(base, 8), W(base, 64), W(64 * 100, 64)));
  out.Clear();
  mem.Alloc(101, 0, trace::OWNER_PAGE_TABLE, &r);
  model->Alloc(r, OpContext{10, 0, 0}, out);
  baseline->Alloc(r, OpContext{10, 0, 0}, ignored);
  // 101 was the order-0 half: taken off the list, no split; same slab page, object 1.
  EXPECT_THAT(out.accesses(),
              ElementsAre(W(64 * 101, 64), R(base + 64, 8), W(base + 64, 64), W(64 * 101, 64)));
  out.Clear();
  model->Lookup(mem.Lookup(101), 101, OpContext{}, out);
  EXPECT_THAT(out.accesses(), ElementsAre(R(64 * 101, 16), R(base + 64, 16)));
  mem.Alloc(102, 0, trace::OWNER_ANON, &r);
  model->Alloc(r, OpContext{20, 0, 0}, ignored);
  baseline->Alloc(r, OpContext{20, 0, 0}, ignored);
  EXPECT_EQ(model->overhead().machine().descriptor_live_bytes, 128u);  // the anon page: none
  mm::FreeResult f;
  mem.Free(100, 0, &f);
  model->Free(f, OpContext{30, 0, 0}, ignored);
  baseline->Free(f, OpContext{30, 0, 0}, ignored);
  out.Clear();
  mem.Free(101, 0, &f);
  model->Free(f, OpContext{40, 0, 0}, out);
  baseline->Free(f, OpContext{40, 0, 0}, ignored);
  // set_freepointer into object 1, discard_slab rewrites the slab page's struct page, then
  // the head's struct page and the buddy work as page64.
  ASSERT_GE(out.size(), 3u);
  EXPECT_THAT(std::vector<MetadataAccess>(out.begin(), out.begin() + 3),
              ElementsAre(W(base + 64, 8), W(32768, 64), W(64 * 101, 64)));
  model->Finish(50);
  baseline->Finish(50);
  const OverheadTracker::Figures m = model->overhead().machine();
  EXPECT_EQ(m.static_bytes, 2097152u);
  EXPECT_EQ(m.total_bytes, 2097152u);
  EXPECT_EQ(m.peak_total_bytes, 2097152u + 4096u);
  EXPECT_DOUBLE_EQ(m.mean_total_bytes, (2101248.0 * 40 + 2097152.0 * 10) / 50);  // 2100428.8
  EXPECT_EQ(baseline->overhead().machine().peak_total_bytes, 2097152u);
}

// HVO at 32 bytes per page: a 2 MiB folio's 512 struct pages fill 16 KiB = 4 vmemmap pages,
// one kept, 3 freed; 1 GiB: 2048 pages, 2047 freed; at 8 bytes 512 words fit one page.
TEST(TransitionModelTest, HvoFreesThreeOfFourAt32Bytes) {
  EXPECT_EQ(StructPageModel::HvoFreedPages(9, 64), 7u);
  EXPECT_EQ(StructPageModel::HvoFreedPages(9, 32), 3u);
  EXPECT_EQ(StructPageModel::HvoFreedPages(9, 8), 0u);
  EXPECT_EQ(StructPageModel::HvoFreedPages(18, 32), 2047u);
  const std::vector<mm::NodeLayout> node = {{0, 0, 1u << 19, {}}};  // 2 GiB, 16 sections
  for (const char* spec : {"page32 { struct_page { hvo_hugetlb: true } }",
                           "transition { struct_page_bytes: 32 struct_page { hvo_hugetlb: true }"
                           " descriptors { anon_folio { where: SEPARATE bytes: 80 tag: \"a\" }"
                           " file_folio { where: SEPARATE bytes: 80 tag: \"a\" }"
                           " hugetlb_folio { where: SEPARATE bytes: 80 tag: \"a\" }"
                           " ksm { where: SEPARATE bytes: 80 tag: \"a\" }"
                           " slab { where: SEPARATE bytes: 64 tag: \"a\" }"
                           " ptdesc { where: SEPARATE bytes: 64 tag: \"a\" }"
                           " zpdesc { where: SEPARATE bytes: 56 tag: \"a\" } }"
                           " tags { value: 1 name: \"a\" } }"}) {
    SCOPED_TRACE(spec);
    mm::PhysMem mem = testing::FreeMemory(node);
    auto model = testing::MakeModel(spec, node);
    const uint64_t statics = 16u * 32768u * 32u;  // 16 MiB
    AccessBuffer out;
    mm::AllocResult r;
    mem.Alloc(0, 9, trace::OWNER_HUGETLB, &r);
    model->Alloc(r, OpContext{10, 0, 0}, out);
    EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 3u * 4096u);
    mem.Alloc(1u << 18, 18, trace::OWNER_HUGETLB, &r);
    model->Alloc(r, OpContext{20, 0, 0}, out);
    EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, (3u + 2047u) * 4096u);
    // pfn 200's struct page (32 * 200 = 6400, in vmemmap page 1) aliases page 0.
    out.Clear();
    model->Lookup(mem.Lookup(200), 200, OpContext{}, out);
    EXPECT_EQ(out[0].address, 6400u % 4096u);
    mm::FreeResult f;
    out.Clear();
    mem.Free(0, 9, &f);
    model->Free(f, OpContext{30, 0, 0}, out);
    EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 2047u * 4096u);
    EXPECT_EQ(model->overhead().machine().total_bytes,
              statics + model->overhead().machine().slab_bytes - 2047u * 4096u);
    // hugetlb_vmemmap_restore rewrites the 3 restored pages: 3 * 64 line writes first.
    EXPECT_EQ(out[0], W(4096, 64));
    EXPECT_EQ(out[3 * 64 - 1], Ind(W(4 * 4096 - 64, 64)));
  }
}

TEST(TransitionModelTest, HvoPerPageSize) {
  const std::vector<mm::NodeLayout> node = {{0, 0, 1u << 19, {}}};
  mm::PhysMem mem = testing::FreeMemory(node);
  auto model =
      testing::MakeModel("page64 { struct_page { hvo_hugetlb: true hvo_2mib: false } }", node);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(0, 9, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{10, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 0u);
  mem.Alloc(1u << 18, 18, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{20, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 4095u * 4096u);
}

// Shared tail page (Shutsemau 2026): 7 of 8 still freed per 2 MiB folio, the zone's one
// shared page costs 4 KiB while used, and the tails of every folio read that page. Node of
// 2 GiB ends at 0x80000000: the shared page of (zone 0, order < 18) is at
// 0x80000000 - 2 MiB - 4 KiB = 0x7fdff000.
TEST(TransitionModelTest, HvoSharedTailPagePerZone) {
  const std::vector<mm::NodeLayout> node = {{0, 0, 1u << 19, {}}};
  mm::PhysMem mem = testing::FreeMemory(node);
  auto model = ShippedModel("page64-hvo-shared-tail", node);
  AccessBuffer out;
  mm::AllocResult r;
  mem.Alloc(0, 9, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{10, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 7u * 4096u - 4096u);
  mem.Alloc(512, 9, trace::OWNER_HUGETLB, &r);
  model->Alloc(r, OpContext{20, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 14u * 4096u - 4096u);
  // pfn 64 (struct page at 4096: vmemmap page 1) and pfn 512 + 100 both read the shared
  // page; pfn 10 (vmemmap page 0) keeps its own struct page. Each tail also reads its head.
  out.Clear();
  model->Lookup(mem.Lookup(64), 64, OpContext{}, out);
  model->Lookup(mem.Lookup(612), 612, OpContext{}, out);
  model->Lookup(mem.Lookup(10), 10, OpContext{}, out);
  EXPECT_THAT(out.accesses(),
              ElementsAre(R(0x7fdff000, 16), R(0, 16), R(0x7fdff000 + (100 * 64) % 4096, 16),
                          R(512 * 64, 16), R(640, 16), R(0, 16)));
  mm::FreeResult f;
  mem.Free(0, 9, &f);
  model->Free(f, OpContext{30, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 7u * 4096u - 4096u);
  mem.Free(512, 9, &f);
  model->Free(f, OpContext{40, 0, 0}, out);
  EXPECT_EQ(model->overhead().machine().hvo_saved_bytes, 0u);
  model->Finish(50);
  EXPECT_EQ(model->overhead().machine().peak_total_bytes, 32u << 20);  // 16 sections * 2 MiB
}

TEST(TransitionModelTest, TagsComeFromTheConfig) {
  auto model = ShippedModel("page64-slab-ptdesc-separate", kNode);
  const auto& sp = static_cast<const StructPageModel&>(*model);
  EXPECT_EQ(sp.TagOf(trace::OWNER_PAGE_TABLE), 7u);
  EXPECT_EQ(sp.TagOf(trace::OWNER_SLAB), 5u);
  EXPECT_FALSE(sp.TagOf(trace::OWNER_ANON).has_value());  // in its slot: no pointer, no tag
  EXPECT_TRUE(sp.IsSeparate(trace::OWNER_SLAB));
  EXPECT_FALSE(sp.IsSeparate(trace::OWNER_FILE));
}

TEST(TransitionModelTest, ValidationNamesTheField) {
  auto check = [](const std::string& text, const std::string& fragment) {
    absl::StatusOr<config::MemmapModelConfig> c = ParseMemmapModelConfig(text, "t");
    ASSERT_TRUE(c.ok()) << c.status();
    absl::Status s = BuiltinModels().Validate(*c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(s.message(), HasSubstr(fragment)) << text;
  };
  check("transition { struct_page_bytes: 16 }", "transition.struct_page_bytes: must be 64 or 32");
  check("transition { struct_page_bytes: 32 }",
        "transition.descriptors.anon_folio.where: IN_SLOT needs a 64-byte struct page");
  check("transition { descriptors { ptdesc { where: SEPARATE bytes: 64 } } }",
        "transition.descriptors.ptdesc.tag: a SEPARATE descriptor needs a tag");
  check("transition { descriptors { ptdesc { where: SEPARATE bytes: 8 } } }",
        "transition.descriptors.ptdesc.bytes");
  check(
      "transition { descriptors { ptdesc { where: SEPARATE bytes: 64 align_bytes: 8 tag: \"p\" } }"
      " tags { value: 7 name: \"p\" } }",
      "transition.descriptors.ptdesc.align_bytes: must be a power of two between 2^tag_bits = 16");
  check("transition { tags { value: 16 name: \"x\" } }",
        "transition.tags[0].value: must be < 2^tag_bits = 16, got 16");
  check("transition { tags { value: 1 name: \"x\" } tags { value: 1 name: \"y\" } }",
        "transition.tags[1].value: is used twice");
  check(
      "transition { descriptors { slab { where: SEPARATE bytes: 64 cache: \"c\" tag: \"x\" }"
      " ptdesc { where: SEPARATE bytes: 80 cache: \"c\" tag: \"x\" } }"
      " tags { value: 1 name: \"x\" } }",
      "transition.descriptors.ptdesc.cache: cache \"c\" holds 64-byte objects");
}

}  // namespace
}  // namespace memsim::memmap
