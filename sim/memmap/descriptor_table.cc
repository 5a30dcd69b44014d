#include "sim/memmap/descriptor_table.h"

#include <vector>

#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

std::vector<uint64_t> RegionBases(const MemmapLayout& layout) {
  std::vector<uint64_t> bases;
  for (uint32_t n = 0; n < layout.num_nodes(); ++n) {
    bases.push_back(layout.descriptor_region_base(n));
  }
  return bases;
}

}  // namespace

DescriptorTable::DescriptorTable(const MemmapLayout* word_layout, DescriptorSlabs::Options options,
                                 OverheadTracker* overhead)
    : layout_(word_layout), slabs_(RegionBases(*word_layout), options), overhead_(overhead) {
  cache_.fill(-1);
}

void DescriptorTable::SetBytes(trace::OwnerType owner, uint32_t bytes) {
  bytes_[owner] = bytes;
  cache_[owner] = bytes == 0 ? -1 : slabs_.CacheFor(bytes);
}

void DescriptorTable::SlabPageWords(uint32_t node, uint64_t slab_addr, AccessBuffer* out) const {
  const uint64_t pfn = slab_addr >> 12;
  const uint64_t pages = slabs_.slab_page_bytes() >> 12;
  out->PushLines(layout_->Addr(node, pfn), pages * layout_->bytes_per_page(), AccessKind::kWrite);
}

uint64_t DescriptorTable::Alloc(uint64_t head_pfn, trace::OwnerType owner, uint32_t node,
                                uint64_t time_ns, AccessBuffer* out, bool shareable) {
  const int cache = cache_[owner];
  MEMSIM_CHECK(cache >= 0, "descriptor allocation for an owner type without descriptor");
  const DescriptorSlabs::AllocInfo info = slabs_.Alloc(cache, node);
  if (out != nullptr) {
    if (info.new_slab) SlabPageWords(node, info.slab_addr, out);
    out->Push(info.addr, 8, AccessKind::kRead);
  }
  overhead_->Change(time_ns, node, slabs_.object_bytes(cache),
                    info.new_slab ? static_cast<int64_t>(slabs_.slab_page_bytes()) : 0, 0);
  overhead_->ChangeOwnerDescriptors(owner, 1, slabs_.object_bytes(cache));
  map_[head_pfn] = {info.handle, owner};
  if (shareable) shared_refs_[info.handle] = {1, owner};
  return info.handle;
}

void DescriptorTable::Share(uint64_t head_pfn, uint64_t handle) {
  Shared& shared = shared_refs_.at(handle);
  map_[head_pfn] = {handle, shared.owner};
  ++shared.heads;
}

bool DescriptorTable::IsLive(uint64_t handle) const { return shared_refs_.contains(handle); }

void DescriptorTable::Release(uint64_t head_pfn, uint64_t time_ns, AccessBuffer* out) {
  auto it = map_.find(head_pfn);
  if (it == map_.end()) return;
  const uint64_t handle = it->second.handle;
  const trace::OwnerType owner = it->second.owner;
  map_.erase(it);
  auto shared = shared_refs_.find(handle);
  if (shared != shared_refs_.end()) {
    if (--shared->second.heads > 0) return;
    shared_refs_.erase(shared);
  }
  const uint32_t object_bytes = slabs_.ObjectBytes(handle);
  const DescriptorSlabs::FreeInfo info = slabs_.Free(handle);
  if (out != nullptr) {
    out->Push(info.addr, 8, AccessKind::kWrite);
    if (info.slab_released) SlabPageWords(info.node, info.slab_addr, out);
  }
  overhead_->Change(time_ns, info.node, -static_cast<int64_t>(object_bytes),
                    info.slab_released ? -static_cast<int64_t>(slabs_.slab_page_bytes()) : 0, 0);
  overhead_->ChangeOwnerDescriptors(owner, -1, -static_cast<int64_t>(object_bytes));
}

void DescriptorTable::Move(uint64_t from_head_pfn, uint64_t to_head_pfn) {
  auto it = map_.find(from_head_pfn);
  if (it == map_.end()) return;
  const Mapping m = it->second;
  map_.erase(it);
  map_[to_head_pfn] = m;
}

}  // namespace memsim::memmap
