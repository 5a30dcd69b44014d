// Where the time of an AccessBatch goes (MemorySystem::batch_sources; docs/machine-model.md,
// "Where the time goes"): hand-derived splits for the serial model (each line's latency to
// its source) and the timing model (the critical path), and the parts adding up to the
// operation's time on random operations.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/hw/machine_validator.h"
#include "sim/hw/memory_system.h"
#include "tests/hw/two_socket_machine.h"

namespace memsim::hw {
namespace {

constexpr uint64_t kLine = 64;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kNode1Page = 4096;  // the first page of node 1

using test_machines::Topo;

// The two-socket test machine (tests/hw/two_socket_machine.h): HITM = the matrix entry to
// the owner socket's node (150 ns).
config::Machine Machine(const std::string& timing) {
  return test_machines::TwoSocketMachine("sources", timing);
}

MemoryAccess Read(uint64_t address, bool dependent = true) {
  return {address, 8, AccessKind::kRead, dependent};
}

double RunOp(MemorySystem& ms, const std::vector<MemoryAccess>& a, int core = 0) {
  return ms.AccessBatch(a.data(), a.size(), core, nullptr);
}

double Ns(const MemorySystem& ms, LatencySource s) { return ms.batch_sources()[s]; }

TEST(LatencySourcesTest, SerialModelChargesEachLineToItsSource) {
  MemorySystem ms(Topo(Machine("")));
  ASSERT_FALSE(ms.timed());
  // Local DRAM 100, the same line again from the L1 (1), a line of node 1 from core 0
  // (socket 0): remote socket 150.
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(1 * kPage), Read(1 * kPage), Read(kNode1Page * kPage + kPage)}),
                   251);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 100);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL1), 1);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150);
  EXPECT_DOUBLE_EQ(ms.batch_sources().Sum(), 251);
  // A two-line access: its first line from the L1 (1), the second from DRAM (100).
  EXPECT_DOUBLE_EQ(RunOp(ms, {{1 * kPage + kLine - 8, 16, AccessKind::kRead, true}}), 101);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL1), 1);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 100);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 0);  // reset per batch
}

TEST(LatencySourcesTest, HitmAndInvalidationWaitsAreCoherence) {
  MemorySystem ms(Topo(Machine("")));
  const uint64_t x = 2 * kPage;  // node 0
  // Core 0 reads x: local DRAM. Core 2 (socket 1) reads it: not modified anywhere, so DRAM
  // of node 0 from node 1, remote socket.
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(x)}, 0), 100);
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(x)}, 2), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150);
  // Core 0 writes x: an L1 hit (1 ns) that must invalidate socket 1's copy (150): the wait
  // is coherence, not L1.
  EXPECT_DOUBLE_EQ(RunOp(ms, {{x, 8, AccessKind::kWrite, true}}, 0), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kCoherence), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL1), 0);
  // Core 2 reads x again: modified in socket 0, HITM (150).
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(x)}, 2), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kCoherence), 150);
  EXPECT_EQ(ms.stats().hitm, 1u);
  EXPECT_EQ(ms.stats().remote_invalidations, 1u);
}

TEST(LatencySourcesTest, OverlappedLocalMissIsHiddenUnderTheRemoteOne) {
  // Independent local (100) and remote (150) misses, 4 fill buffers: both start at 0, the
  // operation ends at 150 with the remote one; the local one is off the critical path.
  for (bool remote_first : {false, true}) {
    MemorySystem ms(Topo(Machine("outstanding_l1_misses: 4")));
    ASSERT_TRUE(ms.timed());
    std::vector<MemoryAccess> op{Read(1 * kPage, false), Read((kNode1Page + 1) * kPage, false)};
    if (remote_first) std::swap(op[0], op[1]);
    EXPECT_DOUBLE_EQ(RunOp(ms, op), 150);
    EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150) << remote_first;
    EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 0) << remote_first;
  }
}

