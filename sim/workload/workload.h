// A synthetic workload: a deterministic function of its parameters (seed included) to a
// stream of physical-memory events shaped like a recorded and imported trace of the kernel
// behaviour it mimics (docs/workloads.md). One implementation per file pair; each is listed in
// RegisterBuiltinWorkloads().
#ifndef MEMSIM_SIM_WORKLOAD_WORKLOAD_H_
#define MEMSIM_SIM_WORKLOAD_WORKLOAD_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sim/workload/event_sink.h"

namespace memsim::workload {

class Workload {
 public:
  virtual ~Workload() = default;

  // The workload-specific parameters as used (defaults resolved), as (name, value) pairs for
  // the trace header's attributes; names are the command-line flags without "--".
  virtual std::vector<std::pair<std::string, std::string>> Attributes() const = 0;

  // Emits the initial physical-memory snapshot, then events until the parameters' event
  // target is reached (at an action boundary, so the stream never stops halfway through a
  // kernel operation). Returns the first error of the sink. May be called once.
  virtual absl::Status Generate(EventSink* sink) = 0;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_WORKLOAD_H_
