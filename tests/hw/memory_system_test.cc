// MemorySystem: hand-computed sequences on a tiny machine, and exact agreement with the
// brute-force ReferenceMemorySystem on random and adversarial streams.
#include "sim/hw/memory_system.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/hw/cache.h"
#include "sim/hw/machine_loader.h"
#include "tests/hw/reference_memory_system.h"

namespace memsim::hw {
namespace {

// 2 sockets x 2 cores at 1 GHz (1 cycle = 1 ns). L1d 2 sets x 2 ways, L2 4 sets x 2 ways,
// LLC 8 sets x 4 ways. Node 0 = pfns [0, 16) on socket 0, node 1 = [16, 32) on socket 1.
// DRAM 100 ns local, 150 ns remote.
config::Machine TinyMachine(bool inclusive = false) {
  auto m = ParseMachineText(R"spec(
    name: "tiny" sockets: 2 cores_per_socket: 2 clock_ghz: 1 line_bytes: 64
    l1d { size_bytes: 256 ways: 2 line_bytes: 64 hit_latency_cycles: 1 }
    l2 { size_bytes: 512 ways: 2 line_bytes: 64 hit_latency_cycles: 10 }
    llc { size_bytes: 2048 ways: 4 line_bytes: 64 hit_latency_cycles: 40 }
    node { id: 0 socket: 0 memory_bytes: 65536 start_pfn: 0 end_pfn: 16 dram_bandwidth_bytes_per_s: 1e10 }
    node { id: 1 socket: 1 memory_bytes: 65536 start_pfn: 16 end_pfn: 32 dram_bandwidth_bytes_per_s: 1e10 }
    latency_ns: [ 100, 150, 150, 100 ]
    link { name: "x" bandwidth_bytes_per_s: 1e10 latency_ns: 10 }
    route { from_socket: 0 to_socket: 1 links: "x" }
    route { from_socket: 1 to_socket: 0 links: "x" }
  )spec",
                            "tiny");
  EXPECT_TRUE(m.ok()) << m.status();
  m->mutable_llc()->set_inclusive(inclusive);
  return *m;
}

MachineTopology Topo(const config::Machine& m) {
  auto t = MachineTopology::Create(m);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

constexpr uint64_t kLine = 64;
constexpr uint64_t kNode1 = 16 * 4096;  // first byte of node 1

TEST(MemorySystemTest, ColdMissThenL1Hit) {
  MemorySystem ms(Topo(TinyMachine()));
  EXPECT_DOUBLE_EQ(ms.Access(0, 8, AccessKind::kRead, 0), 100);
  EXPECT_DOUBLE_EQ(ms.Access(8, 8, AccessKind::kRead, 0), 1);
  EXPECT_DOUBLE_EQ(ms.Access(kNode1, 8, AccessKind::kRead, 0), 150);
  const AccessStats& s = ms.stats();
  EXPECT_EQ(s.accesses, 3u);
  EXPECT_EQ(s.l1_hits, 1u);
  EXPECT_EQ(s.l1_misses, 2u);
  EXPECT_EQ(s.dram_local, 1u);
  EXPECT_EQ(s.dram_remote_socket, 1u);
  EXPECT_EQ(s.dram_by_node[1], 1u);
  EXPECT_DOUBLE_EQ(s.latency_ns, 251);
}

TEST(MemorySystemTest, SpanningAccessCountsTwoLines) {
  MemorySystem ms(Topo(TinyMachine()));
  EXPECT_DOUBLE_EQ(ms.Access(60, 8, AccessKind::kRead, 0), 200);  // lines 0 and 1
  EXPECT_EQ(ms.stats().line_accesses, 2u);
  EXPECT_EQ(ms.stats().accesses, 1u);
  EXPECT_DOUBLE_EQ(ms.Access(64, 64, AccessKind::kRead, 0), 1);  // exactly line 1
  EXPECT_DOUBLE_EQ(ms.Access(0, 128, AccessKind::kRead, 0), 2);  // lines 0 and 1
  EXPECT_EQ(ms.stats().line_accesses, 5u);
}

TEST(MemorySystemTest, LruEvictsLeastRecentlyUsedAndL2Catches) {
  MemorySystem ms(Topo(TinyMachine()));
  // Lines 0, 2, 4 share L1 set 0 (2 sets); in L2 (4 sets) lines 0 and 4 share set 0.
  ms.Access(0 * kLine, 8, AccessKind::kRead, 0);
  ms.Access(2 * kLine, 8, AccessKind::kRead, 0);
  ms.Access(0 * kLine, 8, AccessKind::kRead, 0);                        // L1 hit: 0 becomes MRU
  ms.Access(4 * kLine, 8, AccessKind::kRead, 0);                        // evicts 2 from L1
  EXPECT_DOUBLE_EQ(ms.Access(0 * kLine, 8, AccessKind::kRead, 0), 1);   // still in L1
  EXPECT_DOUBLE_EQ(ms.Access(2 * kLine, 8, AccessKind::kRead, 0), 10);  // L2 hit
  EXPECT_EQ(ms.stats().l1_hits, 2u);
  EXPECT_EQ(ms.stats().l2_hits, 1u);
  EXPECT_EQ(ms.stats().dram_local, 3u);
}

TEST(MemorySystemTest, NonInclusiveLlcCatchesL2Victims) {
  MemorySystem ms(Topo(TinyMachine(false)));
  // L2 set 0 holds 2 ways: lines 0, 4, 8 all map there; 0 is evicted to the LLC.
  for (uint64_t l : {0, 4, 8}) ms.Access(l * kLine, 8, AccessKind::kRead, 0);
  EXPECT_TRUE(ms.InLlc(0, 0));
  EXPECT_FALSE(ms.InL2(0, 0));
  EXPECT_DOUBLE_EQ(ms.Access(0, 8, AccessKind::kRead, 0), 40);  // LLC hit
  EXPECT_EQ(ms.stats().llc_hits, 1u);
}

TEST(MemorySystemTest, InclusiveLlcEvictionRemovesPrivateCopies) {
  config::Machine m = TinyMachine(true);
  // LLC of 1 set x 2 ways: the third line evicts the first from every level.
  m.mutable_llc()->set_size_bytes(128);
  m.mutable_llc()->set_ways(2);
  MemorySystem ms(Topo(m));
  ms.Access(0 * kLine, 8, AccessKind::kRead, 0);
  ms.Access(1 * kLine, 8, AccessKind::kRead, 0);
  ms.Access(2 * kLine, 8, AccessKind::kRead, 0);
  EXPECT_FALSE(ms.InL1(0, 0));
  EXPECT_FALSE(ms.InL2(0, 0));
  EXPECT_DOUBLE_EQ(ms.Access(0, 8, AccessKind::kRead, 0), 100);  // back to DRAM
  EXPECT_EQ(ms.stats().dram_local, 4u);
}

TEST(MemorySystemTest, CrossSocketWriteInvalidatesAndNextReaderPaysHitm) {
  MemorySystem ms(Topo(TinyMachine()));
  const uint64_t x = 5 * kLine;
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kWrite, 0), 100);  // socket 0 owns it modified
  // Core 2 (socket 1, home node 1) reads: HITM from socket 0 = latency[1][0] = 150.
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 2), 150);
  EXPECT_EQ(ms.stats().hitm, 1u);
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 2), 1);  // now shared, clean
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 0), 1);  // the owner kept its copy
  // Core 2 writes: its L1 hit must invalidate socket 0's copies, at the HITM cost.
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kAtomic, 2), 150);
  EXPECT_EQ(ms.stats().remote_invalidations, 1u);
  EXPECT_FALSE(ms.InL1(0, x));
  EXPECT_FALSE(ms.InL2(0, x));
  // Core 0 reads again: modified on socket 1 -> HITM = latency[0][1] = 150.
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 0), 150);
  EXPECT_EQ(ms.stats().hitm, 2u);
  EXPECT_EQ(ms.stats().atomics, 1u);
  EXPECT_EQ(ms.stats().writes, 1u);
}

