// The results table of a sweep, built from the per-point files under DIR/points/: one row
// per point in point order, the axes as columns, then the metric columns of each point's
// result (report::MetricNames). Built from scratch every time, so that an interrupted and
// resumed sweep gives the same table as an uninterrupted one. Formats: docs/sweeps.md.
#ifndef MEMSIM_SIM_SWEEP_SWEEP_TABLE_H_
#define MEMSIM_SIM_SWEEP_SWEEP_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/config.pb.h"

namespace memsim::sweep {

// Where point `index` of the sweep in `dir` leaves its outcome: exactly one of the two files
// appears (atomically) when the point finishes.
std::string PointResultPath(const std::string& dir, uint32_t index);  // result JSON
std::string PointErrorPath(const std::string& dir, uint32_t index);   // error message

enum class PointState { kPending, kOk, kFailed };
PointState StateOf(const std::string& dir, uint32_t index);

struct SweepTable {
  std::string csv;        // results.csv
  std::string jsonl;      // results.jsonl
  std::string meta_json;  // sweep.json: name, axes (label, numeric, values), plots
  uint32_t ok = 0;
  uint32_t failed = 0;
  std::vector<uint32_t> pending;  // points with neither file (their rows are left out)
};

// Reads every finished point. A result file that does not parse is an error naming it.
absl::StatusOr<SweepTable> BuildSweepTable(const config::SweepManifest& manifest,
                                           const std::string& dir);

// Writes results.csv, results.jsonl and sweep.json into `dir`, each atomically.
absl::Status WriteSweepTable(const SweepTable& table, const std::string& dir);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_SWEEP_TABLE_H_
