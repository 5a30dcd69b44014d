#include "sim/memmap/memmap_layout.h"

#include <algorithm>

namespace memsim::memmap {

MemmapLayout::MemmapLayout(const std::vector<mm::NodeLayout>& nodes, uint32_t bytes_per_page,
                           uint64_t section_pages)
    : bytes_per_page_(bytes_per_page),
      section_pages_(section_pages),
      section_bytes_(section_pages * bytes_per_page) {
  while ((uint64_t{1} << section_shift_) < section_pages) ++section_shift_;
  for (const mm::NodeLayout& n : nodes) {
    NodeInfo info;
    info.start_pfn = n.start_pfn;
    info.base_addr = n.start_pfn << mm::kPageShift;
    info.first_section = n.start_pfn >> section_shift_;
    const uint64_t last_section = (n.start_pfn + n.pages - 1) >> section_shift_;
    info.memmap_bytes = (last_section - info.first_section + 1) * section_bytes_;
    info.ram_bytes = n.pages << mm::kPageShift;
    nodes_.push_back(info);
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
