#include "sim/hw/core_timing.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace memsim::hw {

bool CoreTiming::Enabled(const config::Timing& t) {
  return t.outstanding_l1_misses() != 0 || t.outstanding_l2_misses() != 0 ||
         t.next_line_prefetcher() || t.l2_streamer() || t.streamer_distance_lines() != 0 ||
         t.core_dram_bandwidth_bytes_per_s() != 0 || t.cycles_per_scanned_pfn() != 0 ||
         t.cycles_per_operation() != 0 || t.streamer_queue_entries() != 0 ||
         t.cycles_per_migrated_page() != 0 || t.cycles_per_access() != 0;
}

CoreTiming::CoreTiming(const config::Timing& t, int cores, uint32_t line_bytes, double clock_ghz)
    : l1_slots_(std::max<uint32_t>(1, t.outstanding_l1_misses())),
      l2_slots_(t.outstanding_l2_misses() != 0 ? t.outstanding_l2_misses() : l1_slots_),
      stream_slots_(t.streamer_queue_entries()),
      next_line_(t.next_line_prefetcher()),
      streamer_(t.l2_streamer()),
      distance_(t.streamer_distance_lines() != 0 ? static_cast<int32_t>(t.streamer_distance_lines())
                                                 : 16),
      core_bw_(t.core_dram_bandwidth_bytes_per_s()),
      issue_ns_(clock_ghz > 0 ? t.cycles_per_access() / clock_ghz : 0),
      page_lines_shift_(12 - __builtin_ctz(line_bytes)),
      cores_(cores),
      l1_free_(static_cast<size_t>(cores) * l1_slots_, 0.0),
      l2_free_(static_cast<size_t>(cores) * l2_slots_, 0.0),
      stream_free_(static_cast<size_t>(cores) * stream_slots_, 0.0) {}

double* CoreTiming::Earliest(double* slots, uint32_t n) {
#if defined(__SSE2__)
  // The minimum two lanes at a time, then the first slot holding it: the same slot as a
  // scan for the first strict minimum, in fewer instructions (the times are never NaN).
  __m128d m = _mm_set1_pd(slots[0]);
  uint32_t i = 0;
  for (; i + 2 <= n; i += 2) m = _mm_min_pd(m, _mm_loadu_pd(slots + i));
  m = _mm_min_sd(m, _mm_unpackhi_pd(m, m));
  if (i < n) m = _mm_min_sd(m, _mm_load_sd(slots + i));
  const double best = _mm_cvtsd_f64(m);
  double* p = slots;
  while (*p != best) ++p;
  return p;
#else
  double* best = slots;
  for (uint32_t i = 1; i < n; ++i) {
    if (slots[i] < *best) best = slots + i;
  }
  return best;
#endif
}

double CoreTiming::DramStart(int core, double start_ns, const DramPath& dram) {
  PerCore& c = cores_[core];
  if (dram.core_gap_ns > 0) start_ns = std::max(start_ns, c.dram_next_ns);
  // Booked one account after another: a later one may delay the start past the slot an
  // earlier one booked, which then counts the line a little early (the bins are 16 lines).
  for (BandwidthAccount* a : dram.shared) {
    if (a != nullptr) start_ns = a->Reserve(start_ns);
  }
  if (dram.core_gap_ns > 0) c.dram_next_ns = start_ns + dram.core_gap_ns;
  return start_ns;
}

double CoreTiming::ScheduleMiss(int core, double ready_ns, double latency_ns, Level level,
                                const DramPath* dram, bool l2_only) {
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
  if (dram != nullptr) start = DramStart(core, start, *dram);
  const double done = start + latency_ns;
  if (fb != nullptr) *fb = done;
  if (sq != nullptr) *sq = done;
  return done;
}

double CoreTiming::ScheduleStreamerPrefetch(int core, double ready_ns, double latency_ns,
                                            const DramPath* dram) {
  if (stream_slots_ == 0) {
    return Schedule(core, ready_ns, latency_ns, Level::kBeyondL2, dram, /*l2_only=*/true);
  }
  // A FIFO queue: entries are taken in turn (the oldest prefetch is the first to leave, as
  // long as they all come from one level), which costs no search over hundreds of entries.
  PerCore& c = cores_[core];
  double* q = &stream_free_[static_cast<size_t>(core) * stream_slots_ + c.stream_next];
  if (++c.stream_next == stream_slots_) c.stream_next = 0;
  double start = std::max(ready_ns, *q);
  if (dram != nullptr) start = DramStart(core, start, *dram);
  *q = start + latency_ns;
  return *q;
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

}  // namespace memsim::hw
