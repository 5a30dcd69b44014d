// DescriptorTable: which descriptor each allocated block (keyed by head pfn) points to,
// for the models with separately allocated descriptors (memdesc, allocatee). Allocates
// from DescriptorSlabs, keeps the overhead accounting (live descriptor bytes, slab pages),
// and emits the slab allocator's own accesses when given a buffer:
//   alloc: a new slab page -> write the per-page words of the slab's pages (the slab page
//          is itself memory with a memdesc word: tagged "slab")  [allocate_slab]
//          read the object's free pointer (8 B at the object)    [slab_alloc_node:
//          get_freepointer of the freelist head]
//   free:  write the free pointer into the object (8 B)          [set_freepointer]
//          slab released -> write the slab pages' words           [discard_slab]
// The descriptor's own initialisation / copy is emitted by the model (it knows the
// layout). Several heads may share one descriptor (allocatee vmalloc areas): it is freed
// when the last head releases it.
#ifndef MEMSIM_SIM_MEMMAP_DESCRIPTOR_TABLE_H_
#define MEMSIM_SIM_MEMMAP_DESCRIPTOR_TABLE_H_

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "proto/trace.pb.h"
#include "sim/memmap/descriptor_slabs.h"
#include "sim/memmap/memmap_layout.h"
#include "sim/memmap/metadata_access.h"
#include "sim/memmap/overhead_tracker.h"

namespace memsim::memmap {

class DescriptorTable {
 public:
  // word_layout: where the per-page words live (for the slab pages' own words).
  // overhead: updated on every change; must outlive this table.
  DescriptorTable(const MemmapLayout* word_layout, DescriptorSlabs::Options options,
                  OverheadTracker* overhead);

  // Descriptor size of an owner type; 0 = none.
  void SetBytes(trace::OwnerType owner, uint32_t bytes);
  // Per-type caches (transition model): a new dedicated cache, and an owner type's
  // descriptor size and cache. REQUIRES: cache came from AddCache; bytes > 0.
  int AddCache(uint32_t bytes, uint32_t align_bytes) {
    return slabs_.DedicatedCache(bytes, align_bytes);
  }
  void SetCache(trace::OwnerType owner, uint32_t bytes, int cache) {
    bytes_[owner] = bytes;
    cache_[owner] = cache;
  }
  uint32_t bytes(trace::OwnerType owner) const { return bytes_[owner]; }
  bool HasDescriptor(trace::OwnerType owner) const { return cache_[owner] >= 0; }

  // Allocates a descriptor for `owner` on `node` and maps head_pfn to it. Returns the
  // handle. out == nullptr: no accesses (seeding).
  // REQUIRES: HasDescriptor(owner); head_pfn not mapped.
  // shareable: the descriptor may later be shared by other heads (Share) and is reference
  // counted; IsLive() tells whether it still has a head.
  uint64_t Alloc(uint64_t head_pfn, trace::OwnerType owner, uint32_t node, uint64_t time_ns,
                 AccessBuffer* out, bool shareable = false);
  // Maps head_pfn to an existing shareable descriptor.
  // REQUIRES: IsLive(handle).
  void Share(uint64_t head_pfn, uint64_t handle);
  // Unmaps head_pfn; frees its descriptor if no other head maps it. No-op if unmapped.
  void Release(uint64_t head_pfn, uint64_t time_ns, AccessBuffer* out);
  // Remaps the descriptor of `from` to `to` (migration keeping the descriptor).
  void Move(uint64_t from_head_pfn, uint64_t to_head_pfn);
  bool Find(uint64_t head_pfn, uint64_t* handle) const {
    auto it = map_.find(head_pfn);
    if (it == map_.end()) return false;
    *handle = it->second.handle;
    return true;
  }
  bool IsLive(uint64_t handle) const;
  uint64_t Addr(uint64_t handle) const { return slabs_.Addr(handle); }
  static uint32_t NodeOf(uint64_t handle) { return DescriptorSlabs::NodeOf(handle); }
  size_t mapped_heads() const { return map_.size(); }
  const DescriptorSlabs& slabs() const { return slabs_; }

 private:
  void SlabPageWords(uint32_t node, uint64_t slab_addr, AccessBuffer* out) const;

  const MemmapLayout* layout_;
  DescriptorSlabs slabs_;
  OverheadTracker* overhead_;
  std::array<int, 32> cache_;
  std::array<uint32_t, 32> bytes_{};
  // A head's descriptor, and the owner type it was allocated for (for the overhead by
  // owner type when it is freed).
  struct Mapping {
    uint64_t handle;
    trace::OwnerType owner;
  };
  struct Shared {
    uint32_t heads;
    trace::OwnerType owner;
  };
  absl::flat_hash_map<uint64_t, Mapping> map_;         // head pfn -> descriptor
  absl::flat_hash_map<uint64_t, Shared> shared_refs_;  // shareable handle -> heads
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_DESCRIPTOR_TABLE_H_
