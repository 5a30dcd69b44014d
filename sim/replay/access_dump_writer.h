// AccessDumpWriter: an AccessSink that writes the metadata access stream of a replay to a
// file, so another simulator (Dinero IV, gem5's trace CPU, Ramulator) can replay what memsim
// simulated (`memsim replay --dump-accesses=F`; docs/replay.md, "Dumping the access stream").
//
// Formats:
// - kDin, Dinero IV's "din" input: one line per cache line touched, "<label> <hex address>",
//   label 0 = data read, 1 = data write. An atomic (locked read-modify-write) is written as
//   one write (label 1): it takes the line exclusive as a write does, and one line per line
//   touched keeps the count equal to the result's line_accesses. Sizes are lost: an access
//   spanning several lines becomes one line per line touched (its own address, then each
//   following line's first byte).
// - kCsv: header "time_ns,cpu,address,size,kind,event_kind", one row per access: the
//   event's start on its core (exact decimal), the simulated core, the address in hex
//   (0x...), the size in bytes (0 is written as 1, as the memory system counts it), read /
//   write / atomic, and the kind of event the replay ran (alloc, free, fault, migrate,
//   compaction_scan). The row count equals the result's accesses.
//
// Output goes through OutputFile (atomic for regular files; devices, FIFOs and "-" written
// directly), buffered. Write() records the first error; Finish() returns it, or commits.
#ifndef MEMSIM_SIM_REPLAY_ACCESS_DUMP_WRITER_H_
#define MEMSIM_SIM_REPLAY_ACCESS_DUMP_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/replay/access_sink.h"
#include "sim/util/output_file.h"

namespace memsim::replay {

enum class DumpFormat { kDin, kCsv };

class AccessDumpWriter : public AccessSink {
 public:
  // "din" or "csv" from `format` if not empty, else from the path's suffix (.din, .csv);
  // InvalidArgument naming the path otherwise.
  static absl::StatusOr<DumpFormat> FormatFor(const std::string& path, const std::string& format);

  // `line_bytes`: the machine's line size (a power of two), for splitting din lines.
  static absl::StatusOr<std::unique_ptr<AccessDumpWriter>> Create(
      const std::string& path, DumpFormat format, uint32_t line_bytes,
      const OutputOptions& options = {});

  void Write(double time_ns, int core, trace::EventKind event_kind,
             const hw::MemoryAccess* accesses, size_t n) override;

  // Flushes and commits. REQUIRES: called once, after the last Write().
  absl::Status Finish();

  // Lines written after the header (din lines or CSV rows).
  uint64_t records() const { return records_; }

 private:
  AccessDumpWriter(std::unique_ptr<OutputFile> file, DumpFormat format, uint32_t line_bytes)
      : file_(std::move(file)), format_(format), line_bytes_(line_bytes) {}
  void Flush();

  std::unique_ptr<OutputFile> file_;
  DumpFormat format_;
  uint32_t line_bytes_;
  std::string buffer_;
  absl::Status status_;
  uint64_t records_ = 0;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_ACCESS_DUMP_WRITER_H_
