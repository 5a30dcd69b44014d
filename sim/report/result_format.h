// Turning results into what people and tools read: JSON (protobuf's JSON mapping, field
// names preserved, integers as numbers: proto_json.h), CSV rows (one per result, a fixed column
// list), and the side-by-side comparison table printed by `memsim compare`. JSON and CSV
// numbers are exact: integers in full, doubles in the fewest digits that read back as the same
// double (docs/results.md, "Numbers").
#ifndef MEMSIM_SIM_REPORT_RESULT_FORMAT_H_
#define MEMSIM_SIM_REPORT_RESULT_FORMAT_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/result.pb.h"

namespace memsim::report {

// Pretty-printed JSON with every field present (zeros included), ending in a newline
// (ProtoToJson: integers as JSON numbers).
absl::StatusOr<std::string> ResultToJson(const result::Result& result);
// Reads what ResultToJson writes, and protobuf's own mapping (64-bit integers as strings) as
// older memsim versions wrote it.
absl::StatusOr<result::Result> ResultFromJson(const std::string& json);

// One value of a results table: a text, an integer or a double, kept exact until printed.
using Cell = std::variant<std::string, uint64_t, double>;
// A CSV field: texts quoted as CsvQuote, integers in decimal, doubles as ShortestDouble
// (non-finite: nan, inf, -inf, which pandas and Python's float() read).
std::string CellToCsv(const Cell& cell);
// A JSON value: a quoted string, an integer, a ShortestDouble, or null for a non-finite double.
std::string CellToJson(const Cell& cell);

// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string CsvQuote(const std::string& s);

// CSV: a header line naming the columns, and one row per result (RFC 4180 quoting).
std::string CsvHeader();
std::string CsvRow(const result::Result& result);

// The CSV columns that are simulated figures (overhead, accesses, misses, latencies), without
// what was run (trace, machine, model) or host figures (wall time, rate): sweep tables use
// them, so that re-running a sweep gives the same table. Values are numbers (uint64 or double).
std::vector<std::string> MetricNames();
std::vector<Cell> MetricValues(const result::Result& result);

// The comparison table: rows are metrics (overhead, misses, latencies), columns the
// results (labelled by model label), plus each one's relative difference to the first.
std::string CompareTable(const std::vector<result::Result>& results);

// Migration coverage (docs/results.md): "migrated pages modelled: X of Y reported by the
// kernel (Z %)", "" when both are 0; and a warning line when Y > 0 and X is below
// kMigrationCoverageWarnPercent % of Y, else "". Used by import, replay and compare.
inline constexpr double kMigrationCoverageWarnPercent = 90.0;
std::string MigrationCoverageLine(uint64_t modelled_pages, uint64_t reported_pages);
std::string MigrationCoverageWarning(uint64_t modelled_pages, uint64_t reported_pages);

// The same result with the host-dependent fields (wall time, rate, RSS, date) cleared, for
// determinism checks and golden files.
result::Result WithoutHostFields(const result::Result& result);

}  // namespace memsim::report

#endif  // MEMSIM_SIM_REPORT_RESULT_FORMAT_H_
