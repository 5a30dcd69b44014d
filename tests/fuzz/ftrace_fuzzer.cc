// Fuzz target: ftrace text through FtraceLineParser (line by line) and the whole ftrace
// importer. An import that succeeds must write a trace that memsim's own reader accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FtraceLineParser parser;
  TraceRecord record;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    (void)parser.Parse(text.substr(start, nl - start), &record);
    start = nl + 1;
  }

  static ImporterRegistry* registry = [] {
    auto* r = new ImporterRegistry;
    RegisterBuiltinImporters(*r);
    return r;
  }();
  const std::string in = fuzz::WriteScratch("in.txt", text);
  const std::string out = fuzz::ScratchPath("out.mtrace");
  for (bool lenient : {false, true}) {
    auto writer = TraceWriter::Create(out);
    MEMSIM_FUZZ_CHECK(writer.ok(), "scratch writer");
    ImportOptions options;
    options.lenient = lenient;
    ImportStats stats;
    std::unique_ptr<Importer> importer = registry->Create("ftrace");
    if (!importer->Import(in, options, writer->get(), &stats).ok()) continue;
    if (!(*writer)->Finish().ok()) continue;
    auto reader = TraceReader::Open(out);
    MEMSIM_FUZZ_CHECK(reader.ok(), "import output has a readable header");
    std::vector<Event> events;
    for (;;) {
      auto more = (*reader)->NextEvents(&events);
      MEMSIM_FUZZ_CHECK(more.ok(), "import output reads back");
      if (!*more) break;
    }
  }
  return 0;
}
