// DescriptorSlabs: the per-node slab caches memdesc-style descriptors are allocated from
// (in the kernel: TYPESAFE_BY_RCU kmem_caches, SLUB). Simulated, not real memory: it
// decides at which simulated address each descriptor lives and how many slab pages the
// caches hold (full, partial), which is what the overhead figures and the cache model need.
//
// Policy (deterministic, close to SLUB without per-CPU slabs): each (node, cache) allocates
// from its most recently used partial slab, taking the lowest free object slot; when no
// partial slab is left a new slab page is taken from the node's descriptor region (lowest
// released page first); a slab whose last object is freed is released at once (SLUB keeps
// up to min_partial empty slabs; not modelled).
//
// Host memory: 8 bytes per slab page plus one bit per object slot; the objects themselves
// have no host storage.
#ifndef MEMSIM_SIM_MEMMAP_DESCRIPTOR_SLABS_H_
#define MEMSIM_SIM_MEMMAP_DESCRIPTOR_SLABS_H_

#include <cstdint>
#include <vector>

namespace memsim::memmap {

class DescriptorSlabs {
 public:
  struct Options {
    uint32_t align_bytes = 16;     // power of two >= 8
    uint32_t slab_page_order = 0;  // slab = 2^order 4 KiB pages
    bool kmalloc_size_classes = false;
  };
  struct AllocInfo {
    uint64_t handle = 0;
    uint64_t addr = 0;       // simulated address of the object
    bool new_slab = false;   // a slab page was taken for this allocation
    uint64_t slab_addr = 0;  // address of the object's slab page
  };
  struct FreeInfo {
    uint64_t addr = 0;
    bool slab_released = false;  // the object's slab page became empty and was released
    uint64_t slab_addr = 0;
    uint32_t node = 0;
  };

  // region_base_addr[n]: first byte of node n's descriptor region (4 KiB aligned).
  DescriptorSlabs(std::vector<uint64_t> region_base_addr, Options options);

  // Cache for objects of `bytes` (rounded up to align_bytes, or to a kmalloc size class
  // which then shares the cache with every size of that class). Same id on every node.
  // REQUIRES: 0 < bytes <= slab page bytes.
  int CacheFor(uint32_t bytes);
  // A new cache of its own for objects of `bytes` rounded up to `align_bytes` (a power of
  // two >= 8), whatever the options say (the transition model's per-type caches).
  // REQUIRES: 0 < bytes <= slab page bytes.
  int DedicatedCache(uint32_t bytes, uint32_t align_bytes);
  uint32_t object_bytes(int cache) const { return caches_[cache].object_bytes; }
  uint32_t objects_per_slab(int cache) const { return caches_[cache].objects_per_slab; }

  AllocInfo Alloc(int cache, uint32_t node);
  // REQUIRES: handle came from Alloc and was not freed since.
  FreeInfo Free(uint64_t handle);
  uint64_t Addr(uint64_t handle) const;
  // Object bytes of the cache a live handle belongs to.
  uint32_t ObjectBytes(uint64_t handle) const;
  static uint32_t NodeOf(uint64_t handle) { return static_cast<uint32_t>(handle >> 48); }

  uint64_t slab_page_bytes() const { return slab_page_bytes_; }
  uint64_t slab_bytes(uint32_t node) const { return nodes_[node].live_slabs * slab_page_bytes_; }
  uint64_t live_slabs(uint32_t node) const { return nodes_[node].live_slabs; }

 private:
  struct Cache {
    uint32_t object_bytes = 0;
    uint32_t objects_per_slab = 0;
  };
  struct Slab {
    int16_t cache = -1;  // -1: page not in use
    uint16_t in_use = 0;
    bool on_partial = false;
  };
  struct NodeState {
    uint64_t base_addr = 0;
    std::vector<Slab> slabs;
    std::vector<uint64_t> bitmap;                // bitmap_words_ per slab
    std::vector<uint32_t> released;              // released slab indices (min-heap)
    std::vector<std::vector<uint32_t>> partial;  // per cache: stack of slab indices
    uint64_t live_slabs = 0;
  };
  uint32_t NewSlab(NodeState& n, int cache);
  int AddCache(uint32_t object_bytes);

  Options options_;
  uint64_t slab_page_bytes_;
  uint32_t bitmap_words_;
  std::vector<Cache> caches_;
  std::vector<NodeState> nodes_;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_DESCRIPTOR_SLABS_H_
