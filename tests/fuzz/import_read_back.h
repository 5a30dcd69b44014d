// Shared by the importer fuzz targets: import a scratch file with a builtin importer and, when
// the import succeeds, check that memsim's own reader accepts every snapshot run and event of
// what it wrote (an importer must never write a trace its reader rejects).
#ifndef MEMSIM_TESTS_FUZZ_IMPORT_READ_BACK_H_
#define MEMSIM_TESTS_FUZZ_IMPORT_READ_BACK_H_

#include <memory>
#include <string>
#include <vector>

#include "sim/trace/import/importer.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/fuzz/fuzz_util.h"

namespace memsim::fuzz {

// Returns whether the import succeeded.
inline bool ImportAndReadBack(const std::string& importer_name, const std::string& input,
                              const ImportOptions& options) {
  const std::string out = ScratchPath("out.mtrace");
  auto writer = TraceWriter::Create(out);
  MEMSIM_FUZZ_CHECK(writer.ok(), "scratch writer");
  ImportStats stats;
  std::unique_ptr<Importer> importer = BuiltinImporters().Create(importer_name);
  MEMSIM_FUZZ_CHECK(importer != nullptr, "importer registered");
  if (!importer->Import(input, options, writer->get(), &stats).ok()) return false;
  if (!(*writer)->Finish().ok()) return false;
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
  return true;
}

}  // namespace memsim::fuzz

#endif  // MEMSIM_TESTS_FUZZ_IMPORT_READ_BACK_H_
