#include "sim/memmap/overhead_tracker.h"

#include <algorithm>

namespace memsim::memmap {

OverheadTracker::OverheadTracker(std::vector<uint64_t> node_ram_bytes) {
  nodes_.resize(node_ram_bytes.size());
  for (size_t i = 0; i < node_ram_bytes.size(); ++i) {
    nodes_[i].f.ram_bytes = node_ram_bytes[i];
    machine_.f.ram_bytes += node_ram_bytes[i];
  }
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
