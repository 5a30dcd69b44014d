// Where a workload's output goes: the initial snapshot, then events in time order. A
// TraceWriterSink writes a .mtrace file; tests and benchmarks collect or count in memory.
#ifndef MEMSIM_SIM_WORKLOAD_EVENT_SINK_H_
#define MEMSIM_SIM_WORKLOAD_EVENT_SINK_H_

#include "absl/status/status.h"
#include "sim/trace/event.h"

namespace memsim::workload {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Snapshot runs arrive first, sorted by pfn; then events, with non-decreasing time_ns.
  virtual absl::Status AddSnapshotRun(const SnapshotRun& run) = 0;
  virtual absl::Status Add(const Event& event) = 0;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_EVENT_SINK_H_
