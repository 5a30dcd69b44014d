// The per-access memory model: every core's private L1d and L2, every socket's LLC, the
// cross-socket coherence directory, and DRAM latency by NUMA node. The replay engine pushes
// each metadata access through Access() and gets its latency in ns; counts accumulate in
// stats(). Plain C++ on purpose: SimGrid (SimPlatform) only carries bulk and contended
// traffic. Nothing on the per-access path allocates.
//
// Rules (docs/machine-model.md has the reasoning):
//  * An access is split into the cache lines it covers; each line is one line access and
//    the access costs the sum of its lines' latencies (no memory-level parallelism).
//    AccessBatch() on a machine with a timing model (config::Timing) overlaps them instead
//    and runs the hardware prefetchers (docs/machine-model.md, "Timing").
//  * Lookup order L1d -> L2 -> LLC; a hit refreshes only the level that hit. A miss fills
//    the levels that missed: the LLC only if it is inclusive, then L2, then L1d. L2 victims
//    go to a non-inclusive LLC; an inclusive LLC's victims are removed from the socket's
//    private caches. L1d and L2 are mutually non-inclusive.
//  * A line missing in the requester's socket is served, in this order of precedence, by the
//    socket holding it modified (HITM: Coherence.remote_hitm_ns or the matrix latency to
//    that socket; a read leaves both copies clean), by another core of the same socket (LLC
//    latency), or by DRAM of the line's node (latency matrix from the core's home node).
//  * A write or atomic leaves the line modified in the writer's socket and only in the
//    writer's private caches and its LLC: copies in other sockets are invalidated (costing
//    at least the HITM latency to each such socket), and so are other cores' private copies
//    on the same socket (no extra cost).
//  * Each line's latency has a source (LatencySource: the level that hit, the kind of DRAM,
//    or coherence when a HITM or an invalidation decided it); batch_sources() splits an
//    AccessBatch's time by source (docs/machine-model.md, "Where the time goes").
#ifndef MEMSIM_SIM_HW_MEMORY_SYSTEM_H_
#define MEMSIM_SIM_HW_MEMORY_SYSTEM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/hw/cache.h"
#include "sim/hw/core_timing.h"
#include "sim/hw/huge_alloc.h"
#include "sim/hw/latency_source.h"
#include "sim/hw/line_directory.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/memory_access.h"

namespace memsim::hw {

// The counts a replay reports per event kind (result::AccessCounts): plain counters that
// add and subtract, so the replay engine attributes the accesses of each event by taking
// the difference of two snapshots.
struct AccessCounts {
  uint64_t accesses = 0;       // Access() calls
  uint64_t line_accesses = 0;  // lines touched (an access spanning two lines counts two)
  uint64_t reads = 0, writes = 0, atomics = 0;  // line accesses by kind
  uint64_t l1_misses = 0;
  uint64_t l2_misses = 0;   // l2 lookups = l1_misses
  uint64_t llc_misses = 0;  // llc lookups = l2_misses
  // Where LLC misses were served (AccessStats has the rest: llc_misses = hitm +
  // peer_forwards + dram_*).
  uint64_t hitm = 0;                  // modified in another socket
  uint64_t dram_local = 0;            // the core's home node
  uint64_t dram_remote_node = 0;      // another node of the same socket
  uint64_t dram_remote_socket = 0;    // a node of another socket (or CPU-less node elsewhere)
  uint64_t remote_invalidations = 0;  // sockets whose copies a write invalidated
  // Hardware prefetches (timing model only; docs/machine-model.md, "Timing"). The demand
  // counters above count demand line accesses only; a prefetch's own lookups and DRAM
  // reads are not in them.
  uint64_t prefetch_fills = 0;   // lines a prefetcher brought into the L1d/L2 from beyond
  uint64_t prefetch_useful = 0;  // of those, demanded while still in the L1d or L2
  uint64_t prefetch_late = 0;    // of the useful ones, demanded before their data arrived
  uint64_t prefetch_dram = 0;    // prefetch fills served by DRAM

