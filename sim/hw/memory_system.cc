#include "sim/hw/memory_system.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace {

// One demand access of `lines` lines: by kind, and in line_accesses.
void CountAccess(AccessKind kind, uint64_t lines, AccessStats* stats) {
  switch (kind) {
    case AccessKind::kRead:
      stats->reads += lines;
      break;
    case AccessKind::kWrite:
      stats->writes += lines;
      break;
    case AccessKind::kAtomic:
      stats->atomics += lines;
      break;
  }
  stats->line_accesses += lines;
}

// How many accesses ahead each host prefetch stage runs (see AccessBatch): each stage
// needs the data the previous one fetched, and a host DRAM miss takes about as long as
// one or two simulated misses.
// Measured on the shipped compaction trace: {4, 2} (docs/performance.md, "Third session").
constexpr int kStages = 2;
constexpr size_t kStageAhead[kStages] = {4, 2};

uint32_t EffectiveWays(uint32_t ways, double share) {
  if (share <= 0 || share >= 1) return ways;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::floor(ways * share)));
}

Cache MakeCache(const config::CacheLevel& c, double share) {
  const uint32_t slices = c.slices() == 0 ? 1 : c.slices();
  const uint32_t sets =
      static_cast<uint32_t>(c.size_bytes() / (uint64_t{c.line_bytes()} * c.ways() * slices));
  return Cache(sets, slices, EffectiveWays(c.ways(), share), c.policy());
}

// Lines a cache MakeCache() builds holds (computed, not built: building allocates and
// fills its sets).
uint64_t CapacityLines(const config::CacheLevel& c, double share) {
  const uint64_t slices = c.slices() == 0 ? 1 : c.slices();
  const uint64_t sets = c.size_bytes() / (uint64_t{c.line_bytes()} * c.ways() * slices);
  return sets * slices * EffectiveWays(c.ways(), share);
}

uint64_t PrivateLines(const MachineTopology& t, double share) {
  const config::Machine& m = t.machine();
  const uint64_t cores = static_cast<uint64_t>(t.cores());
  return cores * (CapacityLines(m.l1d(), share) + CapacityLines(m.l2(), share));
}

}  // namespace

MemorySystem::MemorySystem(const MachineTopology& topology)
    : topology_(topology),
      line_bytes_(topology.machine().line_bytes()),
      line_shift_(__builtin_ctz(topology.machine().line_bytes())),
      cores_per_socket_(static_cast<int>(topology.machine().cores_per_socket())),
      llc_inclusive_(topology.machine().llc().inclusive()),
      l1_ns_(topology.l1_hit_ns()),
      l2_ns_(topology.l2_hit_ns()),
      llc_ns_(topology.llc_hit_ns()),
      directory_(PrivateLines(topology, topology.machine().metadata_cache_share()),
                 topology.sockets()),
      llc_filled_(topology.sockets(), 0),
      llc_dirty_(topology.sockets()) {
  const config::Machine& m = topology_.machine();
  const double share = m.metadata_cache_share();
  l1_.reserve(topology_.cores());
  l2_.reserve(topology_.cores());
  for (int c = 0; c < topology_.cores(); ++c) {
    l1_.push_back(MakeCache(m.l1d(), share));
    l2_.push_back(MakeCache(m.l2(), share));
  }
  l1_lines_ = l1_[0].capacity_lines();
  // Fresh zeroed memory from 64 KiB up (8-socket machines): idle cores' flags cost no page.
  const size_t owned_bytes = l1_lines_ * topology_.cores();
  owned_ = std::unique_ptr<unsigned char[], HugeDeleter>(
      static_cast<unsigned char*>(AllocateHugeZeroed(owned_bytes)), HugeDeleter{owned_bytes});
  MEMSIM_CHECK(owned_ != nullptr, "out of memory for the L1d owned flags");
  llc_.reserve(topology_.sockets());
  for (int s = 0; s < topology_.sockets(); ++s) llc_.push_back(MakeCache(m.llc(), share));
  stats_.dram_by_node.assign(topology_.nodes(), 0);
  const int nodes = topology_.nodes();
  dram_source_.resize(static_cast<size_t>(nodes) * nodes);
  for (int home = 0; home < nodes; ++home) {
    for (int node = 0; node < nodes; ++node) {
      dram_source_[home * nodes + node] =
          m.node(node).cpu_less() ? LatencySource::kDramCpuLess
          : node == home          ? LatencySource::kDramLocal
          : topology_.socket_of_node(node) == topology_.socket_of_node(home)
              ? LatencySource::kDramRemoteNode
              : LatencySource::kDramRemoteSocket;
    }
  }
  if (CoreTiming::Enabled(m.timing())) InitTiming();
}

