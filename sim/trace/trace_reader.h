// Streams a .mtrace file one chunk at a time (constant memory). Every structural problem —
// bad magic, checksum mismatch, truncation, a malformed payload — and every decoded value
// outside the ranges of trace_format.h (owner, order, cpu, node, pfn + block size, time) is
// a DataLossError whose message names the file, the byte offset of the offending header or
// chunk and, for a value, the index of the event or snapshot run within that chunk. What the
// reader returns is therefore safe to use as an index or shift count. A header that states
// the trace's extent (TraceHeader.extent) is held to it: a chunk naming a pfn or CPU outside
// it is a DataLossError too, so a replay may size itself from the header alone.
#ifndef MEMSIM_SIM_TRACE_TRACE_READER_H_
#define MEMSIM_SIM_TRACE_TRACE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/trace.pb.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_extent_builder.h"

namespace memsim {

class TraceReader {
 public:
  // Opens the file and reads and checks the file header.
  static absl::StatusOr<std::unique_ptr<TraceReader>> Open(const std::string& path);
  ~TraceReader();

  const trace::TraceHeader& header() const { return header_; }

  // Replaces *runs with the next batch of snapshot runs. Returns false once the snapshot is
  // exhausted (possibly at once: a trace need not carry one).
  absl::StatusOr<bool> NextSnapshotRuns(std::vector<SnapshotRun>* runs);
  // Replaces *events with the next chunk's events (skipping any unread snapshot). Returns
  // false at the END chunk, after checking the footer's totals against what was read.
  absl::StatusOr<bool> NextEvents(std::vector<Event>* events);

  // Valid once NextEvents() has returned false.
  const trace::TraceFooter& footer() const { return footer_; }
  const std::string& path() const { return path_; }
  // Offset of the next unread byte.
  uint64_t offset() const { return offset_; }
  uint64_t file_size() const { return file_size_; }

 private:
  TraceReader(std::string path, int fd, uint64_t file_size);
  absl::Status ReadHeader();
  // Reads the next chunk header and payload into raw_. Sets type; decompresses.
  absl::Status ReadChunk();
  absl::Status DecodeEvents(std::vector<Event>* events);
  absl::Status DecodeSnapshot(std::vector<SnapshotRun>* runs);
  absl::Status Corrupt(uint64_t at, const std::string& what) const;
  // Checks the header's values; `at` is the header's byte offset.
  absl::Status CheckHeader(uint64_t at);
  // A value error in record `index` ("event", "snapshot run") of the current chunk.
  absl::Status BadValue(const char* what, int index, const std::string& detail) const;
  // Everything read so far lies within the header's extent (if it has one).
  absl::Status CheckExtent() const;
  // order <= kMaxOrder and [pfn, pfn + 2^order) below kPfnLimit.
  absl::Status CheckBlock(int index, const char* what, uint64_t pfn, uint32_t order) const;

  std::string path_;
  int fd_;
  uint64_t file_size_;
  uint64_t offset_ = 0;
  trace::TraceHeader header_;
  trace::TraceFooter footer_;
  // The chunk most recently read and not yet consumed.
  bool have_chunk_ = false;
  uint8_t chunk_type_ = 0;
  uint32_t chunk_records_ = 0;
  uint64_t chunk_offset_ = 0;
  std::string stored_;
  std::string raw_;
  trace::EventChunk events_msg_;
  trace::SnapshotChunk snapshot_msg_;
  // Events' cpu must be below this: the header's num_cpus, or kMaxCpus if it is 0.
  uint32_t cpu_limit_ = 0;
  // One past the last pfn of the previous snapshot run (runs are sorted, disjoint).
  uint64_t snapshot_end_ = 0;
  bool at_end_ = false;
  // What the runs and events read so far name (checked against header().extent()).
  TraceExtentBuilder seen_;
  bool seen_events_ = false;
  uint64_t events_read_ = 0;
  uint64_t runs_read_ = 0;
  uint64_t chunks_read_ = 0;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_TRACE_READER_H_
