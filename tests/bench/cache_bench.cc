// Speed of the per-access memory model (MemorySystem) on one host core, on the 2-socket
// Skylake-SP machine (configs/machines/skylake-sp-2s-gold6140.textproto). Every access is
// 8 bytes inside one line (one line access), except the scans' 64-byte aligned ones.
// Figures: `accesses/s` (= items_per_second) is simulated accesses per host CPU second;
// the other counters describe the stream as the model saw it (l1_hit%, dram% of lines).
//
// The two targets are measured by BM_L1HitReads ("L1 hits": 100 M/s) and
// BM_MissHeavy ("miss-heavy": 20 M/s). Neither is a realistic metadata mix; they bound it
// from both sides: BM_L1HitReads is pure instruction cost (the model's state is a few KiB),
// BM_MissHeavy is uniformly random over 128 GiB from 8 cores, so nearly every access
// misses every simulated level and touches the model's state at random (host-cache-miss
// bound). The realistic cases are BM_MetadataMix (hot/warm/cold mix), the scans (what the
// compaction trace does) and the replay itself (docs/machine-model.md "Speed").
//
// Run: cmake --build build --target cache_bench && ./build/bench/cache_bench
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/memory_system.h"

namespace memsim::hw {
namespace {

struct Op {
  uint64_t address;
  AccessKind kind;
  int core;
};

MachineTopology Skylake() {
  auto m = LoadMachine(MEMSIM_SOURCE_DIR "/configs/machines/skylake-sp-2s-gold6140.textproto");
  if (!m.ok()) std::abort();
  return *MachineTopology::Create(*m);
}

void SetRate(benchmark::State& state, int64_t accesses) {
  state.SetItemsProcessed(accesses);
  state.counters["accesses/s"] =
      benchmark::Counter(static_cast<double>(accesses), benchmark::Counter::kIsRate);
}

void Run(benchmark::State& state, const std::vector<Op>& ops) {
  MemorySystem ms(Skylake());
  for (const Op& op : ops) ms.Access(op.address, 8, op.kind, op.core);  // warm up
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    const Op& op = ops[i];
    sink += ms.Access(op.address, 8, op.kind, op.core);
    if (++i == ops.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  SetRate(state, state.iterations());
  const AccessStats& s = ms.stats();
  state.counters["l1_hit%"] = 100.0 * s.l1_hits / s.line_accesses;
  state.counters["dram%"] = 100.0 * s.dram() / s.line_accesses;
}

// 256 lines (16 KiB) from one core: every access hits L1.
void BM_L1HitReads(benchmark::State& state) {
  std::vector<Op> ops;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1 << 16; ++i) ops.push_back({(rng() % 256) * 64, AccessKind::kRead, 0});
  Run(state, ops);
}
BENCHMARK(BM_L1HitReads);

// Same working set, 20 % writes/atomics (a write hit consults the coherence directory).
void BM_L1HitMix(benchmark::State& state) {
  std::vector<Op> ops;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 1 << 16; ++i) {
    const int r = static_cast<int>(rng() % 10);
    ops.push_back({(rng() % 256) * 64,
                   r == 0   ? AccessKind::kAtomic
                   : r == 1 ? AccessKind::kWrite
                            : AccessKind::kRead,
                   0});
  }
  Run(state, ops);
}
BENCHMARK(BM_L1HitMix);

// 2^20 accesses to random lines of the first 64 GiB of node 0 or of node 1 (each half of
// the time), 10 % writes, from cores 0, 4, ..., 28 (5 on socket 0, 3 on socket 1): 0 % L1
// hits, about 84 % DRAM (the rest LLC hits and HITM from earlier passes over the stream).
std::vector<Op> MissHeavyOps(bool one_core_per_32) {
  std::vector<Op> ops;
  std::mt19937_64 rng(3);
  int core = 0;
  for (int i = 0; i < 1 << 20; ++i) {
    const uint64_t line = rng() % (uint64_t{64} << 24);
    const uint64_t node1 = (rng() % 2) * (uint64_t{0x3000000} << 12);  // node 1's first byte
    const AccessKind kind = rng() % 10 == 0 ? AccessKind::kWrite : AccessKind::kRead;
    const int random_core = static_cast<int>(rng() % 8) * 4;
    if (!one_core_per_32 || i % 32 == 0) core = random_core;
    ops.push_back({line * 64 + node1, kind, core});
  }
  return ops;
}

void BM_MissHeavy(benchmark::State& state) { Run(state, MissHeavyOps(false)); }
BENCHMARK(BM_MissHeavy);

// The same kind of stream through AccessBatch() in batches of 32 from one core (as the
// replay feeds each event's accesses): the model prefetches its own state for the accesses
// ahead, so several host cache misses overlap.
void BM_MissHeavyBatch32(benchmark::State& state) {
  const std::vector<Op> ops = MissHeavyOps(true);
  std::vector<MemoryAccess> batch(ops.size());
  for (size_t k = 0; k < ops.size(); ++k) batch[k] = {ops[k].address, 8, ops[k].kind};
  MemorySystem ms(Skylake());
  for (size_t k = 0; k < ops.size(); k += 32) ms.AccessBatch(&batch[k], 32, ops[k].core, nullptr);
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += ms.AccessBatch(&batch[i], 32, ops[i].core, nullptr);
    i += 32;
    if (i == ops.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  SetRate(state, state.iterations() * 32);
  state.counters["l1_hit%"] = 100.0 * ms.stats().l1_hits / ms.stats().line_accesses;
  state.counters["dram%"] = 100.0 * ms.stats().dram() / ms.stats().line_accesses;
}
BENCHMARK(BM_MissHeavyBatch32);

// Metadata-like: 60 % on 512 hot lines, 25 % on 64 K warm lines, 15 % cold, 10 % writes,
// 4 % atomics, from 8 cores on both sockets.
void BM_MetadataMix(benchmark::State& state) {
  std::vector<Op> ops;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 1 << 20; ++i) {
    const int r = static_cast<int>(rng() % 100);
    uint64_t line = r < 60   ? rng() % 512
                    : r < 85 ? 512 + rng() % 65536
                             : rng() % (uint64_t{1} << 30);
    const int k = static_cast<int>(rng() % 100);
    ops.push_back({line * 64,
                   k < 4    ? AccessKind::kAtomic
                   : k < 14 ? AccessKind::kWrite
                            : AccessKind::kRead,
                   static_cast<int>(rng() % 8) * 4});
  }
  Run(state, ops);
}
BENCHMARK(BM_MetadataMix);

// Like the shipped compaction trace: one core walks struct pages (one 64-byte line each)
// in address order over cold memory, through Access() (stride-predicted prefetch) and
// through AccessBatch() in batches of 32 (prefetch from the batch itself).
std::vector<MemoryAccess> ScanOps() {
  std::vector<MemoryAccess> ops;
  for (uint64_t i = 0; i < (uint64_t{1} << 22); ++i) {
    ops.push_back(
        {(uint64_t{1} << 30) + i * 64, 64, i % 10 == 0 ? AccessKind::kWrite : AccessKind::kRead});
  }
  return ops;
}

void BM_ColdScan(benchmark::State& state) {
  const std::vector<MemoryAccess> ops = ScanOps();
  MemorySystem ms(Skylake());
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += ms.Access(ops[i].address, ops[i].bytes, ops[i].kind, 18);
    if (++i == ops.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  SetRate(state, state.iterations());
  state.counters["dram%"] = 100.0 * ms.stats().dram() / ms.stats().line_accesses;
}
BENCHMARK(BM_ColdScan);

void BM_ColdScanBatch32(benchmark::State& state) {
  const std::vector<MemoryAccess> ops = ScanOps();
  MemorySystem ms(Skylake());
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += ms.AccessBatch(ops.data() + i, 32, 18, nullptr);
    i += 32;
    if (i == ops.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  SetRate(state, state.iterations() * 32);
  state.counters["dram%"] = 100.0 * ms.stats().dram() / ms.stats().line_accesses;
}
BENCHMARK(BM_ColdScanBatch32);

}  // namespace
}  // namespace memsim::hw

BENCHMARK_MAIN();
