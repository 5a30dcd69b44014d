// Fuzz target: the kpageflags importer on a dump and its ".meta" companion. The input is
// "<meta text>\0<dump bytes>" (no NUL: no .meta file). A successful import must read back.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/trace/import/importer.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string dump = fuzz::ScratchPath("kpageflags.bin");
  if (nul == std::string_view::npos) {
    unlink((dump + ".meta").c_str());
    fuzz::WriteScratch("kpageflags.bin", all);
  } else {
    fuzz::WriteScratch("kpageflags.bin.meta", all.substr(0, nul));
    fuzz::WriteScratch("kpageflags.bin", all.substr(nul + 1));
  }
  static ImporterRegistry* registry = [] {
    auto* r = new ImporterRegistry;
    RegisterBuiltinImporters(*r);
    return r;
  }();
  const std::string out = fuzz::ScratchPath("out.mtrace");
  auto writer = TraceWriter::Create(out);
  MEMSIM_FUZZ_CHECK(writer.ok(), "scratch writer");
  ImportStats stats;
  std::unique_ptr<Importer> importer = registry->Create("kpageflags");
  if (!importer->Import(dump, ImportOptions{}, writer->get(), &stats).ok()) return 0;
  if (!(*writer)->Finish().ok()) return 0;
  auto reader = TraceReader::Open(out);
  MEMSIM_FUZZ_CHECK(reader.ok(), "import output has a readable header");
  std::vector<SnapshotRun> runs;
  for (;;) {
    auto more = (*reader)->NextSnapshotRuns(&runs);
    MEMSIM_FUZZ_CHECK(more.ok(), "import output snapshot reads back");
    if (!*more) break;
  }
  std::vector<Event> events;
  for (;;) {
    auto more = (*reader)->NextEvents(&events);
    MEMSIM_FUZZ_CHECK(more.ok(), "import output reads back");
    if (!*more) break;
  }
  return 0;
}
