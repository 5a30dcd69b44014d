// The traces a sweep makes before its points run: `memsim gen` for base.gen / gen.* points
// and `memsim import` for base.capture, each in its own process, writing the trace file the
// manifest names.
#ifndef MEMSIM_SIM_SWEEP_TRACE_MAKER_H_
#define MEMSIM_SIM_SWEEP_TRACE_MAKER_H_

#include <string>

#include "absl/status/status.h"
#include "proto/config.pb.h"

namespace memsim::sweep {

// Makes the manifest's traces that do not exist yet, `jobs` (>= 1) at a time, running the
// memsim binary `self`; logs go to DIR/logs/<trace stem>.log. A trace that cannot be made
// fails the points that replay it (recorded with the log's last line); the sweep goes on.
absl::Status MakeSweepTraces(const config::SweepManifest& manifest, const std::string& dir,
                             const std::string& self, int jobs);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_TRACE_MAKER_H_
