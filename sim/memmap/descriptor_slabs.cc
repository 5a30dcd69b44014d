#include "sim/memmap/descriptor_slabs.h"

#include <algorithm>
#include <functional>

#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

// kmalloc size classes of SLUB (KMALLOC_MIN_SIZE 8 and the 96/192 classes).
uint32_t KmallocClass(uint32_t bytes) {
  static constexpr uint32_t kClasses[] = {8,   16,  32,   64,   96,   128, 192,
                                          256, 512, 1024, 2048, 4096, 8192};
  for (uint32_t c : kClasses) {
    if (bytes <= c) return c;
  }
  return bytes;
}

constexpr int kSlotBits = 16;
constexpr int kSlabBits = 32;

}  // namespace

DescriptorSlabs::DescriptorSlabs(std::vector<uint64_t> region_base_addr, Options options)
    : options_(options), slab_page_bytes_(uint64_t{4096} << options.slab_page_order) {
  const uint64_t max_objects = slab_page_bytes_ / 8;
  bitmap_words_ = static_cast<uint32_t>((max_objects + 63) / 64);
  nodes_.resize(region_base_addr.size());
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i].base_addr = region_base_addr[i];
}

int DescriptorSlabs::CacheFor(uint32_t bytes) {
  MEMSIM_CHECK(bytes > 0 && bytes <= slab_page_bytes_, "descriptor size out of range");
  uint32_t size = (bytes + options_.align_bytes - 1) & ~(options_.align_bytes - 1);
  if (options_.kmalloc_size_classes) {
    size = std::max(KmallocClass(size), options_.align_bytes);
    for (size_t i = 0; i < caches_.size(); ++i) {
      if (caches_[i].object_bytes == size) return static_cast<int>(i);
    }
  }
  return AddCache(size);
}

int DescriptorSlabs::DedicatedCache(uint32_t bytes, uint32_t align_bytes) {
  MEMSIM_CHECK(bytes > 0 && bytes <= slab_page_bytes_, "descriptor size out of range");
  return AddCache((bytes + align_bytes - 1) & ~(align_bytes - 1));
}

int DescriptorSlabs::AddCache(uint32_t object_bytes) {
  caches_.push_back({object_bytes, static_cast<uint32_t>(slab_page_bytes_ / object_bytes)});
  for (NodeState& n : nodes_) n.partial.resize(caches_.size());
  return static_cast<int>(caches_.size() - 1);
}

uint32_t DescriptorSlabs::NewSlab(NodeState& n, int cache) {
  uint32_t idx;
  if (!n.released.empty()) {
    std::pop_heap(n.released.begin(), n.released.end(), std::greater<>());
    idx = n.released.back();
    n.released.pop_back();
  } else {
    idx = static_cast<uint32_t>(n.slabs.size());
    MEMSIM_CHECK(idx < (uint64_t{1} << kSlabBits) - 1, "descriptor slab index overflow");
    n.slabs.emplace_back();
    n.bitmap.resize(n.bitmap.size() + bitmap_words_, 0);
  }
  n.slabs[idx] = Slab{static_cast<int16_t>(cache), 0, false};
  ++n.live_slabs;
  return idx;
}

DescriptorSlabs::AllocInfo DescriptorSlabs::Alloc(int cache, uint32_t node) {
  NodeState& n = nodes_[node];
  const Cache& c = caches_[cache];
  std::vector<uint32_t>& partial = n.partial[cache];
  AllocInfo info;
  uint32_t idx = 0;
  bool found = false;
  while (!partial.empty()) {
    idx = partial.back();
    Slab& s = n.slabs[idx];
    if (s.cache == cache && s.on_partial && s.in_use < c.objects_per_slab) {
      found = true;
      break;
    }
    // Stale entry: the slab filled up, or was released (and maybe reused).
    if (s.cache == cache && s.in_use >= c.objects_per_slab) s.on_partial = false;
    partial.pop_back();
  }
  if (!found) {
    idx = NewSlab(n, cache);
    n.slabs[idx].on_partial = true;
    partial.push_back(idx);
    info.new_slab = true;
  }
  Slab& s = n.slabs[idx];
  uint64_t* bits = &n.bitmap[static_cast<size_t>(idx) * bitmap_words_];
  uint32_t slot = 0;
  for (uint32_t w = 0; w < bitmap_words_; ++w) {
    if (bits[w] != ~uint64_t{0}) {
      slot = w * 64 + static_cast<uint32_t>(__builtin_ctzll(~bits[w]));
      break;
    }
  }
  bits[slot / 64] |= uint64_t{1} << (slot % 64);
  ++s.in_use;
  info.handle = (uint64_t{node} << 48) | (uint64_t{idx} << kSlotBits) | slot;
  info.slab_addr = n.base_addr + idx * slab_page_bytes_;
  info.addr = info.slab_addr + uint64_t{slot} * c.object_bytes;
  return info;
}

DescriptorSlabs::FreeInfo DescriptorSlabs::Free(uint64_t handle) {
  const uint32_t node = NodeOf(handle);
  const uint32_t idx =
      static_cast<uint32_t>((handle >> kSlotBits) & ((uint64_t{1} << kSlabBits) - 1));
  const uint32_t slot = static_cast<uint32_t>(handle & ((1u << kSlotBits) - 1));
  NodeState& n = nodes_[node];
  Slab& s = n.slabs[idx];
  MEMSIM_CHECK(s.cache >= 0 && s.in_use > 0, "free of a descriptor in an unused slab");
  uint64_t& word = n.bitmap[static_cast<size_t>(idx) * bitmap_words_ + slot / 64];
  MEMSIM_CHECK(word & (uint64_t{1} << (slot % 64)), "double free of a descriptor");
  word &= ~(uint64_t{1} << (slot % 64));
  FreeInfo info;
  info.node = node;
  info.slab_addr = n.base_addr + idx * slab_page_bytes_;
  info.addr = info.slab_addr + uint64_t{slot} * caches_[s.cache].object_bytes;
  --s.in_use;
  if (s.in_use == 0) {
    s = Slab{};
    --n.live_slabs;
    n.released.push_back(idx);
    std::push_heap(n.released.begin(), n.released.end(), std::greater<>());
    info.slab_released = true;
  } else if (!s.on_partial) {
    s.on_partial = true;
    n.partial[s.cache].push_back(idx);
  }
  return info;
}

uint64_t DescriptorSlabs::Addr(uint64_t handle) const {
  const uint32_t node = NodeOf(handle);
  const uint32_t idx =
      static_cast<uint32_t>((handle >> kSlotBits) & ((uint64_t{1} << kSlabBits) - 1));
  const uint32_t slot = static_cast<uint32_t>(handle & ((1u << kSlotBits) - 1));
  const NodeState& n = nodes_[node];
  return n.base_addr + idx * slab_page_bytes_ +
         uint64_t{slot} * caches_[n.slabs[idx].cache].object_bytes;
}

uint32_t DescriptorSlabs::ObjectBytes(uint64_t handle) const {
  const uint32_t idx =
      static_cast<uint32_t>((handle >> kSlotBits) & ((uint64_t{1} << kSlabBits) - 1));
  return caches_[nodes_[NodeOf(handle)].slabs[idx].cache].object_bytes;
}

}  // namespace memsim::memmap
