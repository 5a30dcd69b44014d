// Fuzz target: ftrace text through FtraceLineParser (line by line) and the whole ftrace
// importer (strict, then --lenient if strict failed). An import that succeeds must write a
// trace that memsim's own reader accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/trace/import/ftrace_line_parser.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/import_read_back.h"

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

  const std::string in = fuzz::WriteScratch("in.txt", text);
  // Strict, then lenient only if strict failed: on an input strict accepts, lenient has no
  // malformed line to skip and runs the same code (half the cost per input).
  if (!fuzz::ImportAndReadBack("ftrace", in, ImportOptions{})) {
    ImportOptions options;
    options.lenient = true;
    fuzz::ImportAndReadBack("ftrace", in, options);
  }
  return 0;
}
