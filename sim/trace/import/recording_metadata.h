// The recorder's description of a capture: tools/record writes `metadata.txt` (and a
// `<dump>.meta` beside each kpageflags dump) as key=value lines — kernel, hostname, CPUs,
// page size, node pfn ranges and zones from /proc/zoneinfo, trace clock, truncation, lost
// events (docs/recording.md). `memsim import` finds it beside the input and copies it into
// the trace header, whatever the input format (docs/trace-import.md, "Recorder metadata").
#ifndef MEMSIM_SIM_TRACE_IMPORT_RECORDING_METADATA_H_
#define MEMSIM_SIM_TRACE_IMPORT_RECORDING_METADATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/trace.pb.h"

namespace memsim {

class RecordingMetadata {
 public:
  // Parses `path`. Errors name the file and line: a line that is not `key=value`, a bad
  // number, a pfn range or zone that does not parse.
  static absl::StatusOr<RecordingMetadata> Read(const std::string& path);

  // The metadata beside `input`, by the first rule that finds a file (docs/trace-import.md):
  //   1. "<input>.meta";
  //   2. "<dir>/<stem>.metadata.txt", stem = the input's name without ".zst" and one more
  //      extension ("run.ftrace.zst" -> "run");
  //   3. "<dir>/metadata.txt" (a tools/record output directory).
  // A file of rule 2 or 3 whose `trace_file=` names another file is not used (*skipped
  // gets its path). nullopt when none applies; errors are those of Read().
  static absl::StatusOr<std::optional<RecordingMetadata>> FindBeside(const std::string& input,
                                                                     std::string* skipped);

  // Copies what the header lacks: kernel_version, hostname, num_cpus (at least nproc),
  // page_size_bytes, nodes, zones; clock (replacing an assumed one, see the ftrace
  // importer, unless `keep_clock`); truncated, lost_events; and every key as attribute
  // "recorded.<key>", with "metadata" = path().
  void ApplyTo(trace::TraceHeader* header, bool keep_clock) const;

  const std::string& path() const { return path_; }
  // Value of `key`, or "" (keys in file order: entries()).
  std::string Get(const std::string& key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  const std::vector<trace::NodeRange>& nodes() const { return nodes_; }
  const std::vector<trace::ZoneRange>& zones() const { return zones_; }
  // truncated=1 or interrupted=1.
  bool truncated() const { return truncated_; }
  uint64_t lost_events() const { return lost_events_; }

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<trace::NodeRange> nodes_;  // by node id
  std::vector<trace::ZoneRange> zones_;  // by node id, then start pfn
  uint32_t nproc_ = 0;
  uint32_t page_size_ = 0;
  bool truncated_ = false;
  uint64_t lost_events_ = 0;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_RECORDING_METADATA_H_
