// Turning results into what people and tools read: JSON (protobuf's JSON mapping, field
// names preserved), CSV rows (one per result, a fixed column list), and the side-by-side
// comparison table printed by `memsim compare`.
#ifndef MEMSIM_SIM_REPORT_RESULT_FORMAT_H_
#define MEMSIM_SIM_REPORT_RESULT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/result.pb.h"

namespace memsim::report {

// Pretty-printed JSON with every field present (zeros included), ending in a newline.
absl::StatusOr<std::string> ResultToJson(const result::Result& result);
absl::StatusOr<result::Result> ResultFromJson(const std::string& json);

// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string CsvQuote(const std::string& s);

// CSV: a header line naming the columns, and one row per result (RFC 4180 quoting).
std::string CsvHeader();
std::string CsvRow(const result::Result& result);

// The CSV columns that are simulated figures (overhead, accesses, misses, latencies), without
// what was run (trace, machine, model) or host figures (wall time, rate): sweep tables use
// them, so that re-running a sweep gives the same table. Values are plain decimal numbers.
std::vector<std::string> MetricNames();
std::vector<std::string> MetricValues(const result::Result& result);

// The comparison table: rows are metrics (overhead, misses, latencies), columns the
// results (labelled by model label), plus each one's relative difference to the first.
std::string CompareTable(const std::vector<result::Result>& results);

// The same result with the host-dependent fields (wall time, rate, RSS, date) cleared, for
// determinism checks and golden files.
result::Result WithoutHostFields(const result::Result& result);

}  // namespace memsim::report

#endif  // MEMSIM_SIM_REPORT_RESULT_FORMAT_H_
