// Physical-memory state and memmap model throughput. Prints figures, asserts nothing.
//
//   BM_Build16TiB     a 16 TiB, 8-node machine seeded from a snapshot with 100 M live
//                     folios (mixed owners, orders 0/2/9, free gaps): build time, records,
//                     host bytes of the extent store, peak RSS of the process
//   BM_Lookup16TiB    owner(pfn) of random pfns on that state: lookups/s
//   BM_AllocFree16TiB order-0 alloc + free (split + merge) at random pfns of its free tail
//   BM_ModelOps/<m>   alloc, fault lookup, map count and free of a 64 GiB node's folios
//                     through each model: ops/s and accesses/op
//
// Run: build-dir/bench/mm_bench [--benchmark_filter=...]
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/mm/phys_mem.h"
#include "tests/bench/bench_util.h"

namespace memsim {
namespace {

constexpr uint64_t kNodePages = uint64_t{1} << 29;  // 2 TiB of 4 KiB pages
constexpr int kNodes = 8;
constexpr uint64_t kFolios = 100'000'000;
// Pages of each node's free tail that the generator leaves untouched (alloc/free bench).
constexpr uint64_t kFreeTailPages = uint64_t{1} << 24;

std::unique_ptr<mm::PhysMem> g_big;

std::vector<mm::NodeLayout> BigLayout() {
  std::vector<mm::NodeLayout> nodes;
  for (int n = 0; n < kNodes; ++n) {
    nodes.push_back({static_cast<uint32_t>(n), n * kNodePages, kNodePages, {}});
  }
  return nodes;
}

// Snapshot runs of one node: runs of 1-4 folios of one owner and order, then a free gap of
// 0-31 pages, until the node's share of folios is placed.
uint64_t SeedNode(mm::PhysMem& mem, int node, uint64_t folios, std::mt19937_64& rng) {
  static constexpr trace::OwnerType kOwners[] = {trace::OWNER_ANON,   trace::OWNER_FILE,
                                                 trace::OWNER_SLAB,   trace::OWNER_PAGE_TABLE,
                                                 trace::OWNER_KERNEL, trace::OWNER_ANON};
  std::vector<SnapshotRun> runs;
  runs.reserve(1 << 20);
  uint64_t pfn = node * kNodePages;
  const uint64_t end = (node + 1) * kNodePages - kFreeTailPages;
  uint64_t placed = 0;
  while (placed < folios) {
    const uint64_t r = rng();
    const uint32_t pick = r % 100;
    const uint32_t order = pick < 79 ? 0 : (pick < 99 ? 2 : 9);
    const uint64_t m = uint64_t{1} << order;
    const uint64_t aligned = (pfn + m - 1) & ~(m - 1);
    if (aligned > pfn) runs.push_back({pfn, aligned - pfn, trace::OWNER_FREE, 0, 0});
    const uint64_t count = 1 + ((r >> 8) & 3);
    if (aligned + count * m > end) break;
    runs.push_back({aligned, count * m, kOwners[(r >> 12) % 6], order, 0});
    placed += count;
    pfn = aligned + count * m;
    const uint64_t gap = (r >> 16) & 31;
    if (gap > 0) {
      runs.push_back({pfn, gap, trace::OWNER_FREE, 0, 0});
      pfn += gap;
    }
    if (runs.size() >= (1 << 20)) {
      mem.ApplySnapshot(runs);
      runs.clear();
    }
  }
  runs.push_back({pfn, (node + 1) * kNodePages - pfn, trace::OWNER_FREE, 0, 0});
  mem.ApplySnapshot(runs);
  return placed;
}

void BM_Build16TiB(benchmark::State& state) {
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    absl::StatusOr<mm::PhysMem> mem = mm::PhysMem::Create(BigLayout());
    if (!mem.ok()) {
      state.SkipWithError(std::string(mem.status().message()).c_str());
      return;
    }
    g_big = std::make_unique<mm::PhysMem>(std::move(*mem));
    std::mt19937_64 rng(42);
    uint64_t placed = 0;
    for (int n = 0; n < kNodes; ++n) placed += SeedNode(*g_big, n, kFolios / kNodes, rng);
    g_big->Compact();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["folios"] = static_cast<double>(g_big->total_allocated_blocks());
    state.counters["folios_placed"] = static_cast<double>(placed);
    state.counters["records"] = static_cast<double>(g_big->record_count());
    state.counters["host_bytes"] = static_cast<double>(g_big->host_bytes());
    state.counters["peak_rss_bytes"] = static_cast<double>(bench::PeakRssBytes());
    state.counters["build_s"] = secs;
    std::printf(
        "16 TiB / 8 nodes: %llu live blocks, %llu records, extent store %.2f GiB, "
        "peak RSS %.2f GiB, built in %.1f s\n",
        static_cast<unsigned long long>(g_big->total_allocated_blocks()),
        static_cast<unsigned long long>(g_big->record_count()),
        g_big->host_bytes() / double(1ull << 30), bench::PeakRssBytes() / double(1ull << 30), secs);
  }
}
BENCHMARK(BM_Build16TiB)->Iterations(1)->Unit(benchmark::kSecond);

void BM_Lookup16TiB(benchmark::State& state) {
  if (!g_big) {
    state.SkipWithError("run with BM_Build16TiB first");
    return;
  }
  std::mt19937_64 rng(7);
  std::vector<uint64_t> pfns(1 << 16);
  for (uint64_t& p : pfns) p = rng() % (kNodes * kNodePages);
  size_t i = 0;
  uint64_t allocated = 0;
  for (auto _ : state) {
    const mm::BlockInfo b = g_big->Lookup(pfns[i++ & (pfns.size() - 1)]);
    allocated += b.state == mm::PageState::kAllocated;
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocated_share"] =
      static_cast<double>(allocated) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Lookup16TiB);

void BM_AllocFree16TiB(benchmark::State& state) {
  if (!g_big) {
    state.SkipWithError("run with BM_Build16TiB first");
    return;
  }
  std::mt19937_64 rng(9);
  mm::AllocResult a;
  mm::FreeResult f;
  for (auto _ : state) {
    const int node = static_cast<int>(rng() % kNodes);
    const uint64_t pfn = (node + 1) * kNodePages - 1 - rng() % kFreeTailPages;
    g_big->Alloc(pfn, 0, trace::OWNER_ANON, &a);
    g_big->Free(pfn, 0, &f);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_AllocFree16TiB);

// The same on a fresh 64 GiB node (no big build needed): mm state only.
void BM_AllocFree64GiB(benchmark::State& state) {
  const uint64_t pages = uint64_t{1} << 24;
  absl::StatusOr<mm::PhysMem> mem = mm::PhysMem::Create({{0, 0, pages, {}}});
  mem->MarkUnknownFree(0, pages);
  std::mt19937_64 rng(9);
  mm::AllocResult a;
  mm::FreeResult f;
  for (auto _ : state) {
    const uint64_t pfn = rng() % pages;
    mem->Alloc(pfn, 0, trace::OWNER_ANON, &a);
    mem->Free(pfn, 0, &f);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_AllocFree64GiB);

// Each model on a 64 GiB node: allocate 1000 folios (order 0 and 9), fault on each, map,
// free them again. Items = kernel operations.
void BM_ModelOps(benchmark::State& state, const char* config_text) {
  const std::vector<mm::NodeLayout> nodes = {{0, 0, uint64_t{1} << 24, {}}};
  absl::StatusOr<mm::PhysMem> mem = mm::PhysMem::Create(nodes);
  mem->MarkUnknownFree(0, uint64_t{1} << 24);
  memmap::ModelRegistry registry;
  memmap::RegisterBuiltinModels(registry);
  auto config = memmap::ParseMemmapModelConfig(config_text, "bench");
  auto model = registry.Create(*config, nodes);
  if (!model.ok()) {
    state.SkipWithError(std::string(model.status().message()).c_str());
    return;
  }
  std::mt19937_64 rng(3);
  std::vector<uint64_t> heads;
  mm::AllocResult a;
  mm::FreeResult f;
  memmap::AccessBuffer out;
  memmap::OpContext ctx;
  uint64_t accesses = 0;
  uint64_t ops = 0;
  for (auto _ : state) {
    heads.clear();
    for (int i = 0; i < 1000; ++i) {
      const uint32_t order = rng() % 64 == 0 ? 9 : 0;
      const uint64_t pfn = (rng() % ((uint64_t{1} << 24) - 512)) & ~((uint64_t{1} << order) - 1);
      if (mem->Lookup(pfn).state != mm::PageState::kFree) continue;
      mem->Alloc(pfn, order, trace::OWNER_ANON, &a);
      if (!a.applied || !a.displaced.empty()) continue;
      (*model)->Alloc(a, ctx, out);
      heads.push_back(pfn);
    }
    for (uint64_t h : heads) {
      const mm::BlockInfo b = mem->Lookup(h);
      (*model)->Lookup(b, h, ctx, out);
      (*model)->MapCount(b, h, ctx, out);
    }
    for (uint64_t h : heads) {
      const mm::BlockInfo b = mem->Lookup(h);
      mem->Free(h, b.order, &f);
      (*model)->Free(f, ctx, out);
    }
    ops += 4 * heads.size();
    accesses += out.size();
    out.Clear();
  }
  state.SetItemsProcessed(static_cast<int64_t>(ops));
  state.counters["accesses_per_op"] = static_cast<double>(accesses) / static_cast<double>(ops);
}
BENCHMARK_CAPTURE(BM_ModelOps, page64, "page64 {}");
BENCHMARK_CAPTURE(BM_ModelOps, page32, "page32 {}");
BENCHMARK_CAPTURE(BM_ModelOps, memdesc, "memdesc {}");
BENCHMARK_CAPTURE(BM_ModelOps, allocatee, "allocatee {}");

}  // namespace
}  // namespace memsim

BENCHMARK_MAIN();