// The directory holds private copies only; a modified line that only the LLC holds keeps
// its modified state there (an LLC dirty bit), and moves it back into the directory when a
// core of the socket reads it again.
TEST(MemorySystemTest, ModifiedLineOnlyInTheLlcStaysModified) {
  MemorySystem ms(Topo(TinyMachine(false)));
  // Lines 0, 4, 8 share L1d set 0 and L2 set 0 (2 ways each): after the two reads, line 0
  // left core 0's L1d and L2 for the LLC; lines 4 and 8 are in both private caches.
  EXPECT_DOUBLE_EQ(ms.Access(0 * kLine, 8, AccessKind::kWrite, 0), 100);
  for (uint64_t l : {4, 8}) ms.Access(l * kLine, 8, AccessKind::kRead, 0);
  // Same with lines 1, 5, 9 (set 1 of both).
  EXPECT_DOUBLE_EQ(ms.Access(1 * kLine, 8, AccessKind::kWrite, 0), 100);
  for (uint64_t l : {5, 9}) ms.Access(l * kLine, 8, AccessKind::kRead, 0);
  EXPECT_TRUE(ms.InLlc(0, 0 * kLine));
  EXPECT_FALSE(ms.InL2(0, 0 * kLine));
  EXPECT_FALSE(ms.InL1(0, 0 * kLine));
  EXPECT_EQ(ms.directory_size(), 4u);  // lines 4, 5, 8, 9
  // Core 2 (socket 1) reads line 0: modified in socket 0's LLC, HITM = latency[1][0].
  EXPECT_DOUBLE_EQ(ms.Access(0 * kLine, 8, AccessKind::kRead, 2), 150);
  EXPECT_EQ(ms.stats().hitm, 1u);
  // Core 1 (socket 0) reads line 1 from its LLC; then core 2's read still pays HITM.
  EXPECT_DOUBLE_EQ(ms.Access(1 * kLine, 8, AccessKind::kRead, 1), 40);
  EXPECT_EQ(ms.directory_size(), 6u);
  EXPECT_DOUBLE_EQ(ms.Access(1 * kLine, 8, AccessKind::kRead, 2), 150);
  EXPECT_EQ(ms.stats().hitm, 2u);
  // Both lines are clean now: a third reader on socket 1 is served by its peer, core 2.
  EXPECT_DOUBLE_EQ(ms.Access(0 * kLine, 8, AccessKind::kRead, 3), 40);
  EXPECT_EQ(ms.stats().peer_forwards, 1u);
}

