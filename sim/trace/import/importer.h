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
  // MAX_PHYSMEM_BITS of the recorded x86-64 machine (46: 4-level paging, 52: LA57): where
  // the pfn ends inside a migration entry. Event importers only.
  int max_physmem_bits = 46;
  // Trace clock to record in the header when the input does not say (ftrace text does
  // not); empty: "local", the tracefs default.
  std::string clock;
  // Kernel release to record when the input does not say (`uname -r` of the recorded
  // machine); empty: leave the header's value.
  std::string kernel_version;
  // Infer the migrations of compaction runs that have no pte trail (docs/trace-import.md);
  // tests turn it off to compare the inferred events with the exact ones.
  bool infer_migrations = true;
  // Called now and then with the number of input records read so far (progress display).
  std::function<void(uint64_t records)> progress;
};

struct ImportStats {
  uint64_t input_records = 0;  // lines (text) or records (binary) read
  uint64_t events_written = 0;
  // Events written, by EventKindKey() ("alloc", "free", ...).
  std::map<std::string, uint64_t> events_by_kind;
  // Counters by reason, e.g. "skipped_unknown_event", "dropped_duplicate_free_batched"
  // (docs/trace-import.md). Stored in the
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

// The shipped importers, one line each (builtin_importers.cc): the only list of them.
void RegisterBuiltinImporters(ImporterRegistry& registry);
// A registry holding the shipped importers, built once per process.
const ImporterRegistry& BuiltinImporters();

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_IMPORTER_H_
