// A floor for the replay rate (issue 12): what the plainest three-level cache simulator costs
// on this host for the line accesses a replay makes. It reads an access dump written by
// `memsim replay --dump_accesses=A.csv` (docs/replay.md) and runs its accesses through
// per-core L1d and L2 and a per-socket LLC, each set-associative with true LRU by age stamps,
// the way a textbook simulator does it: no coherence, no prefetchers, no timing, no
// bandwidth, no metadata model. Whatever memsim does per access is on top of this.
//
// The geometry is the 2-socket Skylake-SP's (configs/machines/skylake-sp-2s-gold6140.textproto:
// 32 KiB 8-way L1d, 1 MiB 16-way L2, 24.75 MiB 11-way LLC per socket, 18 cores a socket).
//
// Run: cmake --build build --target lru_floor_bench &&
//      MEMSIM_FLOOR_DUMP=A.csv MEMSIM_FLOOR_EVENTS=N ./build/bench/lru_floor_bench
// N is the replay's `num_events` (its result JSON), for the events/s counter.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace {

constexpr int kLineShift = 6;
constexpr int kCoresPerSocket = 18;

struct Access {
  uint64_t line;
  int32_t core;
};

class LruCache {
 public:
  LruCache(uint64_t bytes, int ways)
      : ways_(ways), sets_((bytes >> kLineShift) / ways), slots_(sets_ * ways) {}

  // True on a hit; on a miss the line replaces the set's least recently used way.
  bool Touch(uint64_t line) {
    const size_t base = (line % sets_) * ways_;
    ++clock_;
    size_t victim = base;
    for (size_t w = base; w < base + ways_; ++w) {
      if (slots_[w].tag == line) {
        slots_[w].stamp = clock_;
        return true;
      }
      if (slots_[w].stamp < slots_[victim].stamp) victim = w;
    }
    slots_[victim] = {line, clock_};
    return false;
  }

 private:
  // A set's ways side by side (tag and last-use stamp), so a lookup reads one set's lines.
  struct Slot {
    uint64_t tag = ~uint64_t{0};
    uint64_t stamp = 0;
  };
  size_t ways_;
  uint64_t sets_;
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;
};

// The dump's columns: time_ns,cpu,address,size,kind,event_kind. An access that crosses a line
// boundary is one access per line, as in the replay.
std::vector<Access> LoadDump(const char* path) {
  std::vector<Access> out;
  std::ifstream in(path);
  std::string row;
  std::getline(in, row);  // header
  while (std::getline(in, row)) {
    const char* p = row.c_str();
    const char* cpu = std::strchr(p, ',');
    if (cpu == nullptr) break;
    char* end = nullptr;
    const long core = std::strtol(cpu + 1, &end, 10);
    const uint64_t address = std::strtoull(end + 1, &end, 16);
    const uint64_t size = std::strtoull(end + 1, &end, 10);
    const uint64_t last = address + (size == 0 ? 0 : size - 1);
    for (uint64_t line = address >> kLineShift; line <= last >> kLineShift; ++line) {
      out.push_back({line, static_cast<int32_t>(core)});
    }
  }
  return out;
}

struct Misses {
  int64_t l1 = 0;
  int64_t llc = 0;
};

// Out of line so that callgrind can count its instructions alone
// (`--toggle-collect='*SimulateThreeLevels*'`).
[[gnu::noinline]] Misses SimulateThreeLevels(const std::vector<Access>& accesses,
                                             std::vector<LruCache>& l1, std::vector<LruCache>& l2,
                                             std::vector<LruCache>& llc) {
  Misses m;
  for (const Access& a : accesses) {
    if (l1[a.core].Touch(a.line)) continue;
    ++m.l1;
    if (l2[a.core].Touch(a.line)) continue;
    if (!llc[a.core / kCoresPerSocket].Touch(a.line)) ++m.llc;
  }
  return m;
}

void BM_PlainThreeLevelLru(benchmark::State& state) {
  const char* path = std::getenv("MEMSIM_FLOOR_DUMP");
  if (path == nullptr) {
    state.SkipWithError("set MEMSIM_FLOOR_DUMP to a `memsim replay --dump_accesses=A.csv` dump");
    return;
  }
  const std::vector<Access> accesses = LoadDump(path);
  if (accesses.empty()) {
    state.SkipWithError("the dump has no accesses");
    return;
  }
  int cores = 0;
  for (const Access& a : accesses) cores = std::max(cores, a.core + 1);
  const int sockets = (cores + kCoresPerSocket - 1) / kCoresPerSocket;
  Misses misses;
  for (auto _ : state) {
    state.PauseTiming();  // the caches' construction (page faults) is not the floor
    std::vector<LruCache> l1, l2, llc;
    for (int c = 0; c < cores; ++c) {
      l1.emplace_back(32 << 10, 8);
      l2.emplace_back(1 << 20, 16);
    }
    for (int s = 0; s < sockets; ++s) llc.emplace_back(uint64_t{99} << 18, 11);  // 24.75 MiB
    state.ResumeTiming();
    misses = SimulateThreeLevels(accesses, l1, l2, llc);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(accesses.size()));
  state.counters["line_accesses"] = static_cast<double>(accesses.size());
  state.counters["l1_misses"] = static_cast<double>(misses.l1);
  state.counters["llc_misses"] = static_cast<double>(misses.llc);
  if (const char* events = std::getenv("MEMSIM_FLOOR_EVENTS")) {
    state.counters["events/s"] = benchmark::Counter(
        static_cast<double>(std::atoll(events)) * state.iterations(), benchmark::Counter::kIsRate);
  }
}
BENCHMARK(BM_PlainThreeLevelLru)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
