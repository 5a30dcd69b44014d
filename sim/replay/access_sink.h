// AccessSink: where the replay engine hands every metadata access it simulates, in the order
// the memory system serves them (ReplayOptions::access_sink; docs/replay.md, "Dumping the
// access stream"). AccessDumpWriter (access_dump_writer.h) writes them to a file.
#ifndef MEMSIM_SIM_REPLAY_ACCESS_SINK_H_
#define MEMSIM_SIM_REPLAY_ACCESS_SINK_H_

#include <cstddef>

#include "proto/trace.pb.h"
#include "sim/hw/memory_access.h"

namespace memsim::replay {

class AccessSink {
 public:
  virtual ~AccessSink() = default;
  // The `n` metadata accesses of one event of kind `event_kind`, served on simulated core
  // `core` from `time_ns` (simulated ns after the trace's first event) in this order.
  // Bulk data copies (migrations) are not metadata accesses and never reach a sink.
  virtual void Write(double time_ns, int core, trace::EventKind event_kind,
                     const hw::MemoryAccess* accesses, size_t n) = 0;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_ACCESS_SINK_H_