TEST(LatencySourcesTest, DependentChainChargesEachStep) {
  // Local 100, then a dependent remote miss from 100 to 250, then a dependent L1 hit on the
  // first line (251).
  MemorySystem ms(Topo(Machine("outstanding_l1_misses: 4")));
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(1 * kPage), Read((kNode1Page + 1) * kPage), Read(1 * kPage)}),
                   251);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 100);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL1), 1);
}

TEST(LatencySourcesTest, SlotWaitsBelongToTheWaitingRequest) {
  // 10 independent local misses, 4 fill buffers: 300 ns (MemorySystemTimingTest). The
  // path is access 8 alone (ready at 0, done at 300 after waiting for a buffer twice): all
  // 300 ns are local DRAM.
  MemorySystem ms(Topo(Machine("outstanding_l1_misses: 4")));
  std::vector<MemoryAccess> op;
  for (int i = 1; i <= 10; ++i) op.push_back(Read(static_cast<uint64_t>(i) * kPage, false));
  EXPECT_DOUBLE_EQ(RunOp(ms, op), 300);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 300);
  EXPECT_DOUBLE_EQ(ms.batch_sources().Sum(), 300);
}

TEST(LatencySourcesTest, AtomicJoinsThePath) {
  // A remote read (0-150), an independent atomic that waits for it (local: 150-250) and an
  // independent read held back by the atomic (local: 250-350).
  MemorySystem ms(Topo(Machine("outstanding_l1_misses: 10")));
  const std::vector<MemoryAccess> op{Read((kNode1Page + 1) * kPage, false),
                                     {2 * kPage, 4, AccessKind::kAtomic, false},
                                     Read(3 * kPage, false)};
  EXPECT_DOUBLE_EQ(RunOp(ms, op), 350);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 200);
}

TEST(LatencySourcesTest, LatePrefetchIsChargedToWhatServedThePrefetch) {
  // Lines 0, 1 and 2 of a page of node 1, independent, from core 0: 4 fill buffers but 2
  // superqueue entries. Lines 0 and 1 are remote misses, 0-150, holding both entries; line
  // 1's lookup starts the streamer, whose prefetches of lines 2 and 3 wait for an entry:
  // 150-300. Line 2 is then an L2 hit (10 ns) whose data arrives at 300: the operation
  // ends at 300 on line 2, and its wait is remote DRAM's, not the L2's.
  MemorySystem ms(
      Topo(Machine("outstanding_l1_misses: 4 outstanding_l2_misses: 2 l2_streamer: true")));
  const uint64_t page = (kNode1Page + 5) * kPage;
  EXPECT_DOUBLE_EQ(
      RunOp(ms, {Read(page, false), Read(page + kLine, false), Read(page + 2 * kLine, false)}),
      300);
  EXPECT_EQ(ms.stats().prefetch_late, 1u);
  EXPECT_EQ(ms.stats().l2_hits, 1u);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 300);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL2), 0);
}

TEST(LatencySourcesTest, CpuLessNodeIsItsOwnSource) {
  // Node 2: CPU-less memory (CXL) on socket 0, 250 ns from node 0.
  config::Machine m = Machine("");
  m.clear_latency_ns();
  for (double ns : {100, 150, 250, 150, 100, 300, 250, 300, 250}) m.add_latency_ns(ns);
  config::NumaNode* cxl = m.add_node();
  *cxl = m.node(0);
  cxl->set_id(2);
  cxl->set_cpu_less(true);
  cxl->set_start_pfn(8192);
  cxl->set_end_pfn(12288);
  ASSERT_TRUE(ValidateMachine(m).ok()) << ValidateMachine(m);
  MemorySystem ms(Topo(m));
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(8193 * kPage), Read((kNode1Page + 1) * kPage)}), 400);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramCpuLess), 250);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramRemoteSocket), 150);
  EXPECT_EQ(ms.stats().dram_remote_node, 1u);  // the counts keep their meaning
}