  AccessCounts& operator+=(const AccessCounts& o) {
    for (uint64_t AccessCounts::*f : kAll) this->*f += o.*f;
    return *this;
  }
  AccessCounts& operator-=(const AccessCounts& o) {
    for (uint64_t AccessCounts::*f : kAll) this->*f -= o.*f;
    return *this;
  }
  uint64_t dram() const { return dram_local + dram_remote_node + dram_remote_socket; }

 private:
  static const std::array<uint64_t AccessCounts::*, 17> kAll;
};

inline constexpr std::array<uint64_t AccessCounts::*, 17> AccessCounts::kAll = {
    &AccessCounts::accesses,
    &AccessCounts::line_accesses,
    &AccessCounts::reads,
    &AccessCounts::writes,
    &AccessCounts::atomics,
    &AccessCounts::l1_misses,
    &AccessCounts::l2_misses,
    &AccessCounts::llc_misses,
    &AccessCounts::hitm,
    &AccessCounts::dram_local,
    &AccessCounts::dram_remote_node,
    &AccessCounts::dram_remote_socket,
    &AccessCounts::remote_invalidations,
    &AccessCounts::prefetch_fills,
    &AccessCounts::prefetch_useful,
    &AccessCounts::prefetch_late,
    &AccessCounts::prefetch_dram};
static_assert(sizeof(AccessCounts) == 17 * sizeof(uint64_t),
              "AccessCounts::kAll lists every field");

// Everything the memory system counts: the reported counts and the finer ones.
struct AccessStats : AccessCounts {
  uint64_t l1_hits = 0;
  uint64_t l2_hits = 0;
  uint64_t llc_hits = 0;
  uint64_t peer_forwards = 0;          // another core's private cache on the same socket
  uint64_t unmapped = 0;               // lines outside every node's pfn range (charged as local)
  uint64_t peer_invalidations = 0;     // same-socket private copies a write invalidated
  double latency_ns = 0;               // sum of returned latencies
  std::vector<uint64_t> dram_by_node;  // DRAM line accesses per node
};

class MemorySystem {
 public:
  // Builds caches from a validated topology (Machine.metadata_cache_share applied).
  explicit MemorySystem(const MachineTopology& topology);
  MemorySystem(const MemorySystem&) = delete;
  MemorySystem& operator=(const MemorySystem&) = delete;

  // One access of `bytes` (0 counts as 1) at simulated physical address `address` from
  // `core`. Returns its latency in ns. REQUIRES: 0 <= core < topology.cores().
  // Inline: a one-line read that hits the L1d (the common case) then costs no call.
  double Access(uint64_t address, uint32_t bytes, AccessKind kind, int core) {
    const uint64_t first = address >> line_shift_;
    const uint64_t last = (address + (bytes == 0 ? 0 : bytes - 1)) >> line_shift_;
    // A lookup that misses here changed nothing; AccessSlow() simply looks up again.
    if (first == last && kind == AccessKind::kRead && !(recent_l1_miss_ && !in_batch_) &&
        l1_[core].Lookup(first)) [[likely]] {
      ++stats_.accesses;
      ++stats_.reads;
      ++stats_.line_accesses;
      ++stats_.l1_hits;
      stats_.latency_ns += l1_ns_;
      batch_sources_[LatencySource::kL1] += l1_ns_;
      return l1_ns_;
    }
    return AccessSlow(first, last, kind, core);
  }

  // The accesses `accesses[0..n)` of one operation from `core`; returns the operation's
  // time in ns. Without a timing model (Machine.timing absent or all zero) exactly as n
  // calls of Access(): the latencies summed in order, each stored in `per_access_ns[i]` if
  // not null. With one (timed()), the accesses overlap as docs/machine-model.md, "Timing",
  // describes (MemoryAccess::depends_on_previous, outstanding-miss slots, DRAM bandwidth,
  // prefetchers), the operation starting at the core's timing clock (SyncCore), and
  // `per_access_ns[i]` is the time from when access i could issue to when its data came.
  // Faster than a loop either way: the simulator fetches the state of the next accesses
  // while it works on the current one. REQUIRES: 0 <= core < topology.cores().
  double AccessBatch(const MemoryAccess* accesses, size_t n, int core, double* per_access_ns);