TEST(MemorySystemTest, FixedHitmLatencyOverridesMatrix) {
  config::Machine m = TinyMachine();
  m.mutable_coherence()->set_remote_hitm_ns(175);
  MemorySystem ms(Topo(m));
  ms.Access(0, 8, AccessKind::kWrite, 1);
  EXPECT_DOUBLE_EQ(ms.Access(0, 8, AccessKind::kRead, 3), 175);
}

TEST(MemorySystemTest, SameSocketPeersForwardAndInvalidate) {
  MemorySystem ms(Topo(TinyMachine()));
  const uint64_t y = 7 * kLine;
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kRead, 0), 100);
  // Core 1 misses L1, L2 and the (non-inclusive, unfilled) LLC: core 0 forwards, LLC cost.
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kRead, 1), 40);
  EXPECT_EQ(ms.stats().peer_forwards, 1u);
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 1), 1);  // L1 hit, no remote copies
  EXPECT_EQ(ms.stats().peer_invalidations, 1u);
  EXPECT_FALSE(ms.InL1(0, y));
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kRead, 0), 40);
  EXPECT_EQ(ms.stats().peer_forwards, 2u);
  EXPECT_EQ(ms.stats().dram(), 1u);
}

// A write hit to a line the core already holds modified and alone skips the directory
// (MemorySystem::owned_); a peer's read must end that, so the next write invalidates it.
TEST(MemorySystemTest, OwnedLineLosesOwnershipWhenAPeerReadsIt) {
  MemorySystem ms(Topo(TinyMachine()));
  const uint64_t y = 7 * kLine;
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 0), 100);  // DRAM, now owned
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 0), 1);    // owned: L1 hit only
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kAtomic, 0), 1);
  EXPECT_EQ(ms.stats().peer_invalidations, 0u);
  // Core 1 reads: forwarded by core 0 (LLC cost); the line stays modified in socket 0.
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kRead, 1), 40);
  EXPECT_EQ(ms.stats().peer_forwards, 1u);
  // Core 0's next write is no longer a bare hit: it invalidates core 1's copy.
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 0), 1);
  EXPECT_EQ(ms.stats().peer_invalidations, 1u);
  EXPECT_FALSE(ms.InL1(1, y));
  EXPECT_FALSE(ms.InL2(1, y));
  // Owned again: core 1 reading once more is forwarded again, and invalidated again.
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 0), 1);
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kRead, 1), 40);
  EXPECT_DOUBLE_EQ(ms.Access(y, 8, AccessKind::kWrite, 0), 1);
  EXPECT_EQ(ms.stats().peer_invalidations, 2u);
  EXPECT_EQ(ms.stats().peer_forwards, 2u);
  EXPECT_EQ(ms.stats().dram(), 1u);
}