void MemorySystem::InitTiming() {
  const config::Machine& m = topology_.machine();
  const config::Timing& t = m.timing();
  timing_ = std::make_unique<CoreTiming>(t, topology_.cores(), line_bytes_, m.clock_ghz());
  staged_.assign(topology_.cores(), StagedStream{});
  prefetch_stats_.dram_by_node.assign(topology_.nodes(), 0);
  cycles_per_operation_ns_ = t.cycles_per_operation() / m.clock_ghz();
  cycles_per_pfn_ns_ = t.cycles_per_scanned_pfn() / m.clock_ghz();
  cycles_per_migrated_page_ns_ = t.cycles_per_migrated_page() / m.clock_ghz();
  // Bandwidth is modelled when the core has a figure: each core's own DRAM lines are spaced
  // by it, and every core's lines share the accounts of their node and route.
  if (t.core_dram_bandwidth_bytes_per_s() <= 0) return;
  const int nodes = topology_.nodes();
  const int sockets = topology_.sockets();
  // Accounts are created first and pointed to afterwards (the vector must not grow then).
  std::vector<int> node_account(nodes, -1);
  for (int node = 0; node < nodes; ++node) {
    const double bw = m.node(node).dram_bandwidth_bytes_per_s();
    if (bw <= 0) continue;
    node_account[node] = static_cast<int>(shared_bw_.size());
    shared_bw_.emplace_back(bw, line_bytes_);
  }
  std::vector<int> link_account(m.link_size(), -1);
  for (int l = 0; l < m.link_size(); ++l) {
    const double bw = m.link(l).bandwidth_bytes_per_s();
    if (bw <= 0) continue;
    link_account[l] = static_cast<int>(shared_bw_.size());
    shared_bw_.emplace_back(bw, line_bytes_);
  }
  // The accounts of each route's links ([from socket * sockets + to socket]).
  std::vector<std::vector<int>> route_accounts(static_cast<size_t>(sockets) * sockets);
  for (const config::Route& r : m.route()) {
    if (r.from_socket() >= static_cast<uint32_t>(sockets) ||
        r.to_socket() >= static_cast<uint32_t>(sockets)) {
      continue;
    }
    std::vector<int>& accounts = route_accounts[r.from_socket() * sockets + r.to_socket()];
    for (const std::string& name : r.links()) {
      for (int l = 0; l < m.link_size(); ++l) {
        if (m.link(l).name() == name && link_account[l] >= 0) accounts.push_back(link_account[l]);
      }
    }
  }
  const double core_gap_ns = line_bytes_ * 1e9 / t.core_dram_bandwidth_bytes_per_s();
  dram_paths_.assign(static_cast<size_t>(nodes) * nodes, CoreTiming::DramPath{});
  for (int home = 0; home < nodes; ++home) {
    for (int node = 0; node < nodes; ++node) {
      CoreTiming::DramPath& p = dram_paths_[home * nodes + node];
      p.core_gap_ns = core_gap_ns;
      int n = 0;
      if (node_account[node] >= 0) p.shared[n++] = &shared_bw_[node_account[node]];
      const int a = topology_.socket_of_node(home), b = topology_.socket_of_node(node);
      if (a == b) continue;
      // A route of more links than the path holds keeps its first ones (no shipped machine
      // has one).
      for (int acc : route_accounts[a * sockets + b]) {
        if (n < CoreTiming::DramPath::kMaxShared) p.shared[n++] = &shared_bw_[acc];
      }
    }
  }
}

void MemorySystem::SyncCore(int core, double now_ns) {
  if (timing_ != nullptr && now_ns > timing_->now(core)) timing_->SetNow(core, now_ns);
}

void MemorySystem::ResetStats() {
  const size_t nodes = stats_.dram_by_node.size();
  stats_ = AccessStats();
  stats_.dram_by_node.assign(nodes, 0);
}

double MemorySystem::AccessSlow(uint64_t first, uint64_t last, AccessKind kind, int core) {
  ++stats_.accesses;
  const bool write = kind != AccessKind::kRead;
  const uint64_t lines = last - first + 1;
  CountAccess(kind, lines, &stats_);
  // Prefetching only pays while accesses miss the L1d; L1-hit streams skip it.
  if (recent_l1_miss_ && !in_batch_) {
    recent_l1_miss_ = false;
    PrefetchPredicted(first, last, core);
  }
  double total = 0;
  for (uint64_t line = first; line <= last; ++line) {
    const double ns = AccessLine(line, write, core);
    batch_sources_[last_source_] += ns;
    total += ns;
  }
  stats_.latency_ns += total;
  return total;
}

// Inline: most accesses hit the L1d, and then a stage is only the L1d probe.
inline void MemorySystem::PrefetchStage(uint64_t line, int core, int stage, PrefetchHint* hint) {
  bool l1_hit;
  if (stage == 0 || hint == nullptr || !hint->l1_known) {
    l1_hit = l1_[core].Contains(line);
    if (hint != nullptr) *hint = PrefetchHint{.line = line, .l1_known = true, .l1_hit = l1_hit};
  } else {
    l1_hit = hint->l1_hit;
  }
  if (!l1_hit) PrefetchMissState(line, core, stage);  // an L1 hit needs nothing else
}

