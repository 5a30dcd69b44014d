// MemmapLayout: where a model's per-page metadata and descriptor slabs live in simulated
// physical memory, so that the cache model sees real line addresses and can tell the node
// of each access. Deterministic.
//
// Where each node's per-page array lives (mm::NodeLayout::memmap; docs/machine-model.md,
// "Where the memmap lives"):
//   local (boot memory)  at the node's first byte;
//   hot-added            in the host node's memory, after the host's own array and the
//                        arrays of lower-numbered nodes it hosts;
//   memmap_on_memory     at the start of each of the node's memory blocks (the block's first
//                        carve_pages pages), when mhp_supports_memmap_on_memory() accepts
//                        this per-page size; else as hot-added.
// Each node's descriptor slab pages follow, 4 KiB aligned, whatever the node holds first.
//
// The per-page array is populated per unit (a sparsemem section of section_pages pages, or a
// memory block for memmap_on_memory; a power of two): pfn p of node n sits at
//   memmap_base(n) + ((p >> unit_shift) - first_unit(n)) * unit_stride + (p & unit_mask) * bpp
// with unit_stride = section_bytes (sections: the arrays of the sections the node touches,
// back to back) or the block size (each block's array at its own start). Static memmap
// bytes of a node = sections it touches * section_bytes (the kernel populates whole
// sections; x86-64: 128 MiB sections, 2 MiB of 64-byte struct pages each), or blocks *
// carve_pages * 4 KiB for memmap_on_memory (waste included).
#ifndef MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_
#define MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/mm/mm_types.h"

namespace memsim::memmap {

class MemmapLayout {
 public:
  // REQUIRES: section_pages is a power of two; bytes_per_page > 0; every memmap host_node
  // indexes `nodes`; memory_block_pages a power of two.
  MemmapLayout(const std::vector<mm::NodeLayout>& nodes, uint32_t bytes_per_page,
               uint64_t section_pages);

  // What mhp_supports_memmap_on_memory() (mm/memory_hotplug.c) decides for one memory block
  // of block_pages pages at bytes_per_page: the pages carved out of the block (0: not
  // supported, the memmap goes elsewhere) and how many bytes of them hold no struct page.
  struct OnMemoryCarve {
    uint64_t pages = 0;
    uint64_t waste_bytes = 0;
  };
  static OnMemoryCarve MemmapOnMemoryCarve(uint64_t block_pages, uint32_t bytes_per_page,
                                           bool force, uint64_t vmemmap_alignment_bytes);

  uint64_t Addr(uint32_t node, uint64_t pfn) const {
    const NodeInfo& n = nodes_[node];
    return n.memmap_base + ((pfn >> n.unit_shift) - n.first_unit) * n.unit_stride +
           (pfn & n.unit_mask) * bytes_per_page_;
  }
  // Bytes of node `node`'s memmap array (wherever it lives), waste included.
  uint64_t static_bytes(uint32_t node) const { return nodes_[node].memmap_bytes; }
  // Of static_bytes: memmap_on_memory pages that hold no struct page.
  uint64_t waste_bytes(uint32_t node) const { return nodes_[node].waste_bytes; }
  // Index of the node whose memory holds node `node`'s memmap array.
  uint32_t memmap_node(uint32_t node) const { return nodes_[node].memmap_node; }
  // "local", "hot-added, on node 0", "memmap_on_memory (2 MiB per 128 MiB block)", ...
  std::string PlacementText(uint32_t node) const;
  uint64_t descriptor_region_base(uint32_t node) const { return nodes_[node].descriptor_base; }
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
    uint64_t ram_bytes = 0;
    uint64_t memmap_base = 0;
    uint64_t first_unit = 0;
    uint32_t unit_shift = 0;
    uint64_t unit_stride = 0;
    uint64_t unit_mask = 0;
    uint64_t memmap_bytes = 0;
    uint64_t waste_bytes = 0;
    uint32_t memmap_node = 0;
    bool on_memory = false;
    uint64_t carve_pages = 0;
    uint64_t block_pages = 0;
    uint64_t descriptor_base = 0;
    mm::MemmapRequest::Kind kind = mm::MemmapRequest::Kind::kLocal;
  };
  std::vector<NodeInfo> nodes_;
  uint32_t bytes_per_page_;
};

// RAM of each node in bytes, in the order of `nodes` (OverheadTracker's denominator).
std::vector<uint64_t> NodeRamBytes(const std::vector<mm::NodeLayout>& nodes);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMMAP_LAYOUT_H_