TEST(MemorySystemTest, OwnedLineLosesOwnershipWhenAnotherSocketReadsIt) {
  MemorySystem ms(Topo(TinyMachine()));
  const uint64_t x = 5 * kLine;
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kWrite, 0), 100);
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kWrite, 0), 1);  // owned
  // Core 2 (socket 1) reads: HITM = latency[1][0]; both copies clean afterwards.
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 2), 150);
  EXPECT_EQ(ms.stats().hitm, 1u);
  // Core 0 writes: socket 1's copy is invalidated at the HITM cost latency[0][1].
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kWrite, 0), 150);
  EXPECT_EQ(ms.stats().remote_invalidations, 1u);
  EXPECT_FALSE(ms.InL1(2, x));
  // Owned again: a bare hit, and socket 1's next read pays HITM again.
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kWrite, 0), 1);
  EXPECT_EQ(ms.stats().remote_invalidations, 1u);
  EXPECT_DOUBLE_EQ(ms.Access(x, 8, AccessKind::kRead, 2), 150);
  EXPECT_EQ(ms.stats().hitm, 2u);
}

TEST(MemorySystemTest, UnmappedAddressIsChargedAsLocal) {
  MemorySystem ms(Topo(TinyMachine()));
  EXPECT_DOUBLE_EQ(ms.Access(1 << 20, 8, AccessKind::kRead, 2), 100);
  EXPECT_EQ(ms.stats().unmapped, 1u);
  EXPECT_EQ(ms.stats().dram_by_node[1], 1u);
}

TEST(MemorySystemTest, CapacityShareReducesWays) {
  config::Machine m = TinyMachine();
  m.mutable_l1d()->set_ways(4);
  m.mutable_l1d()->set_size_bytes(512);  // 2 sets x 4 ways
  m.set_metadata_cache_share(0.5);
  MemorySystem ms(Topo(m));
  EXPECT_EQ(ms.l1_ways(), 2u);
  EXPECT_EQ(ms.l2_ways(), 1u);
  EXPECT_EQ(ms.llc_ways(), 2u);
  // Three lines of one L1 set cycle through 2 ways: never an L1 hit.
  for (int round = 0; round < 3; ++round) {
    for (uint64_t l : {0, 2, 4}) ms.Access(l * kLine, 8, AccessKind::kRead, 0);
  }
  EXPECT_EQ(ms.stats().l1_hits, 0u);
}

TEST(MemorySystemTest, ResetStatsKeepsCacheContents) {
  MemorySystem ms(Topo(TinyMachine()));
  ms.Access(0, 8, AccessKind::kRead, 0);
  ms.ResetStats();
  EXPECT_EQ(ms.stats().accesses, 0u);
  EXPECT_DOUBLE_EQ(ms.Access(0, 8, AccessKind::kRead, 0), 1);
  EXPECT_EQ(ms.stats().dram_by_node.size(), 2u);
}

// --- Agreement with the brute-force reference. ---

void ExpectSameStats(const AccessStats& a, const AccessStats& b, const std::string& where) {
  ExpectSameCounts(a, b, where);
  EXPECT_DOUBLE_EQ(a.latency_ns, b.latency_ns) << where;
  // Internal consistency of the counters.
  EXPECT_EQ(a.l1_hits + a.l1_misses, a.line_accesses) << where;
  EXPECT_EQ(a.l2_hits + a.l2_misses, a.l1_misses) << where;
  EXPECT_EQ(a.llc_hits + a.llc_misses, a.l2_misses) << where;
  EXPECT_EQ(a.hitm + a.peer_forwards + a.dram(), a.llc_misses) << where;
}

struct Op {
  uint64_t address;
  uint32_t bytes;
  AccessKind kind;
  int core;
};

// Runs `ops` through both models, comparing every latency and, at the end, every counter.
AccessStats RunBoth(const config::Machine& m, const std::vector<Op>& ops, const std::string& name) {
  MachineTopology topo = Topo(m);
  MemorySystem fast(topo);
  ReferenceMemorySystem ref(topo);
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const double a = fast.Access(op.address, op.bytes, op.kind, op.core);
    const double b = ref.Access(op.address, op.bytes, op.kind, op.core);
    if (a != b) {
      ADD_FAILURE() << name << ": access " << i << " address " << op.address << " core " << op.core
                    << ": " << a << " ns vs reference " << b << " ns";
      break;
    }
  }
  ExpectSameStats(fast.stats(), ref.stats(), name);
  EXPECT_GT(fast.stats().dram(), 0u) << name;
  return fast.stats();
}