double MemorySystem::AccessBatch(const MemoryAccess* accesses, size_t n, int core,
                                 double* per_access_ns) {
  batch_sources_.Clear();
  if (timing_ != nullptr) return TimedBatch(accesses, n, core, per_access_ns);
  // Each access's host state is fetched in two steps, some accesses apart, because the
  // second needs the first one's data: its sets and directory slot; then (its L1 and L2
  // sets now cached) the slots of its L1 and L2 victims and the LLC set the L2 victim
  // moves to. The later stage reuses what the earlier one found (whether the line was in
  // the L1d) instead of probing the set again; the set may have changed in between, which
  // only makes a prefetch useless, never a result different.
  auto line_of = [&](size_t i) { return accesses[i].address >> line_shift_; };
  static_assert(kStageAhead[0] < kHintRing);
  PrefetchHint hints[kHintRing];
  in_batch_ = true;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    for (int stage = 0; stage < kStages; ++stage) {
      const size_t j = i + kStageAhead[stage];
      if (j < n) PrefetchStage(line_of(j), core, stage, &hints[j % kHintRing]);
    }
    const MemoryAccess& a = accesses[i];
    const double ns = Access(a.address, a.bytes, a.kind, core);
    if (per_access_ns != nullptr) per_access_ns[i] = ns;
    sum += ns;
  }
  in_batch_ = false;
  return sum;
}

double MemorySystem::TimedBatch(const MemoryAccess* accesses, size_t n, int core,
                                double* per_access_ns) {
  // Times are on the core's timing clock. An access issues when the one before it issued
  // (independent) or completed (dependent); an atomic waits for everything before it and
  // holds back everything after it (a locked instruction drains the store buffer). Lines
  // of one access issue together; successive accesses at least issue_ns() apart. Serial (<= 1
  // outstanding miss): each line waits for the one before it, as Access() charges them.
  auto line_of = [&](size_t i) { return accesses[i].address >> line_shift_; };
  // The host prefetch stages as in AccessBatch, unrolled: stage 0 for access i + 4, stage
  // 1 for access i + 2, which reuses stage 0's L1d probe of it. Bit k of `stage0_missed`
  // is whether stage 0 found the L1d without the line of access i + 4 - k.
  static_assert(kStages == 2 && kStageAhead[0] == 4 && kStageAhead[1] == 2);
  const Cache& l1 = l1_[core];
  uint32_t stage0_missed = 0;
  CoreTiming& t = *timing_;
  const bool serial = t.serial();
  const double issue = t.issue_ns();
  // Each time also remembers the access whose completion set it (-1: t0), so that the
  // critical path can be walked back from the last completion (docs/machine-model.md,
  // "Where the time goes").
  const double t0 = t.now(core);
  double prev_issue = t0, prev_done = t0, barrier = t0, last_done = t0;
  int32_t prev_issue_from = -1, prev_done_from = -1, barrier_from = -1, last_done_from = -1;
  double prev_issue_origin_end = t0;  // where the origin of the previous access's span ended
  timed_steps_.clear();
  timed_segments_.clear();
  in_batch_ = true;
  for (size_t i = 0; i < n; ++i) {
    stage0_missed <<= 1;
    if (i + 4 < n) {
      const uint64_t line = line_of(i + 4);
      if (!l1.Contains(line)) {
        stage0_missed |= 1;
        PrefetchMissState(line, core, 0);
      }
    }
    if (i + 2 < n) {
      // Accesses 2 and 3 had no stage 0 (it starts at access 4).
      const uint64_t line = line_of(i + 2);
      const bool missed = i >= 2 ? ((stage0_missed >> 2) & 1) != 0 : !l1.Contains(line);
      if (missed) PrefetchMissState(line, core, 1);
    }
    const MemoryAccess& a = accesses[i];
    const uint64_t first = a.address >> line_shift_;
    const uint64_t last = (a.address + (a.bytes == 0 ? 0 : a.bytes - 1)) >> line_shift_;
    const uint64_t lines = last - first + 1;
    ++stats_.accesses;
    CountAccess(a.kind, lines, &stats_);
    const bool write = a.kind != AccessKind::kRead;
    const bool atomic = a.kind == AccessKind::kAtomic;
    const bool chained = serial || a.depends_on_previous;
    double ready = chained ? prev_done : prev_issue;
    int32_t from = chained ? prev_done_from : prev_issue_from;
    // The core issues one access per issue_ns (Timing.cycles_per_access), misses or not.
    // Issue-bound, the access's origin is the previous one's, and its span starts where
    // that origin ended: the gap up to `ready` (the issue spacing, accumulated over a run
    // of issue-bound accesses) is non-memory work.
    double issue_gap = 0;
    if (i > 0 && prev_issue + issue > ready) {
      ready = prev_issue + issue;
      from = prev_issue_from;
      issue_gap = ready - prev_issue_origin_end;
    }
    if (barrier > ready) {
      ready = barrier;
      from = barrier_from;
      issue_gap = 0;
    }
    if (atomic && last_done > ready) {
      ready = last_done;
      from = last_done_from;
      issue_gap = 0;
    }
    timed_steps_.push_back({from, static_cast<uint32_t>(timed_segments_.size())});
    if (issue_gap > 0) timed_segments_.push_back({LatencySource::kCompute, issue_gap});
    // The access's own span [ready, done]: serial, its lines one after another; else the
    // line that completed last.
    double done = ready;
    LatencySource slowest = LatencySource::kL1;
    for (uint64_t line = first; line <= last; ++line) {
      const double line_ready = serial ? done : ready;
      double line_done;
      if (!TimedL1Hit(line, write, core, line_ready, &line_done)) {
        line_done = TimedLine(line, write, core, line_ready);
      }
      if (line_done > done) {
        if (serial) {
          timed_segments_.push_back({last_source_, line_done - done});
        } else {
          slowest = last_source_;
        }
        done = line_done;
      }
    }
    if (!serial && done > ready) timed_segments_.push_back({slowest, done - ready});
    if (per_access_ns != nullptr) per_access_ns[i] = done - ready;
    prev_issue = ready;
    prev_issue_from = from;
    prev_issue_origin_end = ready - issue_gap;
    prev_done = done;
    prev_done_from = static_cast<int32_t>(i);
    if (done > last_done) {
      last_done = done;
      last_done_from = static_cast<int32_t>(i);
    }
    if (atomic) {
      barrier = done;
      barrier_from = static_cast<int32_t>(i);
    }
  }
  in_batch_ = false;
  t.SetNow(core, last_done);
  const double elapsed = last_done - t0;
  // The critical path, walked back from the access that completed last: each access on it
  // is charged its span, which starts where its origin's ended, so the parts add up to
  // `elapsed`.
  for (int32_t i = last_done_from; i >= 0; i = timed_steps_[i].origin) {
    const size_t end = static_cast<size_t>(i) + 1 < timed_steps_.size()
                           ? timed_steps_[i + 1].first_segment
                           : timed_segments_.size();
    for (size_t k = timed_steps_[i].first_segment; k < end; ++k) {
      batch_sources_[timed_segments_[k].source] += timed_segments_[k].ns;
    }
  }
  stats_.latency_ns += elapsed;
  return elapsed;
}

