// The timing model of MemorySystem::AccessBatch (config::Timing): hand-derived operation
// times for overlap, dependence, slot limits, bandwidth, atomics and both prefetchers, exact
// demand/prefetch counts, and agreement of the demand counts with the brute-force reference
// when the prefetchers are off.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_validator.h"
#include "sim/hw/memory_system.h"
#include "tests/hw/reference_memory_system.h"
#include "tests/hw/two_socket_machine.h"

namespace memsim::hw {
namespace {

constexpr uint64_t kLine = 64;
constexpr uint64_t kPage = 4096;

using test_machines::Topo;

// The two-socket test machine (tests/hw/two_socket_machine.h); timing from `timing`.
config::Machine TimedMachine(const std::string& timing) {
  return test_machines::TwoSocketMachine("timed", timing);
}

// `n` one-line reads, each in its own 4 KiB page (no prefetcher would follow them).
std::vector<MemoryAccess> ScatteredReads(int n, bool dependent) {
  std::vector<MemoryAccess> a;
  for (int i = 0; i < n; ++i) {
    a.push_back({static_cast<uint64_t>(i + 1) * kPage, 8, AccessKind::kRead, dependent});
  }
  return a;
}

// `n` consecutive one-line reads from the start of page `page`.
std::vector<MemoryAccess> Walk(uint64_t page, int n, bool dependent) {
  std::vector<MemoryAccess> a;
  for (int i = 0; i < n; ++i) {
    a.push_back({page * kPage + static_cast<uint64_t>(i) * kLine, 8, AccessKind::kRead, dependent});
  }
  return a;
}

double RunOp(MemorySystem& ms, const std::vector<MemoryAccess>& a, int core = 0) {
  return ms.AccessBatch(a.data(), a.size(), core, nullptr);
}

TEST(MemorySystemTimingTest, AbsentOrZeroTimingIsTheSerialModel) {
  for (const std::string& timing : {std::string(), std::string("outstanding_l1_misses: 0")}) {
    config::Machine m = TimedMachine("");
    if (!timing.empty()) m.mutable_timing();  // present, every field zero
    MemorySystem ms(Topo(m));
    EXPECT_FALSE(ms.timed());
    EXPECT_EQ(ms.NonMemoryNs(100), 0);
    const auto ops = ScatteredReads(10, /*dependent=*/false);
    EXPECT_DOUBLE_EQ(RunOp(ms, ops), 1000);  // 10 x 100 ns, independent or not
  }
}

TEST(MemorySystemTimingTest, IndependentMissesOverlapUpToTheLimit) {
  // 10 independent DRAM misses, 4 fill buffers: ceil(10 / 4) x 100 ns.
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 4")));
  ASSERT_TRUE(ms.timed());
  std::vector<double> per(10);
  const auto ops = ScatteredReads(10, false);
  EXPECT_DOUBLE_EQ(ms.AccessBatch(ops.data(), ops.size(), 0, per.data()), 300);
  // Accesses 0-3 start at once, 4-7 when the first four complete, 8-9 after that; each
  // counts from when it could issue (0).
  EXPECT_DOUBLE_EQ(per[0], 100);
  EXPECT_DOUBLE_EQ(per[4], 200);
  EXPECT_DOUBLE_EQ(per[9], 300);
  EXPECT_EQ(ms.stats().l1_misses, 10u);
  EXPECT_EQ(ms.stats().dram_local, 10u);
  EXPECT_EQ(ms.stats().prefetch_fills, 0u);
  EXPECT_DOUBLE_EQ(ms.stats().latency_ns, 300);
}

TEST(MemorySystemTimingTest, DependentChainIsSerial) {
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 10")));
  EXPECT_DOUBLE_EQ(RunOp(ms, ScatteredReads(10, /*dependent=*/true)), 1000);
}

TEST(MemorySystemTimingTest, OneOutstandingMissIsSerialWhateverTheFlags) {
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 1 cycles_per_operation: 5")));
  ASSERT_TRUE(ms.timed());
  // A two-line access is two serial lines too: 10 x 100 + 2 x 100.
  auto ops = ScatteredReads(10, false);
  ops.push_back({20 * kPage + 60, 8, AccessKind::kRead, false});
  EXPECT_DOUBLE_EQ(RunOp(ms, ops), 1200);
  EXPECT_EQ(ms.stats().accesses, 11u);
  EXPECT_EQ(ms.stats().line_accesses, 12u);
}

TEST(MemorySystemTimingTest, SuperqueueLimitsMissesBeyondL2) {
  // 8 fill buffers but 2 superqueue entries: 4 DRAM misses take 2 x 100 ns. L2 hits need
  // only a fill buffer.
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 8 outstanding_l2_misses: 2")));
  EXPECT_DOUBLE_EQ(RunOp(ms, ScatteredReads(4, false)), 200);
}

TEST(MemorySystemTimingTest, MissesUnderL2HitsAndHitsUnderMisses) {
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 2")));
  // Warm line A into the L2 only: read A, then evict it from the 8-way L1d set with 8
  // other lines of the same set (set stride 8 lines x 64 B = 512 B).
  std::vector<MemoryAccess> warm{{0, 8, AccessKind::kRead, true}};
  for (int i = 1; i <= 8; ++i) warm.push_back({i * 512ull, 8, AccessKind::kRead, true});
  RunOp(ms, warm);
  ASSERT_FALSE(ms.InL1(0, 0));
  ASSERT_TRUE(ms.InL2(0, 0));
  // Independent: a DRAM miss (100), an L2 hit on A (10), an L1 hit on line 8 x 512 (1),
  // a second DRAM miss that waits for a fill buffer: the L2 hit's frees at 10 -> 110.
  const std::vector<MemoryAccess> op{{100 * kPage, 8, AccessKind::kRead, false},
                                     {0, 8, AccessKind::kRead, false},
                                     {8 * 512, 8, AccessKind::kRead, false},
                                     {101 * kPage, 8, AccessKind::kRead, false}};
  EXPECT_DOUBLE_EQ(RunOp(ms, op), 110);
}

// L1d hits that need no directory work (reads, writes to a line the core owns) take an
// inlined path in AccessBatch; a write to a line the core does not own, and misses, take
// the general one. The times are the per-line model's either way.
TEST(MemorySystemTimingTest, L1HitRunsAndOwnedWritesKeepTheirTimes) {
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 2")));
  const uint64_t a = 3 * kPage, b = 4 * kPage, c = 5 * kPage, d = 6 * kPage;
  using K = AccessKind;
  // Warm, dependent: A written (DRAM, 100; A is now owned by core 0), B read (DRAM, 100).
  const std::vector<MemoryAccess> warm{{a, 8, K::kWrite, true}, {b, 8, K::kRead, true}};
  EXPECT_DOUBLE_EQ(RunOp(ms, warm), 200);
  // Dependent: owned write hit on A (1), read hits on B and A (1 each), a write hit on B,
  // which core 0 does not own (the directory finds nothing to invalidate: 1), a DRAM miss
  // on C (100), an owned write hit on A (1): 105, each access its own latency.
  const std::vector<MemoryAccess> op{{a, 8, K::kWrite, true}, {b, 8, K::kRead, true},
                                     {a, 8, K::kRead, true},  {b, 8, K::kWrite, true},
                                     {c, 8, K::kRead, true},  {a, 8, K::kWrite, true}};
  std::vector<double> per(op.size());
  EXPECT_DOUBLE_EQ(ms.AccessBatch(op.data(), op.size(), 0, per.data()), 105);
  EXPECT_EQ(per, (std::vector<double>{1, 1, 1, 1, 100, 1}));
  // Independent: the hits (now also B, owned since its write) complete under a DRAM miss.
  const std::vector<MemoryAccess> under{{d, 8, K::kRead, false},
                                        {a, 8, K::kWrite, false},
                                        {b, 8, K::kWrite, false},
                                        {c, 8, K::kRead, false}};
  per.resize(under.size());
  EXPECT_DOUBLE_EQ(ms.AccessBatch(under.data(), under.size(), 0, per.data()), 100);
  EXPECT_EQ(per, (std::vector<double>{100, 1, 1, 1}));
  const AccessStats& s = ms.stats();
  EXPECT_EQ(s.l1_misses, 4u);
  EXPECT_EQ(s.l1_hits, 8u);
  EXPECT_EQ(s.writes, 6u);
  EXPECT_EQ(s.peer_invalidations, 0u);
  // Core 1 (same socket) reads A: core 0 forwards it (LLC latency, 40). Core 0's next write
  // to A is no longer a bare hit: it invalidates core 1's copies (still 1 ns).
  const std::vector<MemoryAccess> read_a{{a, 8, K::kRead, true}};
  const std::vector<MemoryAccess> write_a{{a, 8, K::kWrite, true}};
  EXPECT_DOUBLE_EQ(RunOp(ms, read_a, 1), 40);
  EXPECT_DOUBLE_EQ(RunOp(ms, write_a, 0), 1);
  EXPECT_EQ(s.peer_forwards, 1u);
  EXPECT_EQ(s.peer_invalidations, 1u);
  EXPECT_FALSE(ms.InL1(1, a));
  EXPECT_FALSE(ms.InL2(1, a));
}

TEST(MemorySystemTimingTest, CoreBandwidthSpacesDramLines) {
  // 6.4 GB/s: one 64-byte line per 10 ns. 10 independent misses with 10 fill buffers start
  // at 0, 10, ..., 90 and the last completes at 90 + 100.
  MemorySystem ms(
      Topo(TimedMachine("outstanding_l1_misses: 10 core_dram_bandwidth_bytes_per_s: 6.4e9")));
  EXPECT_DOUBLE_EQ(RunOp(ms, ScatteredReads(10, false)), 190);
}

TEST(MemorySystemTimingTest, NodeAndLinkBandwidthBoundTheCore) {
  // The core could do 1 TB/s; node 1 is across the 10 GB/s link (6.4 ns per line) and its
  // own channels give 3.2 GB/s (20 ns per line): the narrowest wins. From core 0 the lines
  // of node 1 cost 150 ns: starts 0, 20, ..., 80 -> 80 + 150.
  config::Machine m =
      TimedMachine("outstanding_l1_misses: 10 core_dram_bandwidth_bytes_per_s: 1e12");
  m.mutable_node(1)->set_dram_bandwidth_bytes_per_s(3.2e9);
  MemorySystem ms(Topo(m));
  std::vector<MemoryAccess> ops;
  for (int i = 0; i < 5; ++i) {
    ops.push_back({(4096 + 1 + static_cast<uint64_t>(i)) * kPage, 8, AccessKind::kRead, false});
  }
  EXPECT_DOUBLE_EQ(RunOp(ms, ops), 230);
  EXPECT_EQ(ms.stats().dram_remote_socket, 5u);
  // 2 lines of node 1 from core 2 (socket 1, home node 1, its clock at 0): local, 100 ns,
  // but node 1's channels are shared (docs/machine-model.md, "Shared bandwidth"): core 0's
  // five lines hold them from 0 to 100, so these start at 100 and 120.
  ops.resize(2);
  for (auto& a : ops) a.address += 16 * kPage;
  EXPECT_DOUBLE_EQ(RunOp(ms, ops, 2), 220);
}

TEST(MemorySystemTimingTest, AtomicWaitsForAllBeforeAndHoldsBackAllAfter) {
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 10")));
  const std::vector<MemoryAccess> op{{1 * kPage, 8, AccessKind::kRead, false},
                                     {2 * kPage, 4, AccessKind::kAtomic, false},
                                     {3 * kPage, 8, AccessKind::kRead, false}};
  EXPECT_DOUBLE_EQ(RunOp(ms, op), 300);
}

TEST(MemorySystemTimingTest, NonMemoryWorkAndTheCoreClock) {
  MemorySystem ms(
      Topo(TimedMachine("outstanding_l1_misses: 4 l2_streamer: true "
                        "cycles_per_operation: 20 cycles_per_scanned_pfn: 3")));
  EXPECT_DOUBLE_EQ(ms.NonMemoryNs(10), 50);  // (20 + 3 x 10) cycles at 1 GHz
  // Lines 0 and 1 of page 5 (dependent): 0-100, 100-200; the second starts the stream and
  // prefetches lines 2 and 3 at 100, arriving at 200.
  EXPECT_DOUBLE_EQ(RunOp(ms, Walk(5, 2, true)), 200);
  // An operation starting at 150 on the core's clock (SyncCore) would wait 50 ns for line
  // 2; one starting at 250 finds it in the L2 (10 ns). Syncing backwards does nothing.
  ms.SyncCore(0, 250);
  ms.SyncCore(0, 120);
  const std::vector<MemoryAccess> op{{5 * kPage + 2 * kLine, 8, AccessKind::kRead, true}};
  EXPECT_DOUBLE_EQ(RunOp(ms, op), 10);
  EXPECT_EQ(ms.stats().prefetch_useful, 1u);
  EXPECT_EQ(ms.stats().prefetch_late, 0u);
}

TEST(MemorySystemTimingTest, StreamerRunsAheadInThePage) {
  // Dependent walk of 4 lines, streamer 16 lines ahead, no bandwidth bound:
  //   line 0: DRAM 0-100 (a new stream);  line 1: DRAM 100-200, direction found: prefetch
  //   lines 2, 3 issued at 100, in the L2 at 200;  line 2: L2 hit 200-210 (prefetch 4, 5 at
  //   200);  line 3: L2 hit 210-220 (prefetch 6, 7 at 210).
  MemorySystem ms(
      Topo(TimedMachine("outstanding_l1_misses: 10 outstanding_l2_misses: 16 "
                        "l2_streamer: true streamer_distance_lines: 16")));
  EXPECT_DOUBLE_EQ(RunOp(ms, Walk(3, 4, true)), 220);
  const AccessStats& s = ms.stats();
  EXPECT_EQ(s.l1_misses, 4u);
  EXPECT_EQ(s.l2_hits, 2u);
  EXPECT_EQ(s.l2_misses, 2u);
  EXPECT_EQ(s.dram_local, 2u);
  EXPECT_EQ(s.prefetch_fills, 6u);
  EXPECT_EQ(s.prefetch_useful, 2u);
  EXPECT_EQ(s.prefetch_late, 0u);
  EXPECT_EQ(s.prefetch_dram, 6u);
}

TEST(MemorySystemTimingTest, SequentialPageWalkIsMostlyPrefetchHits) {
  // A whole 4 KiB page (64 lines), then the same walk descending in another page: the
  // first two lines of each miss, the streamer fetches the other 62 (two per lookup until
  // 16 ahead, then one), never beyond the page, and every one is used.
  MemorySystem ms(
      Topo(TimedMachine("outstanding_l1_misses: 10 outstanding_l2_misses: 16 "
                        "l2_streamer: true")));
  const double ascending = RunOp(ms, Walk(7, 64, false));
  std::vector<MemoryAccess> down = Walk(9, 64, false);
  std::reverse(down.begin(), down.end());
  RunOp(ms, down);
  const AccessStats& s = ms.stats();
  EXPECT_EQ(s.line_accesses, 128u);
  EXPECT_EQ(s.l1_misses, 128u);
  EXPECT_EQ(s.l2_misses, 4u);
  EXPECT_EQ(s.dram_local, 4u);
  EXPECT_EQ(s.prefetch_fills, 124u);
  EXPECT_EQ(s.prefetch_useful, 124u);
  EXPECT_EQ(s.prefetch_dram, 124u);
  EXPECT_FALSE(ms.InL2(0, 8 * kPage));  // nothing beyond the page
  EXPECT_FALSE(ms.InL2(0, 10 * kPage));
  // Independent accesses, no bandwidth bound: every request is issued at 0; the 2 demand
  // misses and the 62 prefetches all go beyond the L2 and share the 16 superqueue entries:
  // ceil(64 / 16) x 100 ns, against 64 x 100 serially.
  EXPECT_DOUBLE_EQ(ascending, 400);
}

TEST(MemorySystemTimingTest, NextLinePrefetcherOnAscendingLoads) {
  //   line 0: DRAM 0-100;  line 1: DRAM 100-200, ascending: prefetch line 2 into the L1d at
  //   100 (DRAM, arrives 200);  line 2: L1 hit 200-201 on the prefetched line, prefetch 3
  //   at 200 (arrives 300);  line 3: L1 hit at 201 but its data comes at 300 (late);
  //   prefetch 4 at 201.
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 10 next_line_prefetcher: true")));
  EXPECT_DOUBLE_EQ(RunOp(ms, Walk(3, 4, true)), 300);
  const AccessStats& s = ms.stats();
  EXPECT_EQ(s.l1_misses, 2u);
  EXPECT_EQ(s.l1_hits, 2u);
  EXPECT_EQ(s.dram_local, 2u);
  EXPECT_EQ(s.prefetch_fills, 3u);
  EXPECT_EQ(s.prefetch_useful, 2u);
  EXPECT_EQ(s.prefetch_late, 1u);
  EXPECT_EQ(s.prefetch_dram, 3u);
  EXPECT_TRUE(ms.InL1(0, 3 * kPage + 4 * kLine));
}

// --- Demand counts against the brute-force reference. ---

// With memory-level parallelism and bandwidth but no prefetcher, AccessBatch's demand
// counts are exactly the reference LRU's: only times change.
TEST(MemorySystemTimingTest, DemandCountsEqualTheReferenceWithoutPrefetchers) {
  for (bool inclusive : {false, true}) {
    config::Machine m = TimedMachine(
        "outstanding_l1_misses: 10 outstanding_l2_misses: 16 "
        "core_dram_bandwidth_bytes_per_s: 1.2e10 cycles_per_operation: 7");
    m.mutable_llc()->set_inclusive(inclusive);
    const MachineTopology topo = Topo(m);
    MemorySystem timed(topo);
    ReferenceMemorySystem ref(topo);
    std::mt19937_64 rng(17);
    std::vector<MemoryAccess> op;
    for (int i = 0; i < 40000; ++i) {
      const int core = static_cast<int>(rng() % 4);
      op.clear();
      const int n = 1 + static_cast<int>(rng() % 12);
      uint64_t line = rng() % 9000;  // both nodes and unmapped space above them
      for (int k = 0; k < n; ++k) {
        line = rng() % 3 == 0 ? rng() % 9000 : line + 1;
        const int r = static_cast<int>(rng() % 10);
        const AccessKind kind = r == 0  ? AccessKind::kAtomic
                                : r < 3 ? AccessKind::kWrite
                                        : AccessKind::kRead;
        const uint32_t bytes = rng() % 8 == 0 ? 80 : 8;
        op.push_back({line * kLine + rng() % 64, bytes, kind, rng() % 2 == 0});
        ref.Access(op.back().address, bytes, kind, core);
      }
      timed.AccessBatch(op.data(), op.size(), core, nullptr);
    }
    const AccessStats& a = timed.stats();
    const AccessStats& b = ref.stats();
    const std::string where = inclusive ? "inclusive" : "non-inclusive";
    ExpectSameCounts(a, b, where);
    EXPECT_EQ(a.prefetch_fills, 0u) << where;
    EXPECT_GT(a.hitm, 0u) << where;
    // Overlap makes the operations cheaper than the serial sum, never dearer.
    EXPECT_LT(a.latency_ns, b.latency_ns) << where;
  }
}

// With both prefetchers on, the demand stream is the same (same accesses, lines and kinds)
// and the counters stay consistent; prefetch fills only move demand misses to hits.
TEST(MemorySystemTimingTest, PrefetchersKeepDemandCountsConsistent) {
  config::Machine m = TimedMachine(
      "outstanding_l1_misses: 10 next_line_prefetcher: true l2_streamer: true "
      "core_dram_bandwidth_bytes_per_s: 1.2e10");
  const MachineTopology topo = Topo(m);
  MemorySystem timed(topo);
  MemorySystem serial(Topo(TimedMachine("")));
  std::mt19937_64 rng(23);
  std::vector<MemoryAccess> op;
  for (int i = 0; i < 20000; ++i) {
    const int core = static_cast<int>(rng() % 4);
    op.clear();
    uint64_t line = rng() % 9000;
    for (int k = 0; k < 8; ++k) {
      line = rng() % 4 == 0 ? rng() % 9000 : line + 1;
      op.push_back(
          {line * kLine, 8, rng() % 5 == 0 ? AccessKind::kWrite : AccessKind::kRead, false});
    }
    timed.AccessBatch(op.data(), op.size(), core, nullptr);
    serial.AccessBatch(op.data(), op.size(), core, nullptr);
  }
  const AccessStats& a = timed.stats();
  const AccessStats& b = serial.stats();
  EXPECT_EQ(a.accesses, b.accesses);
  EXPECT_EQ(a.line_accesses, b.line_accesses);
  EXPECT_EQ(a.reads, b.reads);
  EXPECT_EQ(a.writes, b.writes);
  EXPECT_EQ(a.l1_hits + a.l1_misses, a.line_accesses);
  EXPECT_EQ(a.l2_hits + a.l2_misses, a.l1_misses);
  EXPECT_EQ(a.llc_hits + a.llc_misses, a.l2_misses);
  EXPECT_EQ(a.hitm + a.peer_forwards + a.dram(), a.llc_misses);
  EXPECT_LT(a.l1_misses, b.l1_misses);
  EXPECT_LT(a.dram(), b.dram());
  EXPECT_GT(a.prefetch_useful, 0u);
  EXPECT_LE(a.prefetch_useful, a.prefetch_fills);
  EXPECT_LE(a.prefetch_late, a.prefetch_useful);
  EXPECT_LE(a.prefetch_dram, a.prefetch_fills);
}

// Two lines of one page then reads of two other pages, all independent, 2 fill buffers and
// 2 superqueue entries, the streamer 2 lines ahead (no next-line prefetcher, no bandwidth
// limit). Lines 0 and 1 miss at 0 (done 100); line 1 confirms the stream, which prefetches
// lines 2 and 3 at 0.
//  * Without a streamer queue the prefetches wait for superqueue entries (start 100, done
//    200) and so do the next two misses: start 200, done 300.
//  * With its own queue they start at 0 (done 100), and the misses only wait for the first
//    two: start 100, done 200.
TEST(MemorySystemTimingTest, StreamerQueueLeavesTheSuperqueueToDemandMisses) {
  const std::vector<MemoryAccess> ops = {{1 * kPage, 8, AccessKind::kRead, false},
                                         {1 * kPage + kLine, 8, AccessKind::kRead, false},
                                         {10 * kPage, 8, AccessKind::kRead, false},
                                         {11 * kPage, 8, AccessKind::kRead, false}};
  const std::string base =
      "outstanding_l1_misses: 2 outstanding_l2_misses: 2 l2_streamer: true "
      "streamer_distance_lines: 2 ";
  {
    MemorySystem ms(Topo(TimedMachine(base)));
    EXPECT_DOUBLE_EQ(RunOp(ms, ops), 300);
    EXPECT_EQ(ms.stats().prefetch_fills, 2u);
  }
  MemorySystem ms(Topo(TimedMachine(base + "streamer_queue_entries: 2")));
  std::vector<double> per(ops.size());
  EXPECT_DOUBLE_EQ(ms.AccessBatch(ops.data(), ops.size(), 0, per.data()), 200);
  EXPECT_DOUBLE_EQ(per[3], 200);
  EXPECT_EQ(ms.stats().prefetch_fills, 2u);
  EXPECT_EQ(ms.stats().prefetch_dram, 2u);
  EXPECT_EQ(ms.stats().dram_local, 4u);  // demand lines only
}

// A streamer queue of 1 holds one prefetch at a time: the second prefetch (line 3) starts
// when the first (line 2) completes at 100 and arrives at 200, so the demand reads of lines
// 2 and 3, issued at 0 and found in the L2, are late: done at 100 and 200.
TEST(MemorySystemTimingTest, StreamerQueueBoundsPrefetchesInFlight) {
  MemorySystem ms(
      Topo(TimedMachine("outstanding_l1_misses: 8 l2_streamer: true streamer_distance_lines: 2 "
                        "streamer_queue_entries: 1")));
  EXPECT_DOUBLE_EQ(RunOp(ms, Walk(1, 4, /*dependent=*/false)), 200);
  // Lines 2 and 3, then lines 4 and 5 when the demand reads of 2 and 3 move the stream on.
  EXPECT_EQ(ms.stats().prefetch_fills, 4u);
  EXPECT_EQ(ms.stats().prefetch_useful, 2u);
  EXPECT_EQ(ms.stats().prefetch_late, 2u);
}

// Node 0's DRAM at 6.4 GB/s (10 ns per line), shared; each core alone may use as much.
// Core 0 reads 10 scattered lines of node 0 at time 0: they start 10 ns apart, 0 .. 90, and
// the last is done at 190. Core 1 then does the same, also from time 0: the node's first
// 160-ns bin (16 lines) has 10 lines booked, so its lines start at 100 .. 150 (6), then in
// the next bin at 160 .. 190 (4); the last is done at 290. Alone it would take 190, as core
// 0 did.
TEST(MemorySystemTimingTest, CoresShareTheNodeBandwidth) {
  config::Machine m =
      TimedMachine("outstanding_l1_misses: 16 core_dram_bandwidth_bytes_per_s: 6.4e9");
  m.mutable_node(0)->set_dram_bandwidth_bytes_per_s(6.4e9);
  ASSERT_TRUE(ValidateMachine(m).ok());
  MemorySystem ms(Topo(m));
  const auto reads = ScatteredReads(10, false);  // pages 1..10, node 0
  EXPECT_DOUBLE_EQ(RunOp(ms, reads, /*core=*/0), 190);
  std::vector<MemoryAccess> other;
  for (int i = 0; i < 10; ++i) {
    other.push_back({static_cast<uint64_t>(21 + i) * kPage, 8, AccessKind::kRead, false});
  }
  std::vector<double> per(other.size());
  EXPECT_DOUBLE_EQ(ms.AccessBatch(other.data(), other.size(), 1, per.data()), 290);
  EXPECT_DOUBLE_EQ(per[5], 250);  // started at 150
  EXPECT_DOUBLE_EQ(per[6], 260);  // started at 160, the next bin
}

// Core 2 (socket 1) reads 5 lines of node 1 locally, then core 0 (socket 0) reads 5 others
// across link "x" (10 GB/s: 6.4 ns per line). Both cores may use 10 GB/s; node 1's DRAM is
// made so fast (64 TB/s) that it delays nothing. Core 2's lines start 0, 6.4, .., 25.6 (its
// own limit), done 125.6. Core 0 starts at 1 ns: its lines start 1, 7.4, .., 26.6 (the link
// and the core), done 176.6, 175.6 after it started. Had core 2's local lines been charged
// to the link, its first bin (102.4 ns, 16 lines) would hold 5 of them and core 0's first
// line would start at 5 x 6.4 = 32.
TEST(MemorySystemTimingTest, LinkBandwidthIsChargedOnlyToCrossSocketLines) {
  config::Machine m =
      TimedMachine("outstanding_l1_misses: 16 core_dram_bandwidth_bytes_per_s: 1e10");
  m.mutable_node(1)->set_dram_bandwidth_bytes_per_s(64e12);
  ASSERT_TRUE(ValidateMachine(m).ok());
  MemorySystem ms(Topo(m));
  std::vector<MemoryAccess> local, remote;
  for (int i = 0; i < 5; ++i) {
    local.push_back({static_cast<uint64_t>(4200 + i) * kPage, 8, AccessKind::kRead, false});
    remote.push_back({static_cast<uint64_t>(4097 + i) * kPage, 8, AccessKind::kRead, false});
  }
  EXPECT_NEAR(RunOp(ms, local, /*core=*/2), 125.6, 1e-9);
  ms.SyncCore(0, 1);
  EXPECT_NEAR(RunOp(ms, remote, /*core=*/0), 175.6, 1e-9);
  EXPECT_EQ(ms.stats().dram_remote_socket, 5u);
}

TEST(MemorySystemTimingTest, MigratedPagesCostTheirCycles) {
  MemorySystem ms(Topo(TimedMachine(
      "cycles_per_migrated_page: 2500 cycles_per_scanned_pfn: 2 cycles_per_operation: 50")));
  ASSERT_TRUE(ms.timed());
  EXPECT_DOUBLE_EQ(ms.NonMemoryNs(0, 4), 50 + 4 * 2500);  // 1 GHz: 1 cycle = 1 ns
  EXPECT_DOUBLE_EQ(ms.NonMemoryNs(8), 50 + 8 * 2);
}

// Timing.cycles_per_access: successive accesses of one operation issue that many cycles
// apart; the issue overlaps the memory time, so a stream takes the longer of the two.
TEST(MemorySystemTimingTest, IssueCostSpacesAccessesAndOverlapsMisses) {
  {
    // Alone it turns the timing model on; 3 cycles at 2 GHz = 1.5 ns.
    config::Machine m = TimedMachine("cycles_per_access: 3");
    m.set_clock_ghz(2);
    MemorySystem ms(Topo(m));
    EXPECT_TRUE(ms.timed());
    EXPECT_DOUBLE_EQ(CoreTiming(m.timing(), 1, 64, 2.0).issue_ns(), 1.5);
    EXPECT_DOUBLE_EQ(CoreTiming(m.timing(), 1, 64).issue_ns(), 0);  // no clock: no limit
  }
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 4 cycles_per_access: 2")));
  // Hits only: 10 independent reads of words of one line held in the L1d. Without an issue
  // cost they would all take 1 ns at once; at 2 ns apart the last issues at 18, done at 19.
  RunOp(ms, Walk(7, 1, false));  // line 0 of page 7 into the L1d: 0 .. 100
  std::vector<MemoryAccess> hits;
  for (int i = 0; i < 10; ++i) {
    hits.push_back({7 * kPage + static_cast<uint64_t>(i % 8) * 8, 8, AccessKind::kRead, false});
  }
  ms.SyncCore(0, 1000);
  EXPECT_DOUBLE_EQ(RunOp(ms, hits), 19);
  // Memory-bound: 4 independent misses issue at 0, 2, 4, 6 and complete 100 later each:
  // 106, where the same batch without the issue cost takes 100.
  ms.SyncCore(0, 2000);
  std::vector<double> per(4);
  const auto four = ScatteredReads(4, false);
  EXPECT_DOUBLE_EQ(ms.AccessBatch(four.data(), four.size(), 0, per.data()), 106);
  EXPECT_DOUBLE_EQ(per[3], 100);  // from its issue at 6 to its data at 106
}

TEST(MemorySystemTimingTest, IssueBoundStreamTakesItsIssueTime) {
  // 30 cycles per access at 1 GHz, 4 fill buffers, 10 independent misses of 100 ns: access k
  // issues at 30k and finds a free buffer (at most ceil(100 / 30) = 4 in flight), so the
  // last completes at 270 + 100 = 370 (without the issue cost: ceil(10 / 4) x 100 = 300).
  MemorySystem ms(Topo(TimedMachine("outstanding_l1_misses: 4 cycles_per_access: 30")));
  EXPECT_DOUBLE_EQ(RunOp(ms, ScatteredReads(10, false)), 370);
  // A dependent chain already waits longer than the issue cost: 10 x 100 as without it.
  MemorySystem chain(Topo(TimedMachine("outstanding_l1_misses: 4 cycles_per_access: 30")));
  EXPECT_DOUBLE_EQ(RunOp(chain, ScatteredReads(10, true)), 1000);
}

TEST(MemorySystemTimingTest, ValidatorRejectsImpossibleTiming) {
  struct Case {
    std::string timing;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {"outstanding_l1_misses: 300", "timing.outstanding_l1_misses: 300 is above 256"},
           {"outstanding_l2_misses: 257", "timing.outstanding_l2_misses"},
           {"streamer_distance_lines: 64", "timing.streamer_distance_lines: 64 lines reach"},
           {"core_dram_bandwidth_bytes_per_s: -1", "timing.core_dram_bandwidth_bytes_per_s"},
           {"cycles_per_scanned_pfn: -2", "timing.cycles_per_scanned_pfn"},
           {"cycles_per_operation: inf", "timing.cycles_per_operation"},
           {"streamer_queue_entries: 5000", "timing.streamer_queue_entries: 5000 is above 4096"},
           {"cycles_per_migrated_page: -1", "timing.cycles_per_migrated_page"},
           {"cycles_per_access: nan", "timing.cycles_per_access"}}) {
    config::Machine m = TimedMachine("");
    auto t = ParseMachineText("name: \"t\" timing { " + c.timing + " }", "timing");
    ASSERT_TRUE(t.ok()) << t.status();
    *m.mutable_timing() = t->timing();
    const absl::Status s = ValidateMachine(m);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.timing;
    EXPECT_NE(s.message().find(c.fragment), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace memsim::hw
