// Fuzz target: bytes as a Perfetto trace through the perfetto importer (packet framing,
// TracePacket parsing, deflate/zstd packets, generic and self-describing events), strict and
// lenient. An import that succeeds must write a trace that memsim's own reader accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/import_read_back.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string in =
      fuzz::WriteScratch("in.pftrace", std::string_view(reinterpret_cast<const char*>(data), size));
  for (bool lenient : {false, true}) {
    ImportOptions options;
    options.lenient = lenient;
    fuzz::ImportAndReadBack("perfetto", in, options);
  }
  return 0;
}