// Inlined into TimedBatch: most line accesses hit the L1d.
[[gnu::always_inline]] inline bool MemorySystem::TimedL1Hit(uint64_t line, bool write, int core,
                                                            double ready_ns, double* done_ns) {
  Cache& l1 = l1_[core];
  unsigned char* set = l1.SetOf(line);
  const uint32_t way = l1.WayOf(set, line);
  // A miss, or a write needing the directory: TimedLine (the probe changed nothing).
  if (way == l1.ways() || (write && *OwnedFlag(core, set, way) == 0)) return false;
  // What TimedLine does for such a hit (AccessLine's L1-hit case, then the timing of a
  // line that needs no slot), in the same order with the same arithmetic.
  l1.Touch(set, way);
  ++stats_.l1_hits;
  CoreTiming& t = *timing_;
  double done = t.Schedule(core, ready_ns, l1_ns_, CoreTiming::Level::kL1, nullptr);
  LatencySource source = LatencySource::kL1;
  double prefetched_ns;
  LatencySource prefetch_source;
  if (t.TakePrefetch(core, line, &prefetched_ns, &prefetch_source)) {
    ++stats_.prefetch_useful;
    if (prefetched_ns > done) {
      ++stats_.prefetch_late;
      done = prefetched_ns;
      source = prefetch_source;
    }
  }
  if (!write && t.next_line_prefetcher()) {
    const uint64_t next = t.NextLineLookup(core, line);
    if (next != CoreTiming::kNone) PrefetchFill(next, core, ready_ns, /*into_l1=*/true);
  }
  last_source_ = source;
  *done_ns = done;
  return true;
}

double MemorySystem::TimedLine(uint64_t line, bool write, int core, double ready_ns) {
  CoreTiming& t = *timing_;
  const uint64_t l1_misses = stats_.l1_misses;
  const uint64_t l2_misses = stats_.l2_misses;
  const uint64_t dram = stats_.dram();
  const double ns = AccessLine(line, write, core);
  LatencySource source = last_source_;  // the prefetch fills below change last_source_
  const bool l1_miss = stats_.l1_misses != l1_misses;
  const bool l2_miss = stats_.l2_misses != l2_misses;
  const CoreTiming::Level level = !l1_miss   ? CoreTiming::Level::kL1
                                  : !l2_miss ? CoreTiming::Level::kL2
                                             : CoreTiming::Level::kBeyondL2;
  double done;
  double prefetched_ns;
  LatencySource prefetch_source;
  if (t.TakePrefetch(core, line, &prefetched_ns, &prefetch_source) && !l2_miss) {
    // Served by a prefetched copy, possibly still on its way: then the wait is the
    // prefetch's source's.
    ++stats_.prefetch_useful;
    done = t.Schedule(core, ready_ns, ns, level, nullptr);
    if (prefetched_ns > done) {
      ++stats_.prefetch_late;
      done = prefetched_ns;
      source = prefetch_source;
    }
  } else {
    done =
        t.Schedule(core, ready_ns, ns, level, stats_.dram() != dram ? DramPathOf(core) : nullptr);
  }
  if (l1_miss && t.l2_streamer()) StreamerSees(line, core, ready_ns);
  if (!write && t.next_line_prefetcher()) {
    const uint64_t next = t.NextLineLookup(core, line);
    if (next != CoreTiming::kNone) PrefetchFill(next, core, ready_ns, /*into_l1=*/true);
  }
  last_source_ = source;
  return done;
}

