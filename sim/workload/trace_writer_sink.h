// EventSink that forwards to a TraceWriter (not owned).
#ifndef MEMSIM_SIM_WORKLOAD_TRACE_WRITER_SINK_H_
#define MEMSIM_SIM_WORKLOAD_TRACE_WRITER_SINK_H_

#include "sim/trace/trace_writer.h"
#include "sim/workload/event_sink.h"

namespace memsim::workload {

class TraceWriterSink : public EventSink {
 public:
  explicit TraceWriterSink(TraceWriter* writer) : writer_(writer) {}
  absl::Status AddSnapshotRun(const SnapshotRun& run) override {
    return writer_->AddSnapshotRun(run);
  }
  absl::Status Add(const Event& event) override { return writer_->Add(event); }

 private:
  TraceWriter* writer_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_TRACE_WRITER_SINK_H_
