#include "sim/mm/per_cpu_pages.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace memsim::mm {
namespace {

// int_sqrt(): floor of the square root.
uint64_t IntSqrt(uint64_t x) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

}  // namespace

uint32_t PerCpuPages::ZoneBatchSize(uint64_t zone_pages) {
  uint64_t batch = std::min<uint64_t>(zone_pages >> 10, (uint64_t{1} << 20) / kPageBytes);
  batch /= 4;
  if (batch < 1) batch = 1;
  return static_cast<uint32_t>(std::bit_floor(batch + batch / 2) - 1);
}

uint64_t PerCpuPages::LowWatermarkPages(uint64_t zone_pages, uint64_t lowmem_pages) {
  if (lowmem_pages == 0) return 0;
  const uint64_t lowmem_kbytes = lowmem_pages * (kPageBytes >> 10);
  const uint64_t min_free_kbytes = std::clamp<uint64_t>(IntSqrt(lowmem_kbytes * 16), 128, 262144);
  const uint64_t pages_min = min_free_kbytes >> (kPageShift - 10);
  const uint64_t min = pages_min * zone_pages / lowmem_pages;
  const uint64_t gap = std::max<uint64_t>(min >> 2, zone_pages * 10 / 10000);
  return min + gap;
}

uint32_t PerCpuPages::ZoneHighSize(uint64_t zone_pages, uint64_t lowmem_pages, uint32_t node_cpus,
                                   uint32_t batch) {
  const uint64_t split = std::max<uint32_t>(node_cpus, 1);
  const uint64_t high = LowWatermarkPages(zone_pages, lowmem_pages) / split;
  return static_cast<uint32_t>(std::max<uint64_t>(high, uint64_t{batch} << 2));
}

PerCpuPages::PerCpuPages(const PhysMem& mem, uint32_t num_cpus,
                         const std::vector<uint32_t>& node_cpus, Options options)
    : options_(options), num_cpus_(num_cpus), zones_(static_cast<uint32_t>(mem.zones().size())) {
  uint64_t lowmem = 0;
  for (const auto& z : mem.zones()) lowmem += z.end_pfn - z.start_pfn;
  for (const auto& z : mem.zones()) {
    const uint64_t pages = z.end_pfn - z.start_pfn;
    Limits l;
    l.batch = ZoneBatchSize(pages);
    // A node without CPUs splits its high value over all online CPUs.
    const uint32_t cpus =
        z.node < node_cpus.size() && node_cpus[z.node] > 0 ? node_cpus[z.node] : num_cpus;
    l.high = ZoneHighSize(pages, lowmem, cpus, l.batch);
    if (options_.batch > 0) l.batch = options_.batch;
    if (options_.high > 0) l.high = options_.high;
    limits_.push_back(l);
  }
  pcps_.resize(size_t{num_cpus_} * zones_);
  lists_.resize(pcps_.size() * kLists);
}

PcpListOp PerCpuPages::Link(uint32_t id, uint64_t pfn, uint32_t order, bool at_tail) {
  List& l = lists_[id];
  Entry e;
  e.list = id;
  e.order = order;
  if (at_tail) {  // list_add_tail: between the last entry and the head
    e.prev = l.last;
    e.next = kPcpHead;
  } else {  // list_add: between the head and the first entry
    e.prev = kPcpHead;
    e.next = l.first;
  }
  if (e.prev == kPcpHead) {
    l.first = pfn;
  } else {
    entries_[e.prev].next = pfn;
  }
  if (e.next == kPcpHead) {
    l.last = pfn;
  } else {
    entries_[e.next].prev = pfn;
  }
  entries_[pfn] = e;
  return {PcpListOp::kAdd, pfn, e.prev, e.next};
}

PcpListOp PerCpuPages::Unlink(uint64_t pfn) {
  auto it = entries_.find(pfn);
  const Entry e = it->second;
  entries_.erase(it);
  List& l = lists_[e.list];
  if (e.prev == kPcpHead) {
    l.first = e.next;
  } else {
    entries_[e.prev].next = e.next;
  }
  if (e.next == kPcpHead) {
    l.last = e.prev;
  } else {
    entries_[e.next].prev = e.prev;
  }
  Pcp& p = pcps_[e.list / kLists];
  p.count -= std::min<uint32_t>(p.count, 1u << e.order);
  return {PcpListOp::kDel, pfn, e.prev, e.next};
}