void MemorySystem::StreamerSees(uint64_t line, int core, double issue_ns) {
  uint64_t lines[2];
  int dir = 0;
  const int n = timing_->StreamerLookup(core, line, lines, &dir);
  if (n == 0) return;
  // The stream's next fills are known: fetch their host state in stages, as AccessBatch
  // does for demand lines (no effect on results).
  // Stage 0 runs 3 and 4 lines beyond the stream's last fill, stage 1 runs 1 and 2 beyond.
  // A stream that moved on by one line since the previous call (the steady state: one fill
  // per lookup) had stage 0 run for line 3 (then 4 beyond) and stage 1 for line 1 (then 2
  // beyond): those are not run again, so each line gets each stage once, at the same
  // distances, instead of twice.
  const uint64_t last = lines[n - 1];
  const uint64_t step = static_cast<uint64_t>(static_cast<int64_t>(dir));
  StagedStream& staged = staged_[core];
  const bool moved_one = dir == staged.dir && last == staged.last + step;
  staged = StagedStream{last, dir};
  PrefetchStage(last + 4 * step, core, 0, nullptr);
  if (!moved_one) PrefetchStage(last + 3 * step, core, 0, nullptr);
  PrefetchStage(last + 2 * step, core, 1, nullptr);
  if (!moved_one) PrefetchStage(last + step, core, 1, nullptr);
  for (int i = 0; i < n; ++i) PrefetchFill(lines[i], core, issue_ns, /*into_l1=*/false);
}

void MemorySystem::PrefetchFill(uint64_t line, int core, double issue_ns, bool into_l1) {
  if (l1_[core].Contains(line)) return;
  Cache& l2 = l2_[core];
  if (!into_l1 && l2.Contains(line)) return;
  // The fill runs on the demand path's code with the prefetch counters in place of the
  // demand ones.
  counts_ = &prefetch_stats_;
  const uint64_t l2_misses = prefetch_stats_.l2_misses;
  const uint64_t dram = prefetch_stats_.dram();
  double ns;
  if (into_l1) {
    ns = MissL1(line, /*write=*/false, core);
  } else {
    ns = MissL2(line, /*write=*/false, core, topology_.socket_of_core(core), l2.SetOf(line),
                nullptr, nullptr);
  }
  const bool l2_miss = prefetch_stats_.l2_misses != l2_misses;
  const bool from_dram = prefetch_stats_.dram() != dram;
  const LatencySource source = last_source_;
  counts_ = &stats_;
  CoreTiming& t = *timing_;
  if (l2_miss) {
    ++stats_.prefetch_fills;
    if (from_dram) ++stats_.prefetch_dram;
    const CoreTiming::DramPath* path = from_dram ? DramPathOf(core) : nullptr;
    const double done = into_l1 ? t.Schedule(core, issue_ns, ns, CoreTiming::Level::kBeyondL2, path)
                                : t.ScheduleStreamerPrefetch(core, issue_ns, ns, path);
    t.RecordPrefetch(core, line, done, source);
  } else {
    // An L1 prefetch of a line the L2 holds moves it up: not a fill. If the L2 copy is
    // itself a prefetch not yet used, it stays counted as one, arriving no sooner.
    const double done = t.Schedule(core, issue_ns, ns, CoreTiming::Level::kL2, nullptr);
    double ready;
    LatencySource earlier;
    if (t.TakePrefetch(core, line, &ready, &earlier)) {
      t.RecordPrefetch(core, line, std::max(ready, done), ready >= done ? earlier : source);
    }
  }
  // An L1 prefetch is an L2 lookup the streamer sees.
  if (into_l1 && t.l2_streamer()) StreamerSees(line, core, issue_ns);
}

void MemorySystem::PrefetchPredicted(uint64_t first, uint64_t last, int core) {
  // Metadata walks (memmap scans, compaction, buddy merges) mostly move by a constant small
  // line stride: fetch the state of the next predicted lines in the staged way
  // AccessBatch uses. A wrong guess costs only host bandwidth.
  const uint64_t stride = first - predict_last_;
  predict_last_ = last;
  if (core != predict_core_ || stride + kMaxPredictedStride > 2 * kMaxPredictedStride) {
    predict_core_ = core;
    return;
  }
  // A predicted line passes through the stages on successive calls; the ring (by
  // line number, checked) hands each stage what the earlier ones found.
  for (int stage = 0; stage < kStages; ++stage) {
    const uint64_t line = last + kStageAhead[stage] * stride;
    PrefetchHint& hint = predicted_hints_[line % kHintRing];
    if (stage == 0 || hint.line != line) hint = PrefetchHint{.line = line};
    PrefetchStage(line, core, stage, &hint);
  }
}

