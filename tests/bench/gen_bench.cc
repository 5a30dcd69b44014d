// Generation speed of the synthetic workloads: events/s into a counting sink (the generator
// alone) and into a .mtrace file (generator + TraceWriter), and bytes/event on disk.
#include <unistd.h>

#include <string>

#include "benchmark/benchmark.h"
#include "sim/workload/builtin_workloads.h"
#include "sim/workload/event_sink.h"
#include "sim/workload/trace_generator.h"
#include "tests/bench/bench_util.h"

namespace memsim::workload {
namespace {

const char* const kWorkloads[] = {"anon", "pagecache", "slab", "numa", "fragment"};

class CountingSink : public EventSink {
 public:
  absl::Status AddSnapshotRun(const SnapshotRun&) override { return absl::OkStatus(); }
  absl::Status Add(const Event& e) override {
    checksum_ += e.pfn ^ e.time_ns;
    ++events;
    return absl::OkStatus();
  }
  uint64_t events = 0;
  uint64_t checksum_ = 0;
};

WorkloadParams Params(uint64_t events) {
  WorkloadParams p;  // the defaults of `memsim gen`: 2 nodes × 4 GiB, 8 CPUs
  p.events = events;
  return p;
}

const WorkloadRegistry& Registry() {
  static WorkloadRegistry* r = [] {
    auto* reg = new WorkloadRegistry;
    RegisterBuiltinWorkloads(*reg);
    return reg;
  }();
  return *r;
}

void BM_Generate(benchmark::State& state) {
  const std::string name = kWorkloads[state.range(0)];
  state.SetLabel(name);
  uint64_t events = 0;
  for (auto _ : state) {
    auto w = Registry().Create(name, Params(static_cast<uint64_t>(state.range(1))));
    CountingSink sink;
    if (!w.ok() || !(*w)->Generate(&sink).ok()) state.SkipWithError("generation failed");
    events += sink.events;
    benchmark::DoNotOptimize(sink.checksum_);
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = static_cast<double>(bench::PeakRssBytes()) / (1 << 20);
}

void BM_GenerateToFile(benchmark::State& state) {
  const std::string name = kWorkloads[state.range(0)];
  state.SetLabel(name);
  const std::string path = bench::TmpPath(name + ".mtrace");
  uint64_t events = 0, bytes = 0;
  for (auto _ : state) {
    auto r = GenerateTraceFile(Registry(), name, Params(static_cast<uint64_t>(state.range(1))),
                               path, "gen_bench");
    if (!r.ok()) state.SkipWithError("generation failed");
    events += r->events;
    bytes += r->bytes;
  }
  unlink(path.c_str());
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["bytes/event"] = events ? static_cast<double>(bytes) / events : 0;
}

BENCHMARK(BM_Generate)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {2'000'000}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_GenerateToFile)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {2'000'000}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace memsim::workload

BENCHMARK_MAIN();
