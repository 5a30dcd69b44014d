// Helpers for the importer tests: run an importer on a file or a text snippet and read the
// resulting .mtrace back.
#ifndef MEMSIM_TESTS_TRACE_IMPORT_IMPORT_TEST_UTIL_H_
#define MEMSIM_TESTS_TRACE_IMPORT_IMPORT_TEST_UTIL_H_

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/trace.pb.h"
#include "sim/trace/event.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/testing/temp_dir.h"

namespace memsim::testing {

inline std::string ImportTempPath(const std::string& name) {
  static int counter = 0;
  return test_util::TmpPath(std::to_string(counter++) + "_" + name);
}

inline std::string WriteTemp(const std::string& name, const std::string& content) {
  std::string path = ImportTempPath(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return path;
}

inline std::string SourcePath(const std::string& rel) {
  return std::string(MEMSIM_SOURCE_DIR) + "/" + rel;
}

struct Imported {
  std::vector<Event> events;
  trace::TraceHeader header;
  trace::TraceFooter footer;
  ImportStats stats;
  uint64_t stat(const std::string& key) const {
    auto it = footer.import_stats().find(key);
    return it == footer.import_stats().end() ? 0 : it->second;
  }
  uint64_t kind(const std::string& key) const {
    auto it = footer.events_by_kind().find(key);
    return it == footer.events_by_kind().end() ? 0 : it->second;
  }
};

// Runs importer `name` on `input`; on success reads the output back.
inline absl::StatusOr<Imported> RunImporter(const std::string& name, const std::string& input,
                                            ImportOptions options = {}) {
  ImporterRegistry registry;
  RegisterBuiltinImporters(registry);
  std::unique_ptr<Importer> importer = registry.Create(name);
  if (importer == nullptr) return absl::NotFoundError(name);
  const std::string out = ImportTempPath("out.mtrace");
  auto writer = TraceWriter::Create(out);
  if (!writer.ok()) return writer.status();
  Imported result;
  absl::Status s = importer->Import(input, options, writer->get(), &result.stats);
  if (!s.ok()) return s;
  s = (*writer)->Finish();
  if (!s.ok()) return s;
  auto reader = TraceReader::Open(out);
  if (!reader.ok()) return reader.status();
  result.header = (*reader)->header();
  std::vector<Event> chunk;
  for (;;) {
    auto more = (*reader)->NextEvents(&chunk);
    if (!more.ok()) return more.status();
    if (!*more) break;
    result.events.insert(result.events.end(), chunk.begin(), chunk.end());
  }
  result.footer = (*reader)->footer();
  std::remove(out.c_str());
  return result;
}

inline absl::StatusOr<Imported> ImportText(const std::string& text, ImportOptions options = {}) {
  std::string path = WriteTemp("input.txt", text);
  auto r = RunImporter("ftrace", path, options);
  std::remove(path.c_str());
  return r;
}

}  // namespace memsim::testing

#endif  // MEMSIM_TESTS_TRACE_IMPORT_IMPORT_TEST_UTIL_H_
