// Fuzz target: the kpageflags importer on a dump and its ".meta" companion. The input is
// "<meta text>\0<dump bytes>" (no NUL: no .meta file). A successful import must read back.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/import_read_back.h"

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
  fuzz::ImportAndReadBack("kpageflags", dump, ImportOptions{});
  return 0;
}
