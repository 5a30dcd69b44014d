// An importer turns one source format (ftrace text, trace-cmd .dat, /proc/kpageflags) into
// .mtrace events or snapshot runs. Importers are registered explicitly in
// builtin_importers.cc; `memsim import --from=NAME` looks them up by name.
#ifndef MEMSIM_SIM_TRACE_IMPORT_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/trace/trace_writer.h"

namespace memsim {

struct ImportOptions {
  // Malformed lines/records of known events are counted and skipped instead of failing.
  bool lenient = false;
};

struct ImportStats {
  uint64_t input_records = 0;  // lines (text) or records (binary) read
  uint64_t events_written = 0;
  // Counters by reason, e.g. "unknown_event", "malformed", "duplicate_free". Stored in the
  // trace footer's import_stats and printed by `memsim import`.
  std::map<std::string, uint64_t> counters;
};

class Importer {
 public:
  virtual ~Importer() = default;
  // Reads `input` (plain or zstd-compressed) and appends to `writer`, filling header fields
  // it can learn (writer->mutable_header()). Errors name the input and line or byte offset.
  virtual absl::Status Import(const std::string& input, const ImportOptions& options,
                              TraceWriter* writer, ImportStats* stats) = 0;
};

class ImporterRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Importer>()>;
  void Register(std::string name, std::string description, Factory factory);
  // nullptr if unknown.
  std::unique_ptr<Importer> Create(const std::string& name) const;
  // "name: description" lines.
  std::vector<std::pair<std::string, std::string>> List() const;

 private:
  struct Entry {
    std::string description;
    Factory factory;
  };
  std::map<std::string, Entry> entries_;
};

void RegisterBuiltinImporters(ImporterRegistry& registry);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_IMPORTER_H_
