// The trace-cmd trace.dat importer. libtracecmd and libtraceevent crash, over-read, allocate
// sizes taken from the file and loop on malformed files, so they run in a child process
// (sim/util/isolated_call.h) after a check of the file header; the child streams decoded
// records back and the parent assembles the events (docs/trace-import.md).
#ifndef MEMSIM_SIM_TRACE_IMPORT_TRACECMD_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_TRACECMD_IMPORTER_H_

#include <memory>

#include "sim/trace/import/importer.h"

namespace memsim {

struct IsolationLimits;  // sim/util/isolated_call.h

// With the default limits: 4 GiB of address space, 60 s of CPU plus 1 s per MiB of .dat,
// and 60 s without progress.
std::unique_ptr<Importer> NewTracecmdImporter();
// With the given limits for the libtracecmd child (tests).
std::unique_ptr<Importer> NewTracecmdImporterWithLimits(const IsolationLimits& limits);

}  // namespace memsim

#endif
