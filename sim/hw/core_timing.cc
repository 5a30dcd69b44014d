#include "sim/hw/core_timing.h"

#include <algorithm>

namespace memsim::hw {

bool CoreTiming::Enabled(const config::Timing& t) {
  return t.outstanding_l1_misses() != 0 || t.outstanding_l2_misses() != 0 ||
         t.next_line_prefetcher() || t.l2_streamer() || t.streamer_distance_lines() != 0 ||
         t.core_dram_bandwidth_bytes_per_s() != 0 || t.cycles_per_scanned_pfn() != 0 ||
         t.cycles_per_operation() != 0;
}

CoreTiming::CoreTiming(const config::Timing& t, int cores, uint32_t line_bytes)
    : l1_slots_(std::max<uint32_t>(1, t.outstanding_l1_misses())),
      l2_slots_(t.outstanding_l2_misses() != 0 ? t.outstanding_l2_misses() : l1_slots_),
      next_line_(t.next_line_prefetcher()),
      streamer_(t.l2_streamer()),
      distance_(t.streamer_distance_lines() != 0 ? static_cast<int32_t>(t.streamer_distance_lines())
                                                 : 16),
      core_bw_(t.core_dram_bandwidth_bytes_per_s()),
      page_lines_shift_(12 - __builtin_ctz(line_bytes)),
      cores_(cores),
      l1_free_(static_cast<size_t>(cores) * l1_slots_, 0.0),
      l2_free_(static_cast<size_t>(cores) * l2_slots_, 0.0) {}

double* CoreTiming::Earliest(double* slots, uint32_t n) {
  double* best = slots;
  for (uint32_t i = 1; i < n; ++i) {
    if (slots[i] < *best) best = slots + i;
  }
  return best;
}

double CoreTiming::Schedule(int core, double ready_ns, double latency_ns, Level level,
                            double dram_gap_ns, bool l2_only) {
  if (level == Level::kL1) return ready_ns + latency_ns;  // no slot: an L1 hit
  double start = ready_ns;
  double* fb = nullptr;
  double* sq = nullptr;
  if (!l2_only) {
    fb = Earliest(&l1_free_[static_cast<size_t>(core) * l1_slots_], l1_slots_);
    start = std::max(start, *fb);
  }
  if (level == Level::kBeyondL2) {
    sq = Earliest(&l2_free_[static_cast<size_t>(core) * l2_slots_], l2_slots_);
    start = std::max(start, *sq);
  }
  PerCore& c = cores_[core];
  if (dram_gap_ns > 0) {
    start = std::max(start, c.dram_next_ns);
    c.dram_next_ns = start + dram_gap_ns;
  }
  const double done = start + latency_ns;
  if (fb != nullptr) *fb = done;
  if (sq != nullptr) *sq = done;
  return done;
}

void CoreTiming::RecordPrefetch(int core, uint64_t line, double ready_ns) {
  cores_[core].in_flight[line & (kInFlightRing - 1)] = Prefetched{line, ready_ns};
}

bool CoreTiming::TakePrefetch(int core, uint64_t line, double* ready_ns) {
  Prefetched& p = cores_[core].in_flight[line & (kInFlightRing - 1)];
  if (p.line != line) return false;
  *ready_ns = p.ready_ns;
  p.line = ~uint64_t{0};
  return true;
}

int CoreTiming::StreamerLookup(int core, uint64_t line, uint64_t out[2], int* dir) {
  const uint64_t page = line >> page_lines_shift_;
  const int32_t lines = 1 << page_lines_shift_;
  const int32_t off = static_cast<int32_t>(line & (lines - 1));
  Stream& s = cores_[core].streams[page & (kStreams - 1)];
  if (s.page != page) {
    s = Stream{page, off, 0, 0};
    return 0;
  }
  const int32_t d = off - s.last;
  if (d == 0) return 0;
  s.last = off;
  if (d != 1 && d != -1) {
    s.dir = 0;
    return 0;
  }
  if (s.dir != d) {
    s.dir = d;
    s.next = off + d;
  }
  // The demand overtook the prefetches: restart right after it.
  if ((s.next - off) * d <= 0) s.next = off + d;
  int n = 0;
  while (n < 2 && s.next >= 0 && s.next < lines && (s.next - off) * d <= distance_) {
    out[n++] = (page << page_lines_shift_) | static_cast<uint64_t>(s.next);
    s.next += d;
  }
  *dir = d;
  return n;
}

uint64_t CoreTiming::NextLineLookup(int core, uint64_t line) {
  PerCore& c = cores_[core];
  const bool ascending = c.last_demand + 1 == line;
  c.last_demand = line;
  if (!ascending) return kNone;
  const uint64_t next = line + 1;
  if ((next >> page_lines_shift_) != (line >> page_lines_shift_)) return kNone;
  return next;
}

}  // namespace memsim::hw
