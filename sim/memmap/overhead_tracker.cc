#include "sim/memmap/overhead_tracker.h"

#include <algorithm>

#include "sim/mm/mm_types.h"

namespace memsim::memmap {

OverheadTracker::OverheadTracker(std::vector<uint64_t> node_ram_bytes) {
  nodes_.resize(node_ram_bytes.size());
  placement_.resize(node_ram_bytes.size());
  for (size_t i = 0; i < placement_.size(); ++i) placement_[i].memmap_node = i;
  for (size_t i = 0; i < node_ram_bytes.size(); ++i) {
    nodes_[i].f.ram_bytes = node_ram_bytes[i];
    nodes_[i].f.pages = node_ram_bytes[i] >> mm::kPageShift;
    machine_.f.ram_bytes += node_ram_bytes[i];
    machine_.f.pages += nodes_[i].f.pages;
  }
}

namespace {

// v * num / den rounded down, in 128 bits (bytes times pages overflows 64 bits).
uint64_t Scale(uint64_t v, uint64_t num, uint64_t den) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(v) * num / den);
}

}  // namespace

OverheadTracker::Figures OverheadTracker::Described(const Figures& all, uint64_t described_pages) {
  Figures f = all;
  const uint64_t undescribed_static =
      all.pages == 0 ? 0 : all.static_bytes - Scale(all.static_bytes, described_pages, all.pages);
  f.pages = described_pages;
  f.ram_bytes = described_pages << mm::kPageShift;
  f.static_bytes -= undescribed_static;
  f.total_bytes -= undescribed_static;
  f.peak_total_bytes -= undescribed_static;
  f.mean_total_bytes -= static_cast<double>(undescribed_static);
  return f;
}

OverheadTracker::Figures OverheadTracker::Extrapolated(const Figures& all,
                                                       uint64_t undescribed_pages,
                                                       const Figures& mix) {
  if (mix.pages == 0) return all;
  const uint64_t u = undescribed_pages, d = mix.pages;
  Figures f = all;
  f.descriptor_live_bytes += Scale(mix.descriptor_live_bytes, u, d);
  f.slab_bytes += Scale(mix.slab_bytes, u, d);
  f.hvo_saved_bytes += Scale(mix.hvo_saved_bytes, u, d);
  f.total_bytes = f.static_bytes + f.slab_bytes - f.hvo_saved_bytes;
  f.peak_total_bytes += Scale(mix.peak_total_bytes - mix.static_bytes, u, d);
  f.mean_total_bytes += (mix.mean_total_bytes - static_cast<double>(mix.static_bytes)) *
                        static_cast<double>(u) / static_cast<double>(d);
  return f;
}

void OverheadTracker::SetStatic(uint32_t node, uint64_t bytes) {
  Account& n = nodes_[node];
  machine_.f.static_bytes += bytes - n.f.static_bytes;
  n.f.static_bytes = bytes;
  for (Account* a : {&n, &machine_}) {
    a->f.total_bytes = a->f.static_bytes + a->f.slab_bytes - a->f.hvo_saved_bytes;
    a->f.peak_total_bytes = std::max(a->f.peak_total_bytes, a->f.total_bytes);
  }
}

void OverheadTracker::SetMemmap(const MemmapLayout& layout) {
  for (uint32_t n = 0; n < nodes_.size(); ++n) {
    SetStatic(n, layout.static_bytes(n));
    placement_[n] = {layout.memmap_node(n), layout.waste_bytes(n), layout.PlacementText(n)};
  }
}

void OverheadTracker::Advance(Account& a, uint64_t time_ns) {
  if (!a.started) {
    a.started = true;
    a.first_ns = a.last_ns = time_ns;
    return;
  }
  if (time_ns > a.last_ns) {
    a.integral += static_cast<double>(a.f.total_bytes) * static_cast<double>(time_ns - a.last_ns);
    a.last_ns = time_ns;
  }
}

void OverheadTracker::Apply(Account& a, int64_t live, int64_t slab, int64_t hvo) {
  a.f.descriptor_live_bytes += live;
  a.f.slab_bytes += slab;
  a.f.hvo_saved_bytes += hvo;
  a.f.total_bytes = a.f.static_bytes + a.f.slab_bytes - a.f.hvo_saved_bytes;
  a.f.peak_total_bytes = std::max(a.f.peak_total_bytes, a.f.total_bytes);
}

void OverheadTracker::Change(uint64_t time_ns, uint32_t node, int64_t descriptor_live_delta,
                             int64_t slab_delta, int64_t hvo_saved_delta) {
  Account& n = nodes_[node];
  Advance(n, time_ns);
  Advance(machine_, time_ns);
  Apply(n, descriptor_live_delta, slab_delta, hvo_saved_delta);
  Apply(machine_, descriptor_live_delta, slab_delta, hvo_saved_delta);
}

void OverheadTracker::ChangeOwnerDescriptors(trace::OwnerType owner, int64_t count_delta,
                                             int64_t bytes_delta) {
  OwnerDescriptors& o = owners_[owner];
  o.count += count_delta;
  o.bytes += bytes_delta;
}

void OverheadTracker::Finish(uint64_t time_ns) {
  for (Account& n : nodes_) Advance(n, time_ns);
  Advance(machine_, time_ns);
}

OverheadTracker::Figures OverheadTracker::Snapshot(const Account& a) {
  Figures f = a.f;
  const uint64_t span = a.last_ns - a.first_ns;
  f.mean_total_bytes =
      span == 0 ? static_cast<double>(f.total_bytes) : a.integral / static_cast<double>(span);
  return f;
}

}  // namespace memsim::memmap
