// Import speed on real captures: ftrace text lines/s (target: >= 1 M lines/s on one core)
// and trace-cmd .dat records/s. Rates are per CPU second of this single-threaded process
// (Google Benchmark divides by CPU time unless UseRealTime), so a loaded machine does not
// distort them; wall time is printed beside.
//
// Input: $MEMSIM_IMPORT_BENCH_INPUT (ftrace text, plain or zstd) if set, else the shipped
// capture traces/mixed-compaction.ftrace.zst. The text is decompressed once into a
// temporary file so the figure is the importer's, not zstd's (BM_FtraceImportZstd keeps it).
//
//   cmake --build build --target import_bench && build/bench/import_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/input_file.h"

namespace memsim {
namespace {

std::string TextInput() {
  const char* env = std::getenv("MEMSIM_IMPORT_BENCH_INPUT");
  if (env != nullptr && *env != '\0') return env;
  return std::string(MEMSIM_SOURCE_DIR) + "/traces/mixed-compaction.ftrace.zst";
}

std::string DatInput() {
  const char* env = std::getenv("MEMSIM_IMPORT_BENCH_DAT");
  if (env != nullptr && *env != '\0') return env;
  return std::string(MEMSIM_SOURCE_DIR) + "/traces/thp-anon.dat.zst";
}

std::string TempPath(const std::string& name) { return bench::TmpPath(name); }

// The decompressed text, written once to a temporary file.
const std::string& PlainTextFile() {
  static const std::string path = [] {
    std::string out = TempPath("input.txt");
    absl::StatusOr<std::string> text = ReadMaybeCompressedFile(TextInput());
    if (!text.ok()) return std::string();
    std::FILE* f = std::fopen(out.c_str(), "wb");
    std::fwrite(text->data(), 1, text->size(), f);
    std::fclose(f);
    std::atexit([] { std::remove(PlainTextFile().c_str()); });
    return out;
  }();
  return path;
}

void RunImport(benchmark::State& state, const std::string& importer_name,
               const std::string& input) {
  if (input.empty() || !std::filesystem::exists(input)) {
    state.SkipWithError(("input not found: " + input).c_str());
    return;
  }
  ImporterRegistry registry;
  RegisterBuiltinImporters(registry);
  const std::string out = TempPath("out.mtrace");
  uint64_t records = 0, events = 0, bytes = 0;
  for (auto _ : state) {
    auto writer = TraceWriter::Create(out);
    if (!writer.ok()) {
      state.SkipWithError(std::string(writer.status().message()).c_str());
      return;
    }
    ImportStats stats;
    absl::Status s = registry.Create(importer_name)->Import(input, {}, writer->get(), &stats);
    if (s.ok()) s = (*writer)->Finish();
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    records += stats.input_records;
    events += stats.events_written;
    bytes = std::filesystem::file_size(out);
  }
  std::remove(out.c_str());
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["records"] = static_cast<double>(records / state.iterations());
  state.counters["out_bytes/event"] =
      events > 0 ? static_cast<double>(bytes) * state.iterations() / events : 0;
  state.counters["peak_rss_MiB"] = bench::PeakRssBytes() / 1048576.0;
}

// Whole importer: line splitting, parsing, EventAssembler, TraceWriter (zstd chunks).
void BM_FtraceImport(benchmark::State& state) { RunImport(state, "ftrace", PlainTextFile()); }
BENCHMARK(BM_FtraceImport)->Unit(benchmark::kMillisecond);

// The same from the zstd-compressed capture, as users run it.
void BM_FtraceImportZstd(benchmark::State& state) { RunImport(state, "ftrace", TextInput()); }
BENCHMARK(BM_FtraceImportZstd)->Unit(benchmark::kMillisecond);

// trace-cmd .dat through libtracecmd.
void BM_TracecmdImport(benchmark::State& state) { RunImport(state, "tracecmd", DatInput()); }
BENCHMARK(BM_TracecmdImport)->Unit(benchmark::kMillisecond);

// The line parser alone on lines already in memory.
void BM_FtraceLineParse(benchmark::State& state) {
  absl::StatusOr<std::string> text = ReadMaybeCompressedFile(TextInput());
  if (!text.ok()) {
    state.SkipWithError(std::string(text.status().message()).c_str());
    return;
  }
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text->size();) {
    size_t nl = text->find('\n', start);
    if (nl == std::string::npos) nl = text->size();
    lines.emplace_back(text->data() + start, nl - start);
    start = nl + 1;
  }
  FtraceLineParser parser;
  TraceRecord record;
  uint64_t events = 0;
  for (auto _ : state) {
    for (std::string_view line : lines) {
      events += parser.Parse(line, &record) == FtraceLineParser::LineKind::kEvent;
    }
  }
  benchmark::DoNotOptimize(events);
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(lines.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FtraceLineParse)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace memsim

BENCHMARK_MAIN();
