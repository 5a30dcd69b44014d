// Builds Perfetto trace files for the importer tests: hand-made packets, and a converter from
// ftrace text (FtraceTextToPerfetto) so a shipped text capture can be imported both ways.
// Bundles are written per CPU and flushed together every few lines, as Perfetto's read ticks
// do, so the importer has to merge CPUs by timestamp.
#ifndef MEMSIM_TESTS_TRACE_IMPORT_PERFETTO_TRACE_BUILDER_H_
#define MEMSIM_TESTS_TRACE_IMPORT_PERFETTO_TRACE_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/perfetto_trace.pb.h"

namespace memsim::testing {

struct PerfettoBuildOptions {
  enum class Compression { kNone, kDeflate, kZstd };
  Compression compression = Compression::kNone;
  // Packets per compressed packet.
  size_t packets_per_compressed = 8;
  // Events without a typed Perfetto message (migrate:*, exceptions:*) as self-describing
  // events with descriptors (Perfetto >= v53 default), else as GenericFtraceEvent.
  bool self_describing = true;
  // FtraceTextToPerfetto: text lines per read tick (bundles of all CPUs are flushed).
  size_t lines_per_tick = 200;
};

// A tracepoint hit without a typed message: its fields as numbers.
struct UntypedFtraceEvent {
  struct Field {
    std::string name;
    bool is_signed;
    uint64_t value;  // two's complement for signed fields
  };
  std::string group;  // "migrate"
  std::string name;   // "set_migration_pte"
  std::vector<Field> fields;
};

class PerfettoTraceBuilder {
 public:
  explicit PerfettoTraceBuilder(PerfettoBuildOptions options = {}) : options_(options) {}

  // A new event in `cpu`'s open bundle; the caller sets its typed payload.
  perfetto::FtraceEvent* AddEvent(uint32_t cpu, uint64_t time_ns, int32_t pid);
  void AddUntypedEvent(uint32_t cpu, uint64_t time_ns, int32_t pid,
                       const UntypedFtraceEvent& event);
  // Writes the open bundles, lowest CPU first, one packet each.
  void FlushBundles();
  // Appends one packet (after flushing nothing: call FlushBundles() first to keep order).
  void AddPacket(const perfetto::TracePacket& packet);
  // Appends an ftrace_stats packet: cpu -> overrun.
  void AddStats(perfetto::FtraceStats::Phase phase, const std::map<uint32_t, uint64_t>& overrun);
  // The file: open bundles and a partial compression group are written first.
  std::string Finish();

 private:
  void FlushCompressed();
  perfetto::FtraceEventBundle& Bundle(uint32_t cpu);

  PerfettoBuildOptions options_;
  std::map<uint32_t, perfetto::FtraceEventBundle> open_;
  // Self-describing field id by "group:name", and the serialized DescriptorProto.
  std::map<std::string, std::pair<int, std::string>> schemas_;
  std::string out_;
  std::string group_;  // framed packets waiting for compression
  size_t group_packets_ = 0;
};

// Frames `packet` as one `packet = 1` field of a Trace.
std::string FramePacket(const perfetto::TracePacket& packet);

// Converts ftrace text (trace_pipe or trace-cmd report layout) to a Perfetto trace: the known
// tracepoints become typed or untyped events with the kernel's numbers (gfp_flags bits, enum
// values of kernel_values.h), unknown tracepoints generic events without fields, lost-event
// marks an END_OF_TRACE overrun.
absl::StatusOr<std::string> FtraceTextToPerfetto(std::string_view text,
                                                 const PerfettoBuildOptions& options);

}  // namespace memsim::testing

#endif  // MEMSIM_TESTS_TRACE_IMPORT_PERFETTO_TRACE_BUILDER_H_