AccessKind RandomKind(std::mt19937_64& rng, int write_percent) {
  const int r = static_cast<int>(rng() % 100);
  if (r < write_percent / 2) return AccessKind::kAtomic;
  if (r < write_percent) return AccessKind::kWrite;
  return AccessKind::kRead;
}

std::vector<Op> RandomStream(uint64_t seed, int n, uint64_t lines, int cores, int write_percent,
                             uint64_t base = 0) {
  std::mt19937_64 rng(seed);
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i) {
    const uint64_t line = rng() % lines;
    const uint32_t offset = static_cast<uint32_t>(rng() % 64);
    const uint32_t bytes = (rng() % 8 == 0) ? 80 : 8;  // some accesses span two lines
    ops.push_back({base + line * kLine + offset, bytes, RandomKind(rng, write_percent),
                   static_cast<int>(rng() % cores)});
  }
  return ops;
}

TEST(MemorySystemReferenceTest, RandomStreamsOnTinyMachines) {
  for (bool inclusive : {false, true}) {
    for (auto policy : {config::REPLACEMENT_LRU, config::REPLACEMENT_FIFO}) {
      for (double share : {1.0, 0.5}) {
        config::Machine m = TinyMachine(inclusive);
        m.set_metadata_cache_share(share);
        for (auto* c : {m.mutable_l1d(), m.mutable_l2(), m.mutable_llc()}) c->set_policy(policy);
        for (uint64_t seed = 1; seed <= 3; ++seed) {
          const std::string name =
              "inclusive=" + std::to_string(inclusive) + " policy=" + std::to_string(policy) +
              " share=" + std::to_string(share) + " seed=" + std::to_string(seed);
          // 2048 lines cover both nodes and some unmapped space above them.
          const AccessStats s = RunBoth(m, RandomStream(seed, 20000, 2200, 4, 30), name);
          // The stream reaches every outcome.
          EXPECT_GT(s.l1_hits, 0u) << name;
          EXPECT_GT(s.l2_hits, 0u) << name;
          EXPECT_GT(s.llc_hits, 0u) << name;
          EXPECT_GT(s.hitm, 0u) << name;
          EXPECT_GT(s.unmapped, 0u) << name;
          EXPECT_GT(s.remote_invalidations, 0u) << name;
          if (!inclusive) {
            EXPECT_GT(s.peer_forwards, 0u) << name;
          }
        }
      }
    }
  }
}

TEST(MemorySystemReferenceTest, AdversarialStreams) {
  for (bool inclusive : {false, true}) {
    const config::Machine m = TinyMachine(inclusive);
    const std::string tag = inclusive ? " inclusive" : " non-inclusive";
    // 1. One LLC set hammered from every core: lines that are multiples of 8.
    {
      std::mt19937_64 rng(7);
      std::vector<Op> ops;
      for (int i = 0; i < 5000; ++i) {
        ops.push_back(
            {(rng() % 12) * 8 * kLine, 8, RandomKind(rng, 20), static_cast<int>(rng() % 4)});
      }
      RunBoth(m, ops, "one-set" + tag);
    }
    // 2. Write ping-pong of a few lines between the sockets.
    {
      std::vector<Op> ops;
      for (int i = 0; i < 4000; ++i) {
        ops.push_back({static_cast<uint64_t>(i % 3) * kLine, 8,
                       i % 5 == 0 ? AccessKind::kRead : AccessKind::kAtomic, (i * 7) % 4});
      }
      const AccessStats s = RunBoth(m, ops, "ping-pong" + tag);
      EXPECT_GT(s.hitm, 1000u);
    }
    // 3. Sequential scans larger than the LLC, repeated, from two cores of one socket.
    {
      std::vector<Op> ops;
      for (int round = 0; round < 6; ++round) {
        for (uint64_t l = 0; l < 96; ++l) {
          ops.push_back(
              {l * kLine, 64, round % 3 == 2 ? AccessKind::kWrite : AccessKind::kRead, round % 2});
        }
      }
      RunBoth(m, ops, "scan" + tag);
    }
    // 4. Reader on one socket, writer on the other, sharing a working set that fits.
    {
      std::mt19937_64 rng(11);
      std::vector<Op> ops;
      for (int i = 0; i < 6000; ++i) {
        const bool writer = rng() % 4 == 0;
        ops.push_back({kNode1 + (rng() % 20) * kLine, 8,
                       writer ? AccessKind::kWrite : AccessKind::kRead,
                       writer ? 2 + static_cast<int>(rng() % 2) : static_cast<int>(rng() % 2)});
      }
      RunBoth(m, ops, "reader-writer" + tag);
    }
  }
}