uint32_t PerCpuPages::NrPcpFree(Pcp& p, uint32_t high, uint32_t batch, bool free_high) {
  if (free_high) return p.count;
  if (high < batch) return 1;
  const uint32_t min_nr_free = batch;
  const uint32_t max_nr_free = high - batch;
  uint64_t b = uint64_t{batch} << std::min<uint32_t>(p.free_factor, 31);
  if (b < max_nr_free) ++p.free_factor;
  b = std::clamp<uint64_t>(b, min_nr_free, std::max(min_nr_free, max_nr_free));
  return static_cast<uint32_t>(b);
}

void PerCpuPages::Drain(PhysMem& mem, uint32_t cpu, uint32_t zone, uint32_t pindex, uint32_t count,
                        PcpOps* ops) {
  Pcp& p = pcps_[cpu * zones_ + zone];
  int64_t left = std::min(p.count, count);
  if (left <= 0) return;
  ++stats_.drains;
  ops->zone_lock = true;
  uint32_t idx = pindex;
  // Round robin from the list just freed to, each list emptied before the next.
  for (uint32_t tried = 0; left > 0 && tried < kLists; ++tried, idx = (idx + 1) % kLists) {
    const uint32_t id = ListId(cpu, zone, idx);
    while (left > 0 && lists_[id].last != kPcpHead) {
      const uint64_t pfn = lists_[id].last;  // list_last_entry: the oldest
      const uint32_t order = entries_[pfn].order;
      const PcpListOp del = Unlink(pfn);
      left -= int64_t{1} << order;
      const BlockInfo b = mem.Lookup(pfn);
      if (!IsPcpBlock(b) || b.head_pfn != pfn || b.order != order) {
        ++stats_.stale_entries;
        continue;
      }
      mem.DrainPcpBlock(pfn, order, &scratch_free_);
      DrainedBlock d;
      d.block = {pfn, order};
      d.node = scratch_free_.node;
      d.del = del;
      d.checks_begin = static_cast<uint32_t>(ops->drain_checks.size());
      ops->drain_checks.insert(ops->drain_checks.end(), scratch_free_.checks.begin(),
                               scratch_free_.checks.end());
      d.checks_end = static_cast<uint32_t>(ops->drain_checks.size());
      if (!scratch_free_.final_blocks.empty()) d.final_block = scratch_free_.final_blocks.front();
      ops->drained.push_back(d);
      ++stats_.drained_blocks;
    }
  }
}

void PerCpuPages::DrainRange(PhysMem& mem, uint64_t start, uint64_t end) {
  if (entries_.empty() && mem.allocated_pages(trace::OWNER_FREE) == 0) return;
  scratch_blocks_.clear();
  mem.VisitRuns(start, end, [&](const PhysMem::Run& r) {
    if (r.state != PageState::kAllocated || r.owner != trace::OWNER_FREE) return;
    const uint64_t m = uint64_t{1} << r.order;
    for (uint64_t head = r.start_pfn & ~(m - 1); head < r.end_pfn; head += m) {
      scratch_blocks_.push_back({head, r.order});
    }
  });
  for (const BuddyBlock& b : scratch_blocks_) {
    if (entries_.contains(b.pfn)) Unlink(b.pfn);
    mem.DrainPcpBlock(b.pfn, b.order, &scratch_free_);
    ++stats_.implicit_drained;
  }
}