TEST(LatencySourcesTest, IssueSpacingIsComputeAndAddsUp) {
  // cycles_per_access 2 at 1 GHz: accesses issue 2 ns apart. The line is warmed first
  // (local DRAM, 100 ns); then 10 independent L1 hits issue at 0, 2, ..., 18 and the last
  // completes at 19: 1 ns of L1 on the critical path, 18 ns of issue spacing.
  MemorySystem ms(Topo(Machine("outstanding_l1_misses: 4 cycles_per_access: 2")));
  EXPECT_DOUBLE_EQ(RunOp(ms, {Read(1 * kPage)}), 100);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kDramLocal), 100);
  std::vector<MemoryAccess> hits(10, Read(1 * kPage, false));
  EXPECT_DOUBLE_EQ(RunOp(ms, hits), 19);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kL1), 1);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kCompute), 18);
  // A dependent chain is not issue-bound here (each L1 hit takes 1 ns < 2 ns of issue, so
  // the spacing still decides): 10 dependent hits end at 19 too, 18 of it issue.
  std::vector<MemoryAccess> chain(10, Read(1 * kPage, true));
  EXPECT_DOUBLE_EQ(RunOp(ms, chain), 19);
  EXPECT_DOUBLE_EQ(Ns(ms, LatencySource::kCompute), 18);
}

// Random operations from every core with everything on (prefetchers, bandwidth, atomics,
// dependent and independent accesses, lines shared between sockets): each operation's
// parts add up to its time.
TEST(LatencySourcesTest, PartsAddUpToTheOperationTime) {
  for (const std::string& timing :
       {std::string(),
        std::string("outstanding_l1_misses: 10 outstanding_l2_misses: 16 "
                    "next_line_prefetcher: true l2_streamer: true "
                    "core_dram_bandwidth_bytes_per_s: 6.4e9"),
        std::string("outstanding_l1_misses: 1 l2_streamer: true"),
        std::string("outstanding_l1_misses: 10 outstanding_l2_misses: 16 "
                    "next_line_prefetcher: true cycles_per_access: 3")}) {
    MemorySystem ms(Topo(Machine(timing)));
    std::mt19937_64 rng(42);
    double time = 0;
    for (int op = 0; op < 2000; ++op) {
      const int core = static_cast<int>(rng() % 4);
      std::vector<MemoryAccess> a(1 + rng() % 24);
      uint64_t address = (rng() % 8192) * kPage + (rng() % 64) * kLine;
      for (MemoryAccess& m : a) {
        // Mostly walks (prefetchers follow them), sometimes a jump; a few cross a line.
        address = rng() % 4 == 0 ? (rng() % 8192) * kPage + (rng() % 64) * kLine : address + kLine;
        address %= 8192 * kPage;
        const uint32_t r = static_cast<uint32_t>(rng() % 16);
        m.address = address + (r == 0 ? kLine - 4 : 0);
        m.bytes = 8;
        m.kind = r < 10 ? AccessKind::kRead : r < 14 ? AccessKind::kWrite : AccessKind::kAtomic;
        m.depends_on_previous = rng() % 3 == 0;
      }
      ms.SyncCore(core, time);
      const double ns = ms.AccessBatch(a.data(), a.size(), core, nullptr);
      ASSERT_NEAR(ms.batch_sources().Sum(), ns, 1e-9 * ns) << timing << " op " << op;
      // Only the issue spacing (Timing.cycles_per_access) is non-memory work in a batch.
      if (timing.find("cycles_per_access") == std::string::npos) {
        EXPECT_EQ(ms.batch_sources()[LatencySource::kCompute], 0);
      }
      time += 50;
    }
    EXPECT_GT(ms.stats().hitm, 0u) << timing;
    EXPECT_GT(ms.stats().dram_remote_socket, 0u) << timing;
  }
}

}  // namespace
}  // namespace memsim::hw