TEST(MemorySystemReferenceTest, RandomStreamOnShippedMachines) {
  for (const char* path : {"configs/machines/skylake-sp-2s-gold6140.textproto",
                           "configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto",
                           "configs/machines/ivybridge-ex-4s-e7-4890v2.textproto"}) {
    auto m = LoadMachine(path);
    ASSERT_TRUE(m.ok()) << m.status();
    // Shrink the caches' share so a short stream reaches every level.
    m->set_metadata_cache_share(0.1);
    const uint64_t node_bytes = m->node(0).memory_bytes();
    std::mt19937_64 rng(3);
    std::vector<Op> ops;
    const int cores = static_cast<int>(m->sockets() * m->cores_per_socket());
    for (int i = 0; i < 30000; ++i) {
      // Hot lines spread over all nodes plus a cold stream, from a few cores.
      const uint64_t node = rng() % m->node_size();
      const uint64_t base = m->node(node).start_pfn() * 4096;
      const uint64_t line = (rng() % 2 == 0) ? rng() % 64 : rng() % (node_bytes / kLine / 1024);
      ops.push_back({base + line * 1024 * kLine % m->node(node).memory_bytes(), 8,
                     RandomKind(rng, 25), static_cast<int>(rng() % 6) * (cores / 6)});
    }
    RunBoth(*m, ops, path);
  }
}

}  // namespace
}  // namespace memsim::hw

namespace memsim::hw {
namespace {

// AccessBatch is exactly a loop of Access(): same latencies, same counters.
TEST(MemorySystemBatchTest, BatchEqualsSingleAccesses) {
  for (bool inclusive : {false, true}) {
    const MachineTopology topo = Topo(TinyMachine(inclusive));
    MemorySystem single(topo), batched(topo);
    const std::vector<Op> ops = RandomStream(5, 6000, 2200, 1, 30);
    std::vector<MemoryAccess> batch;
    for (const Op& op : ops) batch.push_back({op.address, op.bytes, op.kind});
    std::vector<double> per(batch.size());
    double sum = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      const double ns = single.Access(ops[i].address, ops[i].bytes, ops[i].kind, 1);
      sum += ns;
      per[i] -= ns;
    }
    std::vector<double> got(batch.size());
    // Uneven batch sizes, including empty and single-access batches.
    double batched_sum = 0;
    size_t i = 0;
    for (size_t size : {size_t{0}, size_t{1}, size_t{2}, size_t{5}, size_t{700}, batch.size()}) {
      const size_t n = std::min(size, batch.size() - i);
      batched_sum += batched.AccessBatch(batch.data() + i, n, 1, got.data() + i);
      i += n;
    }
    ASSERT_EQ(i, batch.size());
    for (size_t k = 0; k < batch.size(); ++k) ASSERT_EQ(got[k], -per[k]) << "access " << k;
    EXPECT_EQ(batched.stats().l1_hits, single.stats().l1_hits);
    EXPECT_EQ(batched.stats().dram_local, single.stats().dram_local);
    EXPECT_EQ(batched.stats().llc_hits, single.stats().llc_hits);
    EXPECT_DOUBLE_EQ(batched.stats().latency_ns, single.stats().latency_ns);
    EXPECT_DOUBLE_EQ(batched_sum, sum);
  }
}

// Sequential streams (where Access() prefetches by predicted stride) agree with the
// reference, on both LLC kinds.
TEST(MemorySystemReferenceTest, SequentialScansWithStrides) {
  for (bool inclusive : {false, true}) {
    std::vector<Op> ops;
    for (int stride : {1, -1, 3, 1, 16, 1}) {
      uint64_t line = stride > 0 ? 10 : 2000;
      for (int i = 0; i < 600; ++i, line += stride) {
        ops.push_back({line * kLine, 64, i % 9 == 0 ? AccessKind::kWrite : AccessKind::kRead,
                       i % 50 < 45 ? 0 : 3});
      }
    }
    RunBoth(TinyMachine(inclusive), ops, inclusive ? "scans inclusive" : "scans non-inclusive");
  }
}

}  // namespace
}  // namespace memsim::hw
