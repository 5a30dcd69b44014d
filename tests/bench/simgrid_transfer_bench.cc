// Speed of bulk transfers through the SimGrid platform (SimPlatform::RunBatch): batches of
// concurrent 4 KiB page copies between the two nodes of the Skylake-SP machine. One
// platform per process (SimGrid 3.32), built once. items_per_second = transfers per second.
#include <cstdlib>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/sim_platform.h"

namespace memsim::hw {
namespace {

SimPlatform& Platform() {
  static SimPlatform* platform = [] {
    auto m = LoadMachine(MEMSIM_SOURCE_DIR "/configs/machines/skylake-sp-2s-gold6140.textproto");
    if (!m.ok()) std::abort();
    auto p = SimPlatform::Create(*MachineTopology::Create(*m));
    if (!p.ok()) std::abort();
    return p->release();
  }();
  return *platform;
}

void BM_PageCopyBatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<SimPlatform::Transfer> batch;
  for (int i = 0; i < n; ++i) {
    batch.push_back(
        {SimPlatform::Endpoint::Node(i % 2), SimPlatform::Endpoint::Node(1 - i % 2), 4096, 0});
  }
  double last = 0;
  for (auto _ : state) {
    auto done = Platform().RunBatch(batch);
    if (!done.ok()) std::abort();
    last = done->back();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["batch_sim_ns"] = last;
}
BENCHMARK(BM_PageCopyBatch)->Arg(1)->Arg(16)->Arg(256);

}  // namespace
}  // namespace memsim::hw

BENCHMARK_MAIN();