void PerCpuPages::Alloc(PhysMem& mem, uint32_t cpu, uint64_t pfn, uint32_t order, OwnerType owner,
                        AllocResult* out) {
  const uint64_t n = uint64_t{1} << std::min<uint32_t>(order, kMaxBlockOrder);
  const BlockInfo b = mem.Lookup(pfn);
  if (!AllowedOrder(order) || b.state == PageState::kHole || (pfn & (n - 1)) != 0) {
    DrainRange(mem, pfn, pfn + n);
    mem.Alloc(pfn, order, owner, out);
    return;
  }
  const uint32_t zone = b.zone;
  const uint32_t pindex = PindexOf(order);
  const uint32_t id = ListId(cpu, zone, pindex);
  Pcp& p = pcps_[cpu * zones_ + zone];
  p.free_factor >>= 1;  // rmqueue_pcplist
  auto it = entries_.find(pfn);
  const bool hit = it != entries_.end() && it->second.list == id && it->second.order == order &&
                   IsPcpBlock(b) && b.head_pfn == pfn && b.order == order;
  if (hit) {
    const PcpListOp del = Unlink(pfn);
    mem.TakeFromPcp(pfn, order, owner, out);
    out->pcp.ops.push_back(del);
    ++stats_.alloc_hits;
  } else {
    DrainRange(mem, pfn, pfn + n);
    mem.Alloc(pfn, order, owner, out);
    if (!out->applied) return;
    uint32_t& credit = p.credit[pindex];
    if (credit == 0) {
      // rmqueue_bulk: zone->lock once for max(batch >> order, 2) blocks (__rmqueue_pcplist).
      const uint32_t batch = limits_[zone].batch;
      const uint32_t bulk = batch > 1 ? std::max<uint32_t>(batch >> order, 2) : 1;
      credit = bulk - 1;
      out->pcp.zone_lock = true;
      ++stats_.refill_batches;
    } else {
      --credit;
    }
    out->pcp.ops.push_back(Link(id, pfn, order, /*at_tail=*/true));
    p.count += static_cast<uint32_t>(n);
    out->pcp.ops.push_back(Unlink(pfn));
    ++stats_.alloc_refills;
  }
  out->pcp.used = true;
  out->pcp.cpu = cpu;
  out->pcp.zone = zone;
  out->pcp.pindex = pindex;
}

void PerCpuPages::Free(PhysMem& mem, uint32_t cpu, uint64_t pfn, uint32_t order, FreeResult* out) {
  const uint64_t n = uint64_t{1} << std::min<uint32_t>(order, kMaxBlockOrder);
  const BlockInfo b = mem.Lookup(pfn);
  // A free over pcp blocks: they were drained (or this is a double free); either way the
  // buddy holds them now, so PhysMem counts what it counted before the lists existed.
  DrainRange(mem, pfn, pfn + n);
  if (!AllowedOrder(order) || b.state == PageState::kHole || (pfn & (n - 1)) != 0) {
    mem.Free(pfn, order, out);
    return;
  }
  mem.FreeToPcp(pfn, order, out);
  if (!out->applied) return;
  const uint32_t zone = b.zone;
  const uint32_t pindex = PindexOf(order);
  Pcp& p = pcps_[cpu * zones_ + zone];
  out->pcp.used = true;
  out->pcp.cpu = cpu;
  out->pcp.zone = zone;
  out->pcp.pindex = pindex;
  out->pcp.ops.push_back(Link(ListId(cpu, zone, pindex), pfn, order, /*at_tail=*/false));
  p.count += static_cast<uint32_t>(n);
  ++stats_.frees;
  // free_unref_page_commit: nr_pcp_high, then free_pcppages_bulk(nr_pcp_free(...)).
  const bool free_high = p.free_factor > 0 && order > 0 && order <= kCostlyOrder;
  const Limits& l = limits_[zone];
  const uint32_t high = free_high ? 0 : l.high;
  if (p.count >= high) {
    Drain(mem, cpu, zone, pindex, NrPcpFree(p, high, l.batch, free_high), &out->pcp);
  }
}

std::vector<uint64_t> PerCpuPages::ListOf(uint32_t cpu, uint32_t zone, uint32_t pindex) const {
  std::vector<uint64_t> pfns;
  for (uint64_t p = lists_[ListId(cpu, zone, pindex)].first; p != kPcpHead;
       p = entries_.at(p).next) {
    pfns.push_back(p);
  }
  return pfns;
}

std::vector<std::pair<std::string, uint64_t>> PerCpuPages::CounterList() const {
  const Stats& s = stats_;
  return {{"pcp_alloc_hits", s.alloc_hits},
          {"pcp_alloc_refills", s.alloc_refills},
          {"pcp_refill_batches", s.refill_batches},
          {"pcp_frees", s.frees},
          {"pcp_drains", s.drains},
          {"pcp_drained_blocks", s.drained_blocks},
          {"pcp_implicit_drained_blocks", s.implicit_drained},
          {"pcp_stale_entries", s.stale_entries}};
}

}  // namespace memsim::mm
