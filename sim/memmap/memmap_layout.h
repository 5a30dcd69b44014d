// MemmapLayout: where a model's per-page metadata and descriptor slabs live in simulated
// physical memory, so that the cache model sees real line addresses and can tell the node
// of each access. Deterministic: each node's metadata starts at the node's first byte.
//
//   node n:  [start_pfn * 4096, + memmap_bytes(n))    per-page array, section by section
//            [descriptor_region_base(n), ...)         descriptor slab pages, 4 KiB aligned
//
// The per-page array is populated per sparsemem section (section_pages pages, a power of
// two): pfn p of node n sits at
//   base(n) + ((p >> section_shift) - first_section(n)) * section_bytes
//           + (p & (section_pages - 1)) * bytes_per_page
// and static memmap bytes of a node = sections it touches * section_bytes (the kernel
// populates whole sections; x86-64: 128 MiB sections, 2 MiB of 64-byte struct pages each).
#ifndef MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_
#define MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/mm/mm_types.h"

namespace memsim::memmap {

class MemmapLayout {
 public:
  // REQUIRES: section_pages is a power of two; bytes_per_page > 0.
  MemmapLayout(const std::vector<mm::NodeLayout>& nodes, uint32_t bytes_per_page,
               uint64_t section_pages);

  uint64_t Addr(uint32_t node, uint64_t pfn) const {
    const NodeInfo& n = nodes_[node];
    return n.base_addr + ((pfn >> section_shift_) - n.first_section) * section_bytes_ +
           (pfn & (section_pages_ - 1)) * bytes_per_page_;
  }
  uint64_t static_bytes(uint32_t node) const { return nodes_[node].memmap_bytes; }
  uint64_t descriptor_region_base(uint32_t node) const {
    return nodes_[node].base_addr +
           ((nodes_[node].memmap_bytes + mm::kPageBytes - 1) & ~(mm::kPageBytes - 1));
  }
  uint64_t ram_bytes(uint32_t node) const { return nodes_[node].ram_bytes; }

  // Kernel structures the per-CPU list paths touch, placed (not taken from a kernel) in the
  // top MiB of a node and the per-CPU areas below it:
  //   struct zone of global zone z (its pgdat on node n): end(n) - 1 MiB + (z % 256) * 4096;
  //     zone->lock at +kZoneLockOffset (its own cache line after ZONE_PADDING);
  //   struct per_cpu_pages of (cpu, zone z) in cpu's per-CPU area on its home node n:
  //     end(n) - 1 MiB - (cpu + 1) * 4096 + (z % 16) * 256 (256 B: 232 rounded to lines).
  static constexpr uint64_t kZoneLockOffset = 1024;
  uint64_t ZoneLockAddr(uint32_t node, uint32_t zone) const {
    return NodeEnd(node) - (uint64_t{1} << 20) + (zone % 256) * mm::kPageBytes + kZoneLockOffset;
  }
  // pgdat->__lruvec.lru_lock of node n (the node's lruvec; with memcg one per memcg and
  // node): end(n) - 1 MiB + 3072, a line of its own in the slot of zone 0.
  uint64_t LruLockAddr(uint32_t node) const { return NodeEnd(node) - (uint64_t{1} << 20) + 3072; }
  uint64_t PcpAddr(uint32_t cpu_node, uint32_t cpu, uint32_t zone) const {
    return NodeEnd(cpu_node) - (uint64_t{1} << 20) - (uint64_t{cpu} + 1) * mm::kPageBytes +
           (zone % 16) * 256;
  }
  uint32_t bytes_per_page() const { return bytes_per_page_; }
  size_t num_nodes() const { return nodes_.size(); }
  // Node index holding simulated byte address addr (descriptor slab pages), by node
  // ranges; the last node if beyond every node.
  uint32_t NodeOfAddr(uint64_t addr) const;

 private:
  uint64_t NodeEnd(uint32_t node) const {
    const NodeInfo& n = nodes_[node < nodes_.size() ? node : 0];
    return n.base_addr + n.ram_bytes;
  }
  struct NodeInfo {
    uint64_t start_pfn = 0;
    uint64_t base_addr = 0;
    uint64_t first_section = 0;
    uint64_t memmap_bytes = 0;
    uint64_t ram_bytes = 0;
  };
  std::vector<NodeInfo> nodes_;
  uint32_t bytes_per_page_;
  uint64_t section_pages_;
  uint32_t section_shift_ = 0;
  uint64_t section_bytes_;
};

// RAM of each node in bytes, in the order of `nodes` (OverheadTracker's denominator).
std::vector<uint64_t> NodeRamBytes(const std::vector<mm::NodeLayout>& nodes);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_
