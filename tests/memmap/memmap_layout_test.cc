// MemmapLayout's placement of each node's memmap (docs/machine-model.md, "Where the memmap
// lives"): local, hot-added (on a host node), memmap_on_memory with its carve-out and waste,
// and mhp_supports_memmap_on_memory()'s figures by per-page size. Values derived by hand.
#include "sim/memmap/memmap_layout.h"

#include "gtest/gtest.h"
#include "sim/memmap/overhead_tracker.h"

namespace memsim::memmap {
namespace {

using Kind = mm::MemmapRequest::Kind;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kSection = 32768;  // 128 MiB of pages

// Node 0: 512 MiB of boot memory at pfn 0 (4 sections). Node 1: 256 MiB (2 sections, two
// 128 MiB blocks) at pfn 131072 (512 MiB), placed as `kind` with node 0 as its host.
std::vector<mm::NodeLayout> TwoNodes(Kind kind, uint64_t alignment = 2 * kMiB) {
  std::vector<mm::NodeLayout> nodes(2);
  nodes[0] = {0, 0, 131072, {}};
  nodes[1] = {1, 131072, 65536, {}};
  nodes[1].memmap.kind = kind;
  nodes[1].memmap.host_node = 0;
  nodes[1].memmap.memory_block_pages = 32768;
  nodes[1].memmap.vmemmap_alignment_bytes = alignment;
  return nodes;
}

TEST(MemmapLayout, LocalArraysStartAtTheNodesFirstByte) {
  const MemmapLayout l(TwoNodes(Kind::kLocal), 64, kSection);
  EXPECT_EQ(l.static_bytes(0), 4 * 2 * kMiB);
  EXPECT_EQ(l.static_bytes(1), 2 * 2 * kMiB);
  EXPECT_EQ(l.memmap_node(1), 1u);
  EXPECT_EQ(l.Addr(0, 5), 5u * 64);
  EXPECT_EQ(l.Addr(1, 131072), 512 * kMiB);
  EXPECT_EQ(l.Addr(1, 131072 + 32768 + 3), 512 * kMiB + 2 * kMiB + 3 * 64);
  EXPECT_EQ(l.descriptor_region_base(0), 8 * kMiB);
  EXPECT_EQ(l.descriptor_region_base(1), 512 * kMiB + 4 * kMiB);
  EXPECT_EQ(l.waste_bytes(1), 0u);
  EXPECT_EQ(l.PlacementText(1), "local");
}

TEST(MemmapLayout, HotAddedArrayLivesOnItsHostAfterTheHostsOwn) {
  const MemmapLayout l(TwoNodes(Kind::kHotplug), 64, kSection);
  // Node 1's 4 MiB array follows node 0's 8 MiB; node 0's descriptors follow both; node 1
  // keeps only its descriptors, from its first byte.
  EXPECT_EQ(l.static_bytes(1), 4 * kMiB);
  EXPECT_EQ(l.memmap_node(1), 0u);
  EXPECT_EQ(l.Addr(1, 131072), 8 * kMiB);
  EXPECT_EQ(l.Addr(1, 131072 + 32768 + 3), 8 * kMiB + 2 * kMiB + 3 * 64);
  EXPECT_EQ(l.NodeOfAddr(l.Addr(1, 131072 + 65535)), 0u);
  EXPECT_EQ(l.descriptor_region_base(0), 12 * kMiB);
  EXPECT_EQ(l.descriptor_region_base(1), 512 * kMiB);
  EXPECT_EQ(l.PlacementText(1), "hot-added, on node 0");
}

TEST(MemmapLayout, MemmapOnMemoryCarvesEachBlock) {
  const MemmapLayout l(TwoNodes(Kind::kOnMemory), 64, kSection);
  // 128 MiB blocks of 64-byte struct pages: 2 MiB (512 pages) at the start of each block.
  EXPECT_EQ(l.static_bytes(1), 2 * 2 * kMiB);
  EXPECT_EQ(l.waste_bytes(1), 0u);
  EXPECT_EQ(l.memmap_node(1), 1u);
  EXPECT_EQ(l.Addr(1, 131072), 512 * kMiB);
  EXPECT_EQ(l.Addr(1, 131072 + 32768 + 3), 512 * kMiB + 128 * kMiB + 3 * 64);
  EXPECT_EQ(l.NodeOfAddr(l.Addr(1, 131072 + 65535)), 1u);
  EXPECT_EQ(l.descriptor_region_base(0), 8 * kMiB);  // node 0 holds its own array only
  EXPECT_EQ(l.descriptor_region_base(1), 512 * kMiB + 2 * kMiB);
  EXPECT_EQ(l.PlacementText(1), "memmap_on_memory (2 MiB of each 128 MiB block)");
}

TEST(MemmapLayout, UnsupportedMemmapOnMemoryFallsBackToTheHost) {
  // 8-byte words: 256 KiB per 128 MiB block, not a PMD multiple (x86-64): on node 0.
  const MemmapLayout l(TwoNodes(Kind::kOnMemoryForce), 8, kSection);
  EXPECT_EQ(l.memmap_node(1), 0u);
  EXPECT_EQ(l.static_bytes(1), 2 * 256 * 1024u);
  EXPECT_EQ(l.waste_bytes(1), 0u);
  EXPECT_EQ(l.Addr(1, 131072), 4 * 256 * 1024u);  // after node 0's 1 MiB
  EXPECT_EQ(l.PlacementText(1),
            "memmap_on_memory unsupported at 8 B per page: hot-added, on node 0");
}

TEST(MemmapLayout, ForceModeRoundsTheCarveOutToPageblocks) {
  // No arch constraint (alignment 4096), force: 32-byte pages need 256 pages per 128 MiB
  // block, rounded to 512; 1 MiB of each block is waste.
  const MemmapLayout l(TwoNodes(Kind::kOnMemoryForce, 4096), 32, kSection);
  EXPECT_EQ(l.memmap_node(1), 1u);
  EXPECT_EQ(l.static_bytes(1), 2 * 2 * kMiB);
  EXPECT_EQ(l.waste_bytes(1), 2 * kMiB);
  EXPECT_EQ(l.Addr(1, 131072 + 32768), 512 * kMiB + 128 * kMiB);
  EXPECT_EQ(l.descriptor_region_base(1), 512 * kMiB + 2 * kMiB);
  EXPECT_EQ(l.PlacementText(1), "memmap_on_memory=force (2 MiB of each 128 MiB block)");
}

TEST(MemmapLayout, MhpSupportsMemmapOnMemoryBySize) {
  struct Case {
    uint64_t block_pages;
    uint32_t bytes_per_page;
    bool force;
    uint64_t alignment;
    uint64_t pages;
    uint64_t waste;
  };
  const Case cases[] = {
      {32768, 64, false, 2 * kMiB, 512, 0},    // 2 MiB: fits everywhere
      {32768, 32, false, 2 * kMiB, 0, 0},      // 1 MiB: not a PMD multiple
      {32768, 32, true, 2 * kMiB, 0, 0},       // force does not help the PMD check
      {32768, 32, false, 4096, 0, 0},          // 256 pages: half a pageblock
      {32768, 32, true, 4096, 512, 1 * kMiB},  // force: a whole pageblock
      {32768, 8, true, 4096, 512, 1835008},    // 256 KiB used of 2 MiB: 1.75 MiB waste
      {524288, 8, false, 2 * kMiB, 1024, 0},   // 2 GiB blocks: 4 MiB, fits
      {524288, 32, false, 2 * kMiB, 4096, 0},  // 16 MiB
      {512, 64, true, 4096, 0, 0},             // the carve-out would be the whole block
  };
  for (const Case& c : cases) {
    const auto carve =
        MemmapLayout::MemmapOnMemoryCarve(c.block_pages, c.bytes_per_page, c.force, c.alignment);
    EXPECT_EQ(carve.pages, c.pages) << c.block_pages << " pages at " << c.bytes_per_page << " B";
    EXPECT_EQ(carve.waste_bytes, c.waste) << c.block_pages << " at " << c.bytes_per_page << " B";
  }
}

TEST(OverheadTracker, SetMemmapTakesTheLayoutsPlacement) {
  const MemmapLayout l(TwoNodes(Kind::kOnMemoryForce, 4096), 32, kSection);
  OverheadTracker t({512 * kMiB, 256 * kMiB});
  t.SetMemmap(l);
  EXPECT_EQ(t.node(0).static_bytes, 4 * kMiB);  // 4 sections x 1 MiB
  EXPECT_EQ(t.node(1).static_bytes, 4 * kMiB);
  EXPECT_EQ(t.machine().static_bytes, 8 * kMiB);
  EXPECT_EQ(t.memmap_node(0), 0u);
  EXPECT_EQ(t.memmap_node(1), 1u);
  EXPECT_EQ(t.memmap_waste_bytes(1), 2 * kMiB);
  EXPECT_EQ(t.memmap_placement_text(0), "local");
}

}  // namespace
}  // namespace memsim::memmap
