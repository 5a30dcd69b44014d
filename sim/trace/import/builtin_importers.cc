#include "sim/trace/import/ftrace_importer.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/import/kpageflags_importer.h"
#include "sim/trace/import/perf_script_importer.h"
#include "sim/trace/import/perfetto_importer.h"
#include "sim/trace/import/tracecmd_importer.h"

namespace memsim {

void RegisterBuiltinImporters(ImporterRegistry& registry) {
  registry.Register("ftrace", "ftrace text from trace_pipe or `trace-cmd report`",
                    NewFtraceImporter);
  registry.Register("tracecmd", "trace-cmd trace.dat, read with libtracecmd", NewTracecmdImporter);
  registry.Register("perf", "`perf script` text of the same tracepoints (default or -F fields)",
                    NewPerfScriptImporter);
  registry.Register("kpageflags", "/proc/kpageflags dump (one u64 per pfn): a snapshot",
                    NewKpageflagsImporter);
  registry.Register("perfetto", "Perfetto trace (ftrace events in TracePackets)",
                    NewPerfettoImporter);
}

const ImporterRegistry& BuiltinImporters() {
  static const ImporterRegistry* registry = [] {
    auto* r = new ImporterRegistry;
    RegisterBuiltinImporters(*r);
    return r;
  }();
  return *registry;
}

}  // namespace memsim
