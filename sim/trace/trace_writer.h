// Writes a .mtrace file (layout in trace_format.h). Events are buffered into columnar
// chunks of `events_per_chunk`, compressed with zstd and appended to an anonymous scratch
// file (no name: nothing is left behind however the process ends). The header may be filled
// in while writing (an importer learns the CPU count as it goes): Finish() writes header +
// body to `path` through OutputFile (sim/util/output_file.h), so a regular file appears
// under its name only when complete, and a device, FIFO or "-" is written directly.
#ifndef MEMSIM_SIM_TRACE_TRACE_WRITER_H_
#define MEMSIM_SIM_TRACE_TRACE_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/trace.pb.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_extent_builder.h"
#include "sim/util/output_file.h"

namespace memsim {

struct TraceWriterOptions {
  uint32_t events_per_chunk = 8192;
  uint32_t snapshot_runs_per_chunk = 16384;
  int zstd_level = 3;
};

class TraceWriter {
 public:
  static absl::StatusOr<std::unique_ptr<TraceWriter>> Create(
      const std::string& path, const TraceWriterOptions& options = {});
  ~TraceWriter();

  // The header written by Finish(); fill it in any time before. Finish() sets its extent
  // from the runs and events added (whatever the caller put there).
  trace::TraceHeader* mutable_header() { return &header_; }
  const trace::TraceHeader& header() const { return header_; }

  // Snapshot runs, sorted by start_pfn, non-overlapping. REQUIRES: no event added yet.
  absl::Status AddSnapshotRun(const SnapshotRun& run);
  absl::Status Add(const Event& event);
  // Counters stored in the footer (e.g. "skipped_unknown_event": 12).
  void SetImportStat(const std::string& key, uint64_t value) { import_stats_[key] = value; }
  // Flushes, writes the END chunk and renames the file into place.
  absl::Status Finish();

  uint64_t num_events() const { return num_events_; }
  uint64_t bytes_written() const;

 private:
  TraceWriter(std::string path, std::unique_ptr<OutputFile> out, std::FILE* body,
              const TraceWriterOptions& options);
  absl::Status FlushEvents();
  absl::Status FlushSnapshot();
  absl::Status WriteChunk(uint8_t type, const std::string& raw, uint32_t record_count,
                          bool compress);

  std::string path_;
  std::unique_ptr<OutputFile> out_;  // opened by Create(), committed by Finish()
  std::FILE* body_;                  // chunks, in an anonymous scratch file
  uint64_t body_bytes_ = 0;
  trace::TraceHeader header_;
  TraceWriterOptions options_;
  trace::EventChunk events_;
  trace::SnapshotChunk snapshot_;
  uint32_t pending_events_ = 0;
  uint32_t pending_runs_ = 0;
  // Delta-coding state within the current chunk.
  uint64_t last_time_ns_ = 0;
  uint64_t last_pfn_[kNumEventKinds] = {};
  uint64_t last_pfn2_[kNumEventKinds] = {};
  uint64_t last_run_start_ = 0;
  uint64_t snapshot_end_ = 0;
  uint64_t num_events_ = 0;
  uint64_t num_runs_ = 0;
  uint64_t num_chunks_ = 0;
  uint64_t events_by_kind_[kNumEventKinds] = {};
  TraceExtentBuilder extent_;
  std::map<std::string, uint64_t> import_stats_;
  std::string scratch_raw_;
  std::string scratch_out_;
  bool finished_ = false;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_TRACE_WRITER_H_