void MemorySystem::PrefetchMissState(uint64_t line, int core, int stage) {
  const Cache& l1 = l1_[core];
  const Cache& l2 = l2_[core];
  const Cache& llc = llc_[topology_.socket_of_core(core)];
  if (stage == 0) {
    l2.PrefetchSet(line);
    llc.PrefetchSet(line);
    directory_.Prefetch(line);
    return;
  }
  const uint64_t l1_victim = l1.VictimOf(line);
  if (l1_victim != Cache::kNoLine) directory_.Prefetch(l1_victim);
  // The line's L2 set once, for the probe and the victim.
  const unsigned char* l2_set = l2.SetOf(line);
  const uint64_t l2_victim = l2.WayOf(l2_set, line) != l2.ways()
                                 ? Cache::kNoLine
                                 : l2.LineAt(l2_set, l2.VictimWayOf(l2_set));
  if (l2_victim != Cache::kNoLine) {
    if (!llc_inclusive_) llc.PrefetchSet(l2_victim);
    directory_.Prefetch(l2_victim);
  }
}

// Inlined into Access(): an L1d hit is the common case and costs only a few nanoseconds,
// so a call and its register saves would be a large part of it.
[[gnu::always_inline]] inline double MemorySystem::AccessLine(uint64_t line, bool write, int core) {
  Cache& l1 = l1_[core];
  unsigned char* set = l1.SetOf(line);
  const uint32_t way = l1.WayOf(set, line);
  if (way != l1.ways()) [[likely]] {
    l1.Touch(set, way);
    ++stats_.l1_hits;
    last_source_ = LatencySource::kL1;
    // A line in our L1 is valid (writes elsewhere invalidate it), so a read needs nothing more.
    if (!write) return l1_ns_;
    // Nor does a write to a line this core already owns (see owned_).
    unsigned char* owned = OwnedFlag(core, set, way);
    if (*owned != 0) return l1_ns_;
    return WriteOwnership(line, core, topology_.socket_of_core(core), l1_ns_, owned);
  }
  return MissL1(line, write, core);
}

// Directory updates add the new line's copies before removing any victim's, so a line
// moving between levels of one socket keeps its entry (and its modified state); the victims
// are removed in the order the caches evict them. Only copy counts reaching zero have an
// effect beyond the count, so this grouping is exact.
double MemorySystem::MissL1(uint64_t line, bool write, int core) {
  const int socket = topology_.socket_of_core(core);
  Cache& l1 = l1_[core];
  Cache& l2 = l2_[core];
  ++counts_->l1_misses;
  recent_l1_miss_ = true;
  // Each set is probed once: the way found (or the victim way) is reused for the fill as
  // long as nothing can have changed the set in between (only an inclusive LLC's
  // back-invalidation can touch this core's L1d and L2 during a miss).
  unsigned char* l1_set = l1.SetOf(line);
  unsigned char* l2_set = l2.SetOf(line);
  uint32_t l1_way = l1.VictimWayOf(l1_set);
  {
    // Start the host fetches this miss is sure to need, so they overlap: the line's
    // directory slot and the slot of the L1 victim (FillL1 removes it).
    directory_.Prefetch(line);
    const uint64_t l1_victim = l1.LineAt(l1_set, l1_way);
    if (l1_victim != Cache::kNoLine) directory_.Prefetch(l1_victim);
  }

  double latency;
  const uint32_t l2_hit_way = l2.WayOf(l2_set, line);
  if (l2_hit_way != l2.ways()) {
    l2.Touch(l2_set, l2_hit_way);
    ++counts_->l2_hits;
    latency = l2_ns_;
    last_source_ = LatencySource::kL2;
    directory_.AddCopies(line, socket, 1);  // the L1 copy
  } else {
    latency = MissL2(line, write, core, socket, l2_set, l1_set, &l1_way);
  }
  const uint64_t victim = l1.FillWay(l1_set, l1_way, line);
  unsigned char* owned = OwnedFlag(core, l1_set, l1_way);
  *owned = 0;  // the way's new line
  if (victim != Cache::kNoLine) RemovePrivateCopy(victim, socket);
  return write ? WriteOwnership(line, core, socket, latency, owned) : latency;
}

