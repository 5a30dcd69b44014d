// Fuzz target: replay of an arbitrary .mtrace on the tiny 2-socket test machine with the
// page64 model (analytic copier, no SimGrid engine), with the input's CRCs repaired. Bad
// traces must end in a Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/hw/machine_loader.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/replay/bulk_copier.h"
#include "sim/replay/replayer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

struct Setup {
  memsim::config::Machine machine;
  memsim::config::MemmapModelConfig model;
  std::unique_ptr<memsim::hw::MachineTopology> topology;
  std::unique_ptr<memsim::replay::BulkCopier> copier;
};

const Setup& GetSetup() {
  static Setup* s = [] {
    auto* s = new Setup;
    auto machine =
        memsim::hw::LoadMachine(MEMSIM_SOURCE_DIR "/tests/replay/testdata/tiny-2s.textproto");
    if (!machine.ok()) abort();
    s->machine = *machine;
    auto model = memsim::memmap::LoadMemmapModelConfig(
        MEMSIM_SOURCE_DIR "/configs/models/page64.textproto", memsim::memmap::BuiltinModels());
    if (!model.ok()) abort();
    s->model = *model;
    s->topology = std::make_unique<memsim::hw::MachineTopology>(s->machine);  // validated
    s->copier = memsim::replay::NewAnalyticCopier(*s->topology);
    return s;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const Setup& s = GetSetup();
  // CRCs repaired: what matters here is what replay does with the decoded values.
  std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::RepairCrcs(&bytes);
  const std::string path = fuzz::WriteScratch("replay.mtrace", bytes);
  replay::ReplayOptions options;
  (void)replay::Replay(path, s.model, memmap::BuiltinModels(), s.copier.get(), options);
  return 0;
}
