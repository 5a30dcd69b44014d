// `memsim import --from=perf`: `perf script` text of the kmem, exceptions, migrate and
// compaction tracepoints (PerfScriptLineParser), assembled into events by the same
// EventAssembler as ftrace text.
#ifndef MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_IMPORTER_H_

#include <memory>

#include "sim/trace/import/importer.h"

namespace memsim {

std::unique_ptr<Importer> NewPerfScriptImporter();

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_IMPORTER_H_