double MemorySystem::MissL2(uint64_t line, bool write, int core, int socket, unsigned char* l2_set,
                            unsigned char* l1_set, uint32_t* l1_way) {
  Cache& l2 = l2_[core];
  Cache& llc = llc_[socket];
  const uint32_t private_copies = l1_set != nullptr ? 2 : 1;
  double latency;
  ++counts_->l2_misses;
  unsigned char* llc_set = llc.SetOf(line);
  uint32_t l2_way = l2.VictimWayOf(l2_set);
  const uint64_t l2_victim_hint = l2.LineAt(l2_set, l2_way);
  if (l2_victim_hint != Cache::kNoLine) {
    if (!llc_inclusive_) llc.PrefetchSet(l2_victim_hint);
    directory_.Prefetch(l2_victim_hint);
  }
  bool llc_hit = false;
  const uint32_t llc_hit_way = llc.WayOf(llc_set, line);
  if (llc_hit_way != llc.ways()) {
    llc.Touch(llc_set, llc_hit_way);
    ++counts_->llc_hits;
    llc_hit = true;
    latency = llc_ns_;
    last_source_ = LatencySource::kLlc;
    LineDirectory::Entry e = directory_.FindOrInsert(line);
    // The line's first private copy: if the LLC held it modified, the state moves to the
    // entry (no other socket can hold it then).
    if (e.copyless() && LlcDirty(socket, llc_set, llc_hit_way)) {
      ClearLlcDirty(socket, llc_set, llc_hit_way);
      e.set_modified_socket(socket);
    }
    if (e.modified_socket() == socket) Disown(line, socket, e);  // a peer's copy comes
    e.AddCopies(socket, private_copies);                         // L2 (and L1)
  } else {
    ++counts_->llc_misses;
    LineDirectory::Entry e = directory_.FindOrInsert(line);
    if (e.copyless()) {
      // No private copy anywhere: another socket's LLC may hold the line modified (then no
      // other cache holds it). A new entry without that has no copies: served by DRAM.
      for (int t = 0; t < topology_.sockets(); ++t) {
        if (t == socket || llc_dirty_[t] == nullptr) continue;
        Cache& other = llc_[t];
        unsigned char* set = other.SetOf(line);
        const uint32_t way = other.WayOf(set, line);
        if (way != other.ways() && LlcDirty(t, set, way)) {
          ClearLlcDirty(t, set, way);
          e.set_modified_socket(t);
          break;
        }
      }
    }
    const int owner = e.modified_socket();
    if (owner >= 0 && owner != socket) {
      Disown(line, owner, e);
      ++counts_->hitm;
      latency = topology_.HitmNs(topology_.home_node_of_core(core), owner);
      last_source_ = LatencySource::kCoherence;
      if (!write) e.set_modified_socket(-1);  // the owner writes back and keeps a clean copy
    } else if (e.copies(socket) > 0) {
      if (owner == socket) Disown(line, socket, e);
      ++counts_->peer_forwards;  // misses here imply the copy is in another core's L1d/L2
      latency = llc_ns_;
      last_source_ = LatencySource::kLlc;
    } else {
      latency = DramNs(line, core);
    }
    e.AddCopies(socket, private_copies);
  }
  if (!llc_hit && llc_inclusive_) {
    const uint64_t victim = FillLlc(socket, llc_set, llc.VictimWayOf(llc_set), line);
    if (victim != Cache::kNoLine) {
      BackInvalidate(victim, socket);
      // Back-invalidation may have freed ways of this core's sets.
      l2_way = l2.VictimWayOf(l2_set);
      if (l1_set != nullptr) *l1_way = l1_[core].VictimWayOf(l1_set);
    }
  }
  const uint64_t victim = l2.FillWay(l2_set, l2_way, line);
  if (victim != Cache::kNoLine) {
    if (llc_inclusive_) {
      RemovePrivateCopy(victim, socket);
    } else {
      unsigned char* victim_set = llc.SetOf(victim);
      const uint32_t way = llc.WayOf(victim_set, victim);
      if (way != llc.ways()) {
        llc.Touch(victim_set, way);
      } else {
        // A non-inclusive LLC is a victim cache of the L2s: the copy moves from the L2
        // to the LLC. The line the LLC evicts needs no directory work: if a private cache
        // holds it, its modified state (if any) is that socket's, which keeps copies.
        FillLlc(socket, victim_set, llc.VictimWayOf(victim_set), victim);
      }
      RemovePrivateCopy(victim, socket);  // its LLC copy remains
    }
  }
  return latency;
}

double MemorySystem::DramNs(uint64_t line, int core) {
  const uint64_t pfn = (line << line_shift_) / kPageBytes;
  if (pfn < cached_start_pfn_ || pfn >= cached_end_pfn_) {
    cached_node_ = topology_.NodeOfPfn(pfn);
    if (cached_node_ >= 0) {
      const config::NumaNode& n = topology_.machine().node(cached_node_);
      cached_start_pfn_ = n.start_pfn();
      cached_end_pfn_ = n.end_pfn();
    } else {
      cached_start_pfn_ = 1;
      cached_end_pfn_ = 0;
    }
  }
  const int home = topology_.home_node_of_core(core);
  int node = cached_node_;
  if (node < 0) {
    ++counts_->unmapped;
    node = home;
  }
  if (node == home) {
    ++counts_->dram_local;
  } else if (topology_.socket_of_node(node) == topology_.socket_of_core(core)) {
    ++counts_->dram_remote_node;
  } else {
    ++counts_->dram_remote_socket;
  }
  ++counts_->dram_by_node[node];
  last_dram_node_ = node;
  last_source_ = dram_source_[home * topology_.nodes() + node];
  return topology_.latency_ns(home, node);
}

uint64_t MemorySystem::FillLlc(int socket, unsigned char* set, uint32_t way, uint64_t line) {
  llc_filled_[socket] = 1;
  ClearLlcDirty(socket, set, way);
  return llc_[socket].FillWay(set, way, line);
}

void MemorySystem::SetLlcDirty(int socket, const unsigned char* set, uint32_t way) {
  std::unique_ptr<unsigned char[], HugeDeleter>& bits = llc_dirty_[socket];
  if (bits == nullptr) [[unlikely]] {
    const size_t bytes = (llc_[socket].capacity_lines() + 7) / 8;
    bits = std::unique_ptr<unsigned char[], HugeDeleter>(
        static_cast<unsigned char*>(AllocateHugeZeroed(bytes)), HugeDeleter{bytes});
    MEMSIM_CHECK(bits != nullptr, "out of memory for the LLC dirty bits");
  }
  const uint64_t i = llc_[socket].WayIndex(set, way);
  bits[i >> 3] |= static_cast<unsigned char>(1u << (i & 7));
}