  // Where the time of the last AccessBatch went, by the source that served each line
  // (docs/machine-model.md, "Where the time goes"): serial, each line's latency; timed, the
  // operation's critical path. The memory sources only; they add up to what AccessBatch
  // returned (to floating-point round-off). Access() calls after it add theirs.
  const LatencySplit& batch_sources() const { return batch_sources_; }

  // Whether the machine has a timing model (AccessBatch overlaps accesses).
  bool timed() const { return timing_ != nullptr; }
  // Moves `core`'s timing clock to `now_ns` if that is later (the replay engine's clock of
  // the core when an operation starts): prefetches issued earlier have progressed by then.
  void SyncCore(int core, double now_ns);
  // Non-memory work of one operation that examined `scanned_pfns` pfns and migrated
  // `migrated_pages` base pages, in ns: (Timing.cycles_per_operation + cycles_per_scanned_pfn
  // x scanned_pfns + cycles_per_migrated_page x migrated_pages) / clock. 0 without a timing
  // model.
  double NonMemoryNs(uint64_t scanned_pfns, uint64_t migrated_pages = 0) const {
    return cycles_per_operation_ns_ + cycles_per_pfn_ns_ * static_cast<double>(scanned_pfns) +
           cycles_per_migrated_page_ns_ * static_cast<double>(migrated_pages);
  }

  const AccessStats& stats() const { return stats_; }
  void ResetStats();
  const MachineTopology& topology() const { return topology_; }
  uint32_t line_bytes() const { return line_bytes_; }
  // Effective ways after the metadata capacity share.
  uint32_t l1_ways() const { return l1_[0].ways(); }
  uint32_t l2_ways() const { return l2_[0].ways(); }
  uint32_t llc_ways() const { return llc_[0].ways(); }
  uint64_t directory_size() const { return directory_.size(); }

  // Whether `core`'s L1d/L2 or `socket`'s LLC holds the line of `address` (tests, tools).
  bool InL1(int core, uint64_t address) const { return l1_[core].Contains(address >> line_shift_); }
  bool InL2(int core, uint64_t address) const { return l2_[core].Contains(address >> line_shift_); }
  bool InLlc(int socket, uint64_t address) const {
    return llc_[socket].Contains(address >> line_shift_);
  }

