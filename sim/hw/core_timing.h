// CoreTiming: the bookkeeping of the timing model (config::Timing; docs/machine-model.md,
// "Timing") for every core: when each outstanding-miss slot (L1 fill buffers, L2
// superqueue) is next free, when the core's DRAM bandwidth next allows a line, the
// per-core clock those times are measured on, the prefetches still in flight, and the
// hardware prefetchers' stream tables. It never touches a cache: MemorySystem asks it when
// a line request may start and which lines to prefetch, and performs the fills itself.
// Plain arithmetic on small per-core arrays; nothing allocates after construction.
#ifndef MEMSIM_SIM_HW_CORE_TIMING_H_
#define MEMSIM_SIM_HW_CORE_TIMING_H_

#include <cstdint>
#include <vector>

#include "proto/machine.pb.h"
#include "sim/hw/bandwidth_account.h"
#include "sim/hw/latency_source.h"

namespace memsim::hw {

class CoreTiming {
 public:
  // Where a line request was served: which slots it holds while in flight.
  enum class Level { kL1, kL2, kBeyondL2 };

  // Whether `t` asks for anything beyond the serial model (some field non-zero).
  static bool Enabled(const config::Timing& t);

  // REQUIRES: cores >= 1; line_bytes a power of two <= 4096; `t` validated; clock_ghz > 0
  // when t.cycles_per_access() is set (it converts the issue cost to ns).
  CoreTiming(const config::Timing& t, int cores, uint32_t line_bytes, double clock_ghz = 0);

  // 0 or 1 outstanding L1 misses: every access waits for the one before it.
  bool serial() const { return l1_slots_ <= 1; }
  bool next_line_prefetcher() const { return next_line_; }
  bool l2_streamer() const { return streamer_; }
  double core_bandwidth_bytes_per_s() const { return core_bw_; }
  // The issue cost of one access, ns (Timing.cycles_per_access / clock): the earliest an
  // access issues after the one before it in its operation issued. 0: no limit.
  double issue_ns() const { return issue_ns_; }

  // The core's clock, in ns: when its last operation (and any time added by Advance)
  // ended. Operations start there.
  double now(int core) const { return cores_[core].clock_ns; }
  void Advance(int core, double ns) { cores_[core].clock_ns += ns; }
  void SetNow(int core, double ns) { cores_[core].clock_ns = ns; }

  // What bounds the bandwidth of one DRAM line: the core's own spacing (0: none) and the
  // shared accounts on its way (the node's DRAM, the links of a cross-socket route; null
  // where absent). Owned by MemorySystem.
  struct DramPath {
    static constexpr int kMaxShared = 4;
    double core_gap_ns = 0;
    BandwidthAccount* shared[kMaxShared] = {};
  };

  // A request ready at `ready_ns` that takes `latency_ns` once started: it starts when a
  // slot of each kind it needs is free (kL2: a fill buffer; kBeyondL2: a fill buffer, unless
  // `l2_only` (an L2 prefetch), and a superqueue entry) and, if `dram` is not null (a line
  // from DRAM), no sooner than dram->core_gap_ns after the core's previous DRAM line started
  // and when every shared account on its path has room (booking it there). Holds the slots
  // until it completes; returns the completion time.
  double Schedule(int core, double ready_ns, double latency_ns, Level level, const DramPath* dram,
                  bool l2_only = false) {
    if (level == Level::kL1) return ready_ns + latency_ns;  // no slot: an L1 hit
    return ScheduleMiss(core, ready_ns, latency_ns, level, dram, l2_only);
  }
  // An L2 streamer prefetch served beyond the L2, as Schedule(kBeyondL2, l2_only) but
  // holding an entry of the streamer's own queue instead of a superqueue entry when the
  // machine has one (Timing.streamer_queue_entries); the core's and the shared DRAM
  // bandwidth still space it among the demand lines. Returns the completion time.
  double ScheduleStreamerPrefetch(int core, double ready_ns, double latency_ns,
                                  const DramPath* dram);