void MemorySystem::RemovePrivateCopy(uint64_t line, int socket) {
  if (!directory_.RemoveCopy(line, socket)) return;
  // The last private copy of a line this socket holds modified: the modified state stays
  // with the LLC's copy if there is one, else the line is written back.
  Cache& llc = llc_[socket];
  const unsigned char* set = llc.SetOf(line);
  const uint32_t way = llc.WayOf(set, line);
  if (way != llc.ways()) SetLlcDirty(socket, set, way);
}

void MemorySystem::BackInvalidate(uint64_t line, int socket) {
  // The LLC copy is going: its dirty bit (a modified line no private cache holds) goes with
  // the way's next fill.
  LineDirectory::Entry e = directory_.Find(line);
  if (!e || e.copies(socket) == 0) return;
  uint32_t remaining = e.copies(socket);
  const int first = socket * cores_per_socket_;
  for (int c = first; c < first + cores_per_socket_ && remaining > 0; ++c) {
    remaining -= l1_[c].Invalidate(line) ? 1 : 0;
    remaining -= l2_[c].Invalidate(line) ? 1 : 0;
  }
  MEMSIM_CHECK(remaining == 0, "directory copy count disagrees with the private caches");
  // With the LLC copy, the socket's last: a line it held modified is written back.
  directory_.RemoveCopy(line, socket, e.copies(socket));
}

void MemorySystem::InvalidateSocket(uint64_t line, int socket, LineDirectory::Entry e,
                                    bool in_llc) {
  // Scanning stops once the counted copies are found: the rest of the socket has none.
  uint32_t remaining = e.copies(socket);
  if (in_llc) llc_[socket].Invalidate(line);
  const int first = socket * cores_per_socket_;
  for (int c = first; c < first + cores_per_socket_ && remaining > 0; ++c) {
    remaining -= l1_[c].Invalidate(line) ? 1 : 0;
    remaining -= l2_[c].Invalidate(line) ? 1 : 0;
  }
  MEMSIM_CHECK(remaining == 0, "directory copy count disagrees with the socket's caches");
  e.DropCopies(socket, e.copies(socket));
}

void MemorySystem::Disown(uint64_t line, int socket, LineDirectory::Entry e) {
  // An owner holds every private copy of its socket (its L1d's, perhaps its L2's): with none
  // or more than two there is none, and the first core whose L1d holds the line is the only
  // candidate.
  const uint32_t copies = e.copies(socket);
  if (copies == 0 || copies > 2) return;
  const int first = socket * cores_per_socket_;
  for (int c = first; c < first + cores_per_socket_; ++c) {
    Cache& l1 = l1_[c];
    const unsigned char* set = l1.SetOf(line);
    const uint32_t way = l1.WayOf(set, line);
    if (way != l1.ways()) {
      *OwnedFlag(c, set, way) = 0;
      return;
    }
  }
}

double MemorySystem::WriteOwnership(uint64_t line, int core, int socket, double latency,
                                    unsigned char* owned) {
  LineDirectory::Entry e = directory_.Find(line);
  MEMSIM_CHECK(static_cast<bool>(e), "a written line must be cached by the writer");
  // The writer's own copies keep the entry alive, so `e` stays valid while other
  // sockets' copies are removed (no slot is freed).
  // A line this socket already holds modified has no copies elsewhere.
  if (e.modified_socket() != socket) {
    const int home = topology_.home_node_of_core(core);
    for (int t = 0; t < topology_.sockets(); ++t) {
      if (t == socket) continue;
      const bool in_llc = llc_filled_[t] != 0 && llc_[t].Contains(line);
      if (!in_llc && e.copies(t) == 0) continue;
      ++counts_->remote_invalidations;
      const double invalidate_ns = topology_.HitmNs(home, t);
      if (invalidate_ns > latency) {
        latency = invalidate_ns;
        last_source_ = LatencySource::kCoherence;
      }
      InvalidateSocket(line, t, e, in_llc);
    }
  }
  // Private copies beyond the writer's L1d and L2 are in other cores' caches.
  const uint32_t copies = e.copies(socket);
  if (copies > 1) {
    const uint32_t own = 1 + (l2_[core].Contains(line) ? 1 : 0);
    if (copies > own) {
      uint32_t remaining = copies - own;
      const int first = socket * cores_per_socket_;
      for (int c = first; c < first + cores_per_socket_ && remaining > 0; ++c) {
        if (c == core) continue;
        const uint32_t had = (l1_[c].Invalidate(line) ? 1 : 0) + (l2_[c].Invalidate(line) ? 1 : 0);
        if (had != 0) ++counts_->peer_invalidations;
        remaining -= had;
      }
      MEMSIM_CHECK(remaining == 0, "directory copy count disagrees with the peers' caches");
      e.DropCopies(socket, copies - own);
    }
  }
  e.set_modified_socket(socket);
  // Now modified here and held by this core's L1d (and L2) only: until a peer or another
  // socket gets a copy (Disown), the next writes need nothing.
  *owned = 1;
  return latency;
}

}  // namespace memsim::hw