 private:
  // Access() of lines first..last, minus its L1d-read-hit fast path.
  double AccessSlow(uint64_t first, uint64_t last, AccessKind kind, int core);
  double AccessLine(uint64_t line, bool write, int core);
  double MissL1(uint64_t line, bool write, int core);
  // The L2-miss half of a miss: LLC, another socket, a peer core or DRAM, then the fills.
  // `l1_set` null: an L2-only fill (the L2 streamer), no L1 copy; else the L1d set the
  // caller fills afterwards, whose victim way `*l1_way` this refreshes if an inclusive
  // LLC's back-invalidation freed a way.
  double MissL2(uint64_t line, bool write, int core, int socket, unsigned char* l2_set,
                unsigned char* l1_set, uint32_t* l1_way);
  // The timing model (AccessBatch when timed()).
  void InitTiming();
  double TimedBatch(const MemoryAccess* accesses, size_t n, int core, double* per_access_ns);
  double TimedLine(uint64_t line, bool write, int core, double ready_ns);
  // TimedLine for a line the L1d holds and that needs no directory work (a read, or a write
  // to an owned line): stores when its data is there in `*done_ns` and returns true; else
  // changes nothing and returns false.
  bool TimedL1Hit(uint64_t line, bool write, int core, double ready_ns, double* done_ns);
  void StreamerSees(uint64_t line, int core, double issue_ns);
  void PrefetchFill(uint64_t line, int core, double issue_ns, bool into_l1);
  // The bandwidth path of the last DRAM line (DramNs) for `core`; null: bandwidth is not
  // modelled (no Timing.core_dram_bandwidth_bytes_per_s).
  const CoreTiming::DramPath* DramPathOf(int core) const {
    if (dram_paths_.empty()) return nullptr;
    return &dram_paths_[topology_.home_node_of_core(core) * topology_.nodes() + last_dram_node_];
  }
  void PrefetchPredicted(uint64_t first, uint64_t last, int core);
  // What an earlier prefetch stage of one access found, for its later stages (AccessBatch).
  struct PrefetchHint {
    uint64_t line = Cache::kNoLine;
    bool l1_known = false;
    bool l1_hit = false;
  };
  static constexpr size_t kHintRing = 8;  // > the farthest stage distance
  // Host prefetch step `stage` (0, 1) for a line accessed soon; see AccessBatch. `hint`
  // (may be null) carries what stage 0 found for this access to stage 1.
  void PrefetchStage(uint64_t line, int core, int stage, PrefetchHint* hint);
  // The part of PrefetchStage for a line the L1d does not hold.
  void PrefetchMissState(uint64_t line, int core, int stage);
  void BackInvalidate(uint64_t line, int socket);
  // Invalidates every copy of `line` in `socket` (`in_llc`: its LLC holds one).
  void InvalidateSocket(uint64_t line, int socket, LineDirectory::Entry e, bool in_llc);
  // One private copy (L1d or L2) of `line` in `socket` fewer: the directory's count, and
  // the modified state moved to the LLC's dirty bit if it was the last private copy.
  void RemovePrivateCopy(uint64_t line, int socket);
  // Fills `way` of `socket`'s LLC set `set` with `line`, clean; returns the evicted line
  // (kNoLine if none), whose modified state, if any, is written back with it.
  uint64_t FillLlc(int socket, unsigned char* set, uint32_t way, uint64_t line);
  // The dirty bit of an LLC way (see llc_dirty_).
  bool LlcDirty(int socket, const unsigned char* set, uint32_t way) const {
    if (llc_dirty_[socket] == nullptr) return false;
    const uint64_t i = llc_[socket].WayIndex(set, way);
    return ((llc_dirty_[socket][i >> 3] >> (i & 7)) & 1) != 0;
  }
  void SetLlcDirty(int socket, const unsigned char* set, uint32_t way);
  void ClearLlcDirty(int socket, const unsigned char* set, uint32_t way) {
    if (llc_dirty_[socket] == nullptr) return;
    const uint64_t i = llc_[socket].WayIndex(set, way);
    llc_dirty_[socket][i >> 3] &= static_cast<unsigned char>(~(1u << (i & 7)));
  }
  // A write by `core` (of `socket`) to `line`, which its L1d holds: invalidates the other
  // copies (other sockets', then peers') and makes the line modified by `socket`; returns
  // `latency_ns` or the invalidations' cost if higher. Sets `*owned` (the way's owned_ flag).
  double WriteOwnership(uint64_t line, int core, int socket, double latency_ns,
                        unsigned char* owned);
  // The owned_ flag of `way` of `set` in `core`'s L1d.
  unsigned char* OwnedFlag(int core, const unsigned char* set, uint32_t way) {
    return &owned_[static_cast<uint64_t>(core) * l1_lines_ + l1_[core].WayIndex(set, way)];
  }
  // Clears the owned_ flag of `line` in the core of `socket` that may hold it owned: a peer
  // is about to get a copy of a line `socket` holds modified, or another socket to read or
  // write it. `e` is the line's entry.
  void Disown(uint64_t line, int socket, LineDirectory::Entry e);
  double DramNs(uint64_t line, int core);

