// ftrace_to_perfetto IN OUT [--compression=none|deflate|zstd] [--generic]
//
// Converts ftrace text (plain or zstd) to a Perfetto trace with FtraceTextToPerfetto
// (perfetto_trace_builder.h): the test converter, as a command for making fixtures and fuzz
// seeds (tests/fuzz/corpus/perfetto_fuzzer). --generic writes migrate/exceptions events as
// GenericFtraceEvent instead of self-describing events.
#include <cstdio>
#include <iostream>
#include <string>

#include "sim/util/input_file.h"
#include "tests/trace/import/perfetto_trace_builder.h"

int main(int argc, char** argv) {
  using memsim::testing::PerfettoBuildOptions;
  PerfettoBuildOptions options;
  std::string in, out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--compression=none") {
      options.compression = PerfettoBuildOptions::Compression::kNone;
    } else if (arg == "--compression=deflate") {
      options.compression = PerfettoBuildOptions::Compression::kDeflate;
    } else if (arg == "--compression=zstd") {
      options.compression = PerfettoBuildOptions::Compression::kZstd;
    } else if (arg == "--generic") {
      options.self_describing = false;
    } else if (!arg.empty() && arg[0] != '-' && in.empty()) {
      in = arg;
    } else if (!arg.empty() && arg[0] != '-' && out.empty()) {
      out = arg;
    } else {
      in.clear();
      break;
    }
  }
  if (in.empty() || out.empty()) {
    std::cerr << "usage: ftrace_to_perfetto IN OUT [--compression=none|deflate|zstd] "
                 "[--generic]\n";
    return 2;
  }
  auto text = memsim::ReadMaybeCompressedFile(in, uint64_t{16} << 30);
  if (!text.ok()) {
    std::cerr << text.status().message() << "\n";
    return 1;
  }
  auto trace = memsim::testing::FtraceTextToPerfetto(*text, options);
  if (!trace.ok()) {
    std::cerr << in << ": " << trace.status().message() << "\n";
    return 1;
  }
  std::FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr || std::fwrite(trace->data(), 1, trace->size(), f) != trace->size() ||
      std::fclose(f) != 0) {
    std::cerr << out << ": cannot write\n";
    return 1;
  }
  return 0;
}
