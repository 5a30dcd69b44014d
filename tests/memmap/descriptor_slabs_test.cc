#include "sim/memmap/descriptor_slabs.h"

#include "gtest/gtest.h"

namespace memsim::memmap {
namespace {

TEST(DescriptorSlabsTest, PacksObjectsAndReleasesEmptySlabs) {
  DescriptorSlabs slabs({1 << 20, 2 << 20}, DescriptorSlabs::Options{});
  const int folio = slabs.CacheFor(80);
  const int slab = slabs.CacheFor(64);
  EXPECT_EQ(slabs.objects_per_slab(folio), 51u);  // 4096 / 80
  EXPECT_EQ(slabs.objects_per_slab(slab), 64u);
  std::vector<uint64_t> handles;
  for (int i = 0; i < 52; ++i) handles.push_back(slabs.Alloc(folio, 0).handle);
  EXPECT_EQ(slabs.live_slabs(0), 2u);
  EXPECT_EQ(slabs.Addr(handles[50]), (1u << 20) + 50u * 80u);
  EXPECT_EQ(slabs.Addr(handles[51]), (1u << 20) + 4096u);
  // Another cache gets its own page.
  EXPECT_EQ(slabs.Alloc(slab, 0).addr, (1u << 20) + 8192u);
  // Lowest free slot is reused; a slab emptied is released and its page reused first.
  slabs.Free(handles[7]);
  EXPECT_EQ(slabs.Alloc(folio, 0).addr, (1u << 20) + 7u * 80u);
  DescriptorSlabs::FreeInfo info = slabs.Free(handles[51]);
  EXPECT_TRUE(info.slab_released);
  EXPECT_EQ(slabs.live_slabs(0), 2u);
  EXPECT_EQ(slabs.Alloc(folio, 1).addr, 2u << 20);
  EXPECT_EQ(slabs.slab_bytes(1), 4096u);
}

TEST(DescriptorSlabsTest, KmallocSizeClassesShareCaches) {
  DescriptorSlabs::Options o;
  o.kmalloc_size_classes = true;
  DescriptorSlabs slabs({0}, o);
  const int a = slabs.CacheFor(80);
  const int b = slabs.CacheFor(72);
  EXPECT_EQ(a, b);
  EXPECT_EQ(slabs.object_bytes(a), 96u);
  EXPECT_NE(slabs.CacheFor(64), a);
}

}  // namespace
}  // namespace memsim::memmap
