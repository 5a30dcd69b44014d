#include "sim/memmap/memmap_layout.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace memsim::memmap {
namespace {

// pageblock_nr_pages on x86-64 (pageblock_order = HPAGE_PMD_ORDER = 9).
constexpr uint64_t kPageblockPages = 512;

uint32_t Log2(uint64_t v) {
  uint32_t s = 0;
  while ((uint64_t{1} << s) < v) ++s;
  return s;
}

uint64_t PageAlign(uint64_t addr) { return (addr + mm::kPageBytes - 1) & ~(mm::kPageBytes - 1); }

std::string Bytes(uint64_t b) {
  if (b >= (uint64_t{1} << 30) && b % (uint64_t{1} << 30) == 0) {
    return absl::StrCat(b >> 30, " GiB");
  }
  if (b >= (uint64_t{1} << 20) && b % (uint64_t{1} << 20) == 0) {
    return absl::StrCat(b >> 20, " MiB");
  }
  return absl::StrCat(b >> 10, " KiB");
}

}  // namespace

MemmapLayout::OnMemoryCarve MemmapLayout::MemmapOnMemoryCarve(uint64_t block_pages,
                                                              uint32_t bytes_per_page, bool force,
                                                              uint64_t vmemmap_alignment_bytes) {
  // memory_block_memmap_size() and memory_block_memmap_on_memory_pages().
  const uint64_t vmemmap_size = block_pages * bytes_per_page;
  uint64_t pages = (vmemmap_size + mm::kPageBytes - 1) / mm::kPageBytes;
  if (force) pages = (pages + kPageblockPages - 1) / kPageblockPages * kPageblockPages;
  // mhp_supports_memmap_on_memory(): the array fills whole pages, the carve-out whole
  // pageblocks, something is left for the buddy, and arch_supports_memmap_on_memory().
  const bool supported = vmemmap_size % mm::kPageBytes == 0 && pages % kPageblockPages == 0 &&
                         pages < block_pages && vmemmap_alignment_bytes != 0 &&
                         vmemmap_size % vmemmap_alignment_bytes == 0;
  if (!supported) return {};
  return {pages, pages * mm::kPageBytes - vmemmap_size};
}

MemmapLayout::MemmapLayout(const std::vector<mm::NodeLayout>& nodes, uint32_t bytes_per_page,
                           uint64_t section_pages)
    : bytes_per_page_(bytes_per_page) {
  const uint32_t section_shift = Log2(section_pages);
  const uint64_t section_bytes = section_pages * bytes_per_page;
  using Kind = mm::MemmapRequest::Kind;
  // Pass 1: what each node's array is and where it belongs.
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const mm::NodeLayout& n = nodes[i];
    NodeInfo info;
    info.start_pfn = n.start_pfn;
    info.base_addr = n.start_pfn << mm::kPageShift;
    info.ram_bytes = n.pages << mm::kPageShift;
    info.kind = n.memmap.kind;
    info.memmap_node = n.memmap.kind == Kind::kLocal ? i : n.memmap.host_node;
    if (n.memmap.kind == Kind::kOnMemory || n.memmap.kind == Kind::kOnMemoryForce) {
      const uint64_t block_pages = n.memmap.memory_block_pages;
      const OnMemoryCarve carve =
          MemmapOnMemoryCarve(block_pages, bytes_per_page, n.memmap.kind == Kind::kOnMemoryForce,
                              n.memmap.vmemmap_alignment_bytes);
      if (carve.pages > 0) {
        const uint32_t block_shift = Log2(block_pages);
        const uint64_t first = n.start_pfn >> block_shift;
        const uint64_t blocks = ((n.start_pfn + n.pages - 1) >> block_shift) - first + 1;
        info.on_memory = true;
        info.memmap_node = i;
        info.carve_pages = carve.pages;
        info.block_pages = block_pages;
        info.first_unit = first;
        info.unit_shift = block_shift;
        info.unit_stride = block_pages << mm::kPageShift;
        info.unit_mask = block_pages - 1;
        info.memmap_base = (first << block_shift) << mm::kPageShift;
        info.memmap_bytes = blocks * carve.pages * mm::kPageBytes;
        info.waste_bytes = blocks * carve.waste_bytes;
      }
    }
    if (!info.on_memory) {
      info.first_unit = n.start_pfn >> section_shift;
      info.unit_shift = section_shift;
      info.unit_stride = section_bytes;
      info.unit_mask = section_pages - 1;
      const uint64_t last = (n.start_pfn + n.pages - 1) >> section_shift;
      info.memmap_bytes = (last - info.first_unit + 1) * section_bytes;
    }
    nodes_.push_back(info);
  }
  // Pass 2: addresses. Each node's own array first (local, or the first block's carve-out),
  // then the arrays it hosts in node order, then its descriptor slabs.
  std::vector<uint64_t> cursor(nodes_.size());
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    NodeInfo& n = nodes_[i];
    cursor[i] = n.base_addr;
    if (n.on_memory) {
      cursor[i] = n.memmap_base +
                  (n.start_pfn - (n.first_unit << n.unit_shift) + n.carve_pages) * mm::kPageBytes;
    } else if (n.memmap_node == i) {
      n.memmap_base = n.base_addr;
      cursor[i] = n.base_addr + n.memmap_bytes;
    }
  }
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    NodeInfo& n = nodes_[i];
    if (n.on_memory || n.memmap_node == i) continue;
    const uint32_t h = n.memmap_node;
    n.memmap_base = PageAlign(cursor[h]);
    cursor[h] = n.memmap_base + n.memmap_bytes;
  }
  for (uint32_t i = 0; i < nodes_.size(); ++i) nodes_[i].descriptor_base = PageAlign(cursor[i]);
}

std::string MemmapLayout::PlacementText(uint32_t node) const {
  const NodeInfo& n = nodes_[node];
  using Kind = mm::MemmapRequest::Kind;
  if (n.on_memory) {
    return absl::StrCat(
        n.kind == Kind::kOnMemoryForce ? "memmap_on_memory=force" : "memmap_on_memory", " (",
        Bytes(n.carve_pages * mm::kPageBytes), " of each ", Bytes(n.block_pages * mm::kPageBytes),
        " block)");
  }
  switch (n.kind) {
    case Kind::kLocal:
      return "local";
    case Kind::kHotplug:
      return absl::StrCat("hot-added, on node ", n.memmap_node);
    default:
      return absl::StrCat("memmap_on_memory unsupported at ", bytes_per_page_,
                          " B per page: hot-added, on node ", n.memmap_node);
  }
}

uint32_t MemmapLayout::NodeOfAddr(uint64_t addr) const {
  const uint64_t pfn = addr >> mm::kPageShift;
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), pfn,
                             [](uint64_t v, const NodeInfo& n) { return v < n.start_pfn; });
  if (it == nodes_.begin()) return 0;
  return static_cast<uint32_t>(it - nodes_.begin() - 1);
}

std::vector<uint64_t> NodeRamBytes(const std::vector<mm::NodeLayout>& nodes) {
  std::vector<uint64_t> ram;
  for (const mm::NodeLayout& n : nodes) ram.push_back(n.pages << mm::kPageShift);
  return ram;
}

}  // namespace memsim::memmap
