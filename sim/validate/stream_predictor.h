// Replays the access patterns `memsim machine calibrate` measured (sim/hw/host_calibrator.h)
// through hw::MemorySystem on a machine and says what the model predicts for each, next to
// what the machine's `calibration` says was measured: the first half of the validation
// (docs/validation.md, "Microbenchmark streams").
//
// Each stream runs once over `lines` cache lines starting at the first page of core 0's home
// node, on fresh (cold) caches, from core 0, as one AccessBatch: every line is a first touch,
// as in the calibration's buffer, which is far larger than any cache. The accesses say what
// they depend on (MemoryAccess::depends_on_previous), so a timing model with memory-level
// parallelism and prefetchers overlaps what the hardware overlaps:
//   sequential_line   one 8-B read per line, ascending, independent   ns/line
//   sequential_word   every 8-B word, ascending, independent          ns/word
//   independent_line  one 8-B read per line, random order, independent ns/line
//   dependent_line    one 8-B read per line, random cyclic chase, each depending on the last
#ifndef MEMSIM_SIM_VALIDATE_STREAM_PREDICTOR_H_
#define MEMSIM_SIM_VALIDATE_STREAM_PREDICTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"

namespace memsim::validate {

struct StreamPrediction {
  std::string name;        // "sequential_line", ...
  std::string unit;        // "ns/line" or "ns/word"
  double measured_ns = 0;  // the machine's calibration figure; 0: not in the config
  double predicted_ns = 0;
  uint64_t accesses = 0;  // accesses replayed
};

class StreamPredictor {
 public:
  struct Options {
    uint32_t lines = 1 << 16;           // 4 MiB of lines per stream
    uint64_t seed = 0x6d656d73696dULL;  // of the random orders
  };

  // The four streams, in the order above. Errors: the machine does not validate, `lines` is
  // 0 or core 0's home node has fewer than `lines` lines of memory.
  static absl::StatusOr<std::vector<StreamPrediction>> Predict(const config::Machine& machine,
                                                               const Options& options);
};

}  // namespace memsim::validate

#endif  // MEMSIM_SIM_VALIDATE_STREAM_PREDICTOR_H_
