#include "sim/workload/phys_allocator.h"

#include <algorithm>

#include "sim/util/status_macros.h"

namespace memsim::workload {

namespace {

// include/uapi/linux/kernel-page-flags.h
constexpr uint64_t kKpfUptodate = 1ull << 3;
constexpr uint64_t kKpfLru = 1ull << 5;
constexpr uint64_t kKpfSlab = 1ull << 7;
constexpr uint64_t kKpfBuddy = 1ull << 10;
constexpr uint64_t kKpfMmap = 1ull << 11;
constexpr uint64_t kKpfAnon = 1ull << 12;
constexpr uint64_t kKpfSwapbacked = 1ull << 14;
constexpr uint64_t kKpfCompoundHead = 1ull << 15;
constexpr uint64_t kKpfThp = 1ull << 22;

}  // namespace

uint64_t KpageflagsFor(OwnerType owner, uint32_t order) {
  uint64_t flags = 0;
  switch (owner) {
    case trace::OWNER_FREE:
      return kKpfBuddy;  // buddy pages are never compound
    case trace::OWNER_ANON:
      flags = kKpfMmap | kKpfAnon | kKpfSwapbacked | kKpfLru | kKpfUptodate;
      if (order == kPageblockOrder) flags |= kKpfThp;
      break;
    case trace::OWNER_FILE:
      flags = kKpfLru | kKpfUptodate;
      break;
    case trace::OWNER_SLAB:
      flags = kKpfSlab;
      break;
    default:
      break;
  }
  if (order > 0) flags |= kKpfCompoundHead;
  return flags;
}

PhysAllocator::PhysAllocator(const MachineDesc& machine)
    : machine_(machine), nodes_(machine.nodes.size()) {
  const uint64_t max_block = uint64_t{1} << kMaxOrder;
  for (size_t i = 0; i < machine.nodes.size(); ++i) {
    Node& n = nodes_[i];
    n.start = machine.nodes[i].start_pfn;
    n.end = machine.nodes[i].end_pfn;
    MEMSIM_CHECK(n.start % max_block == 0 && n.end % max_block == 0 && n.end > n.start,
                 "node ranges must be non-empty and aligned to the largest buddy block");
    for (uint64_t pfn = n.start; pfn < n.end; pfn += max_block) InsertFree(n, pfn, kMaxOrder);
  }
}

PhysAllocator::Node& PhysAllocator::NodeOf(uint64_t pfn) {
  uint32_t idx = machine_.NodeOfPfn(pfn);
  MEMSIM_CHECK(idx < nodes_.size(), "pfn outside every node");
  return nodes_[idx];
}

void PhysAllocator::InsertFree(Node& node, uint64_t pfn, uint32_t order) {
  node.free[order].insert(pfn);
  node.nonempty_orders |= 1u << order;
  node.free_pages += uint64_t{1} << order;
}

void PhysAllocator::EraseFree(Node& node, uint64_t pfn, uint32_t order) {
  node.free[order].erase(pfn);
  if (node.free[order].empty()) node.nonempty_orders &= ~(1u << order);
  node.free_pages -= uint64_t{1} << order;
}

uint64_t PhysAllocator::Allocate(uint32_t node_index, uint32_t order, Placement placement,
                                 const BlockInfo& info) {
  MEMSIM_CHECK(order <= kMaxOrder, "allocation order above kMaxOrder");
  Node& node = nodes_[node_index];
  uint32_t candidates = node.nonempty_orders >> order;
  if (candidates == 0) return kNoPfn;
  uint32_t k = order + static_cast<uint32_t>(__builtin_ctz(candidates));
  uint64_t pfn;
  if (placement == Placement::kLowest) {
    pfn = *node.free[k].begin();
  } else {
    // The highest-addressed block that fits, whatever its order: unmovable allocations keep
    // to the top of the node instead of filling holes among movable pages.
    pfn = *node.free[k].rbegin();
    for (uint32_t j = k + 1; j <= kMaxOrder; ++j) {
      if (!node.free[j].empty() && *node.free[j].rbegin() > pfn) {
        pfn = *node.free[j].rbegin();
        k = j;
      }
    }
  }
  EraseFree(node, pfn, k);
  // expand(): give back the halves we do not keep, largest first.
  while (k > order) {
    --k;
    uint64_t half = uint64_t{1} << k;
    if (placement == Placement::kLowest) {
      InsertFree(node, pfn + half, k);
    } else {
      InsertFree(node, pfn, k);
      pfn += half;
    }
  }
  live_.emplace(pfn, LiveBlock{order, info});
  return pfn;
}

bool PhysAllocator::AllocateAt(uint64_t pfn, uint32_t order, const BlockInfo& info) {
  MEMSIM_CHECK((pfn & ((uint64_t{1} << order) - 1)) == 0, "AllocateAt: misaligned pfn");
  Node& node = NodeOf(pfn);
  for (uint32_t k = order; k <= kMaxOrder; ++k) {
    uint64_t head = pfn & ~((uint64_t{1} << k) - 1);
    if (head < node.start) break;
    if (!node.free[k].contains(head)) continue;
    EraseFree(node, head, k);
    // Split the block, keeping the half that holds `pfn` each time.
    while (k > order) {
      --k;
      uint64_t half = uint64_t{1} << k;
      if (pfn >= head + half) {
        InsertFree(node, head, k);
        head += half;
      } else {
        InsertFree(node, head + half, k);
      }
    }
    live_.emplace(pfn, LiveBlock{order, info});
    return true;
  }
  return false;
}

void PhysAllocator::Free(uint64_t pfn, uint32_t order) {
  auto it = live_.find(pfn);
  MEMSIM_CHECK(it != live_.end(), "free of a pfn that is not the head of a live block");
  MEMSIM_CHECK(it->second.order == order, "free with an order different from the allocation");
  live_.erase(it);
  Node& node = NodeOf(pfn);
  while (order < kMaxOrder) {
    uint64_t buddy = pfn ^ (uint64_t{1} << order);
    if (buddy < node.start || buddy >= node.end || !node.free[order].contains(buddy)) break;
    EraseFree(node, buddy, order);
    pfn = std::min(pfn, buddy);
    ++order;
  }
  InsertFree(node, pfn, order);
}

const LiveBlock* PhysAllocator::FindLive(uint64_t pfn) const {
  auto it = live_.find(pfn);
  return it == live_.end() ? nullptr : &it->second;
}

bool PhysAllocator::HasFreeBlock(uint32_t node, uint32_t order) const {
  return (nodes_[node].nonempty_orders >> order) != 0;
}

void PhysAllocator::FreeBlocksIn(uint64_t lo, uint64_t hi,
                                 std::vector<std::pair<uint64_t, uint32_t>>* out) const {
  out->clear();
  uint32_t idx = machine_.NodeOfPfn(lo);
  if (idx >= nodes_.size()) return;
  const Node& node = nodes_[idx];
  for (uint32_t k = 0; k <= kMaxOrder; ++k) {
    for (auto it = node.free[k].lower_bound(lo); it != node.free[k].end() && *it < hi; ++it) {
      out->emplace_back(*it, k);
    }
  }
  std::sort(out->begin(), out->end());
}

std::vector<SnapshotRun> PhysAllocator::SnapshotRuns() const {
  std::vector<SnapshotRun> runs;
  auto add = [&runs](uint64_t pfn, uint32_t order, OwnerType owner) {
    uint64_t flags = KpageflagsFor(owner, order);
    uint64_t pages = uint64_t{1} << order;
    if (!runs.empty()) {
      SnapshotRun& last = runs.back();
      if (last.start_pfn + last.count == pfn && last.owner == owner && last.order == order &&
          last.flags == flags) {
        last.count += pages;
        return;
      }
    }
    runs.push_back(SnapshotRun{pfn, pages, owner, order, flags});
  };
  std::vector<std::pair<uint64_t, uint32_t>> free_blocks;
  for (const Node& node : nodes_) {
    FreeBlocksIn(node.start, node.end, &free_blocks);
    auto live_it = live_.lower_bound(node.start);
    size_t f = 0;
    uint64_t pfn = node.start;
    while (pfn < node.end) {
      if (f < free_blocks.size() && free_blocks[f].first == pfn) {
        add(pfn, free_blocks[f].second, trace::OWNER_FREE);
        pfn += uint64_t{1} << free_blocks[f].second;
        ++f;
      } else {
        MEMSIM_CHECK(live_it != live_.end() && live_it->first == pfn,
                     "allocator state has a hole: pfn neither free nor live");
        add(pfn, live_it->second.order, live_it->second.info.owner);
        pfn += uint64_t{1} << live_it->second.order;
        ++live_it;
      }
    }
  }
  return runs;
}

}  // namespace memsim::workload