  MachineTopology topology_;
  uint32_t line_bytes_;
  int line_shift_;
  int cores_per_socket_;
  bool llc_inclusive_;
  double l1_ns_, l2_ns_, llc_ns_;
  std::vector<Cache> l1_;   // per core
  std::vector<Cache> l2_;   // per core
  std::vector<Cache> llc_;  // per socket
  // The private copies of every line and their modified state (LineDirectory). The LLCs'
  // copies are not in it: they are read from the LLC tags (only sockets whose LLC has ever
  // been filled, llc_filled_, need probing), and the modified state of a line no private
  // cache holds is a dirty bit of the LLC way holding it, per socket one bit per way
  // (Cache::WayIndex), allocated when the socket's first one is set (null: all clear).
  // Meaningful for valid ways only: every LLC fill clears its way's bit. So the directory
  // holds what the replay's cores hold privately (tens of thousands of lines) instead of
  // every LLC's content too (a million), and an LLC eviction needs no directory work.
  LineDirectory directory_;
  std::vector<char> llc_filled_;
  // Per core, one flag per L1d way ([core * l1_lines_ + Cache::WayIndex]): 1 while the line
  // in that way is modified by the core's socket and held privately by this core only (its
  // L1d, perhaps its L2), i.e. while a write to it needs no directory work. Set by
  // WriteOwnership, cleared by an L1d fill of the way and by Disown when a peer or another
  // socket gets a copy; an invalidated way cannot hit, and its flag is cleared by its next
  // fill. So a write hit to an owned line skips the directory.
  std::unique_ptr<unsigned char[], HugeDeleter> owned_;
  uint64_t l1_lines_ = 0;
  std::vector<std::unique_ptr<unsigned char[], HugeDeleter>> llc_dirty_;
  // Last node range hit, for the common case of consecutive accesses on one node.
  uint64_t cached_start_pfn_ = 1, cached_end_pfn_ = 0;
  int cached_node_ = -1;
  // Stride prediction for host prefetches in Access() (no effect on results).
  static constexpr uint64_t kMaxPredictedStride = 16;
  uint64_t predict_last_ = 0;
  int predict_core_ = -1;
  PrefetchHint predicted_hints_[kHintRing];
  bool in_batch_ = false;
  bool recent_l1_miss_ = false;
  AccessStats stats_;
  // Where the latency of the line AccessLine (or TimedLine) served last came from, and the
  // sources of the current AccessBatch.
  LatencySource last_source_ = LatencySource::kL1;
  LatencySplit batch_sources_;
  std::vector<LatencySource> dram_source_;  // [home node * nodes + node]
  // TimedBatch's critical path: per access, the access whose completion made it ready (-1:
  // the operation's start) and its first segment; a segment is a span of one access's time
  // charged to one source. Reused from batch to batch.
  struct TimedStep {
    int32_t origin;
    uint32_t first_segment;
  };
  struct TimedSegment {
    LatencySource source;
    double ns;
  };
  std::vector<TimedStep> timed_steps_;
  std::vector<TimedSegment> timed_segments_;
  // Per core, the last line and direction of the streamer fills whose host state
  // StreamerSees fetched last (no effect on results): lines it staged then are not staged
  // again.
  struct StagedStream {
    uint64_t last = Cache::kNoLine;
    int dir = 0;
  };
  std::vector<StagedStream> staged_;
  // Timing model (null: serial). The miss paths count into *counts_: stats_, or
  // prefetch_stats_ while a prefetch fill runs, so the demand counters never see those.
  std::unique_ptr<CoreTiming> timing_;
  AccessStats prefetch_stats_;
  AccessStats* counts_ = &stats_;
  int last_dram_node_ = 0;  // node of the last DRAM line (DramNs)
  // Bandwidth shared by all cores: one account per node with a DRAM bandwidth, one per link
  // with a bandwidth (docs/machine-model.md, "Shared bandwidth").
  std::vector<BandwidthAccount> shared_bw_;
  std::vector<CoreTiming::DramPath> dram_paths_;  // [home node * nodes + node]; empty: none
  double cycles_per_operation_ns_ = 0;
  double cycles_per_pfn_ns_ = 0;
  double cycles_per_migrated_page_ns_ = 0;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MEMORY_SYSTEM_H_
