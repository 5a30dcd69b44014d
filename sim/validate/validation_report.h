// The result of `memsim validate` and its two renderings (a table for people, JSON for
// tools): the microbenchmark streams predicted vs measured, and the kernel's own timing of
// compaction scans and migrations from each capture vs the replay's prediction.
//
// Percentiles of recorded samples are nearest-rank: the p-th of n sorted values is the
// value at 1-based rank ceil(p/100 x n), so every reported figure is one of the samples
// (hand-checkable). Predicted percentiles come from the replay's latency histogram.
#ifndef MEMSIM_SIM_VALIDATE_VALIDATION_REPORT_H_
#define MEMSIM_SIM_VALIDATE_VALIDATION_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/validate/kernel_timings.h"
#include "sim/validate/replay_predictor.h"
#include "sim/validate/stream_predictor.h"

namespace memsim::validate {

// Goals of issue 11 (docs/validation.md).
inline constexpr double kStreamTolerance = 0.20;  // predicted within +-20 % of measured
inline constexpr double kScanP50Factor = 1.5;     // predicted p50 within 1.5x of recorded

struct Distribution {
  uint64_t count = 0;
  double p10 = 0, p50 = 0, p90 = 0, mean = 0;
};

// Nearest-rank p10/p50/p90 and the mean of `values` (all zero when empty).
Distribution Summarise(std::vector<double> values);

// What one capture's timestamps say.
struct CaptureTiming {
  std::string path;
  uint64_t lines = 0;
  uint64_t compaction_runs = 0;
  uint64_t isolate_migratepages = 0;
  bool microsecond_timestamps = false;
  uint64_t lost_events = 0;
  Distribution scan_ns_per_pfn;  // of KernelTimings::scans
  Distribution scan_ns_per_block;
  uint64_t batches_without_pages = 0;
  Distribution migrate_ns_per_page;  // of KernelTimings::batches
  uint64_t migrated_pages = 0;

  static CaptureTiming From(const KernelTimings& t);
};

struct ValidationReport {
  std::string machine_name;
  std::string machine_path;
  std::string timing;  // one line: which timing parameters the machine has
  std::vector<StreamPrediction> streams;
  OperationPrediction scan;       // per pageblock event (512 pfns)
  OperationPrediction migration;  // per page
  std::vector<CaptureTiming> captures;
};

std::string FormatValidationText(const ValidationReport& report);
std::string FormatValidationJson(const ValidationReport& report);

}  // namespace memsim::validate

#endif  // MEMSIM_SIM_VALIDATE_VALIDATION_REPORT_H_