  // A prefetch of `line` whose data arrives at `ready_ns`, served by `source`.
  void RecordPrefetch(int core, uint64_t line, double ready_ns,
                      LatencySource source = LatencySource::kL1) {
    cores_[core].in_flight[line & (kInFlightRing - 1)] = Prefetched{line, ready_ns, source};
  }
  // If `line` was prefetched and not yet demanded, forgets it and stores when its data
  // arrives(d) in `ready_ns` (and its source in `*source` if not null). A line prefetched
  // long ago may have been forgotten (one entry per line & 63): then false.
  bool TakePrefetch(int core, uint64_t line, double* ready_ns, LatencySource* source = nullptr) {
    Prefetched& p = cores_[core].in_flight[line & (kInFlightRing - 1)];
    if (p.line != line) return false;
    *ready_ns = p.ready_ns;
    if (source != nullptr) *source = p.source;
    p.line = ~uint64_t{0};
    return true;
  }

  // The L2 streamer sees an L2 lookup of `line` (a demand L1 miss or an L1 prefetch);
  // stores the lines to prefetch (at most 2, within the line's 4 KiB page) in `out` and
  // returns how many; `*dir` is the stream's direction (+1 or -1) when some are.
  int StreamerLookup(int core, uint64_t line, uint64_t out[2], int* dir);
  // The next-line prefetcher sees a demand load of `line`; returns the line to prefetch
  // into the L1d (ascending access: the previous demand line was line - 1; same 4 KiB
  // page) or kNone.
  static constexpr uint64_t kNone = ~uint64_t{0};
  uint64_t NextLineLookup(int core, uint64_t line) {
    PerCore& c = cores_[core];
    const bool ascending = c.last_demand + 1 == line;
    c.last_demand = line;
    if (!ascending) return kNone;
    const uint64_t next = line + 1;
    if ((next >> page_lines_shift_) != (line >> page_lines_shift_)) return kNone;
    return next;
  }

 private:
  static constexpr int kStreams = 32;       // streams tracked per core (direct-mapped by page)
  static constexpr int kInFlightRing = 64;  // prefetched lines remembered per core
  struct Stream {
    uint64_t page = ~uint64_t{0};
    int32_t last = 0;  // line offset in the page of the last lookup
    int32_t dir = 0;   // +1 ascending, -1 descending, 0 none yet
    int32_t next = 0;  // next line offset to prefetch
  };
  struct Prefetched {
    uint64_t line = ~uint64_t{0};
    double ready_ns = 0;
    LatencySource source = LatencySource::kL1;
  };
  struct PerCore {
    double clock_ns = 0;
    double dram_next_ns = 0;  // earliest start of the next DRAM line (bandwidth)
    uint64_t last_demand = ~uint64_t{0};
    uint32_t stream_next = 0;  // the streamer queue entry taken next
    Stream streams[kStreams];
    Prefetched in_flight[kInFlightRing];
  };
  // Schedule() of a request beyond the L1d (level kL2 or kBeyondL2).
  double ScheduleMiss(int core, double ready_ns, double latency_ns, Level level,
                      const DramPath* dram, bool l2_only);
  // Takes the earliest-free slot of `slots[0..n)`: returns when it is free.
  static double* Earliest(double* slots, uint32_t n);
  // The start of a DRAM line that could start at `start_ns` on `core` (bandwidth only).
  double DramStart(int core, double start_ns, const DramPath& dram);

  uint32_t l1_slots_;
  uint32_t l2_slots_;
  uint32_t stream_slots_;  // 0: the streamer shares the superqueue
  bool next_line_;
  bool streamer_;
  int32_t distance_;
  double core_bw_;
  double issue_ns_;
  int page_lines_shift_;  // log2(lines per 4 KiB page)
  std::vector<PerCore> cores_;
  std::vector<double> l1_free_;      // [core * l1_slots_ + i]: when fill buffer i is free
  std::vector<double> l2_free_;      // [core * l2_slots_ + i]: when superqueue entry i is free
  std::vector<double> stream_free_;  // [core * stream_slots_ + i]: streamer queue entries
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_CORE_TIMING_H_
