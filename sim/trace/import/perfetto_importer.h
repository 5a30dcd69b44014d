// `memsim import --from=perfetto`: a Perfetto trace file (protos/perfetto/trace/trace.proto, a
// stream of TracePackets) whose ftrace bundles hold the kmem, compaction, migrate and
// exceptions tracepoints. Each ftrace event becomes the TraceRecord the ftrace text importer
// would make of the same tracepoint hit, and goes through the same EventAssembler.
// docs/trace-import.md, "Perfetto", describes what is read, skipped and counted.
#ifndef MEMSIM_SIM_TRACE_IMPORT_PERFETTO_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_PERFETTO_IMPORTER_H_

#include <cstdint>
#include <memory>

#include "sim/trace/import/importer.h"

namespace memsim {

// Ftrace bundles come per CPU, each CPU's events in order, but bundles of different CPUs
// interleave; events are merged by timestamp within this window of trace time. Perfetto reads
// the buffers every 100 ms, or every 1000 ms when it polls buffer watermarks (Linux >= 6.9),
// unless FtraceConfig.drain_period_ms says otherwise (src/traced/probes/ftrace/
// ftrace_controller.cc @ v58.2). An event older than the merged stream counts as
// `perfetto_late_events` and is imported out of order.
inline constexpr uint64_t kPerfettoReorderWindowNs = uint64_t{2'000'000'000};

std::unique_ptr<Importer> NewPerfettoImporter();

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_PERFETTO_IMPORTER_H_
