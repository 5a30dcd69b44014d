#ifndef MEMSIM_SIM_TRACE_IMPORT_TRACECMD_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_TRACECMD_IMPORTER_H_

#include <memory>

#include "sim/trace/import/importer.h"

namespace memsim {

std::unique_ptr<Importer> NewTracecmdImporter();

}  // namespace memsim

#endif
