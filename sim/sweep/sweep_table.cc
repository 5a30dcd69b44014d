#include "sim/sweep/sweep_table.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "sim/report/result_format.h"
#include "sim/sweep/sweep_spec.h"
#include "sim/util/json_writer.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// A JSON number for a numeric text, or nothing: an integer in full, else the text's double in
// its shortest exact form.
bool JsonNumber(const std::string& text, std::string* out) {
  int64_t i = 0;
  uint64_t u = 0;
  if (absl::SimpleAtoi(text, &i)) {
    *out = absl::StrCat(i);
    return true;
  }
  if (absl::SimpleAtoi(text, &u)) {
    *out = absl::StrCat(u);
    return true;
  }
  double d = 0;
  if (!absl::SimpleAtod(text, &d) || !std::isfinite(d)) return false;
  *out = ShortestDouble(d);
  return true;
}

std::string JsonValue(const std::string& text, bool numeric) {
  std::string n;
  if (numeric && JsonNumber(text, &n)) return n;
  return JsonEscape(text);  // quoted
}

// An axis is numeric when every value is a finite number (plots use it as a continuous x).
bool IsNumeric(const std::vector<std::string>& values) {
  std::string n;
  for (const std::string& v : values) {
    if (!JsonNumber(v, &n)) return false;
  }
  return !values.empty();
}

}  // namespace

std::string PointResultPath(const std::string& dir, uint32_t index) {
  return absl::StrFormat("%s/points/%06u.json", dir, index);
}

std::string PointErrorPath(const std::string& dir, uint32_t index) {
  return absl::StrFormat("%s/points/%06u.error", dir, index);
}

PointState StateOf(const std::string& dir, uint32_t index) {
  if (Exists(PointResultPath(dir, index))) return PointState::kOk;
  if (Exists(PointErrorPath(dir, index))) return PointState::kFailed;
  return PointState::kPending;
}

absl::StatusOr<SweepTable> BuildSweepTable(const config::SweepManifest& manifest,
                                           const std::string& dir) {
  const config::SweepSpec& spec = manifest.spec();
  std::vector<bool> numeric;
  JsonWriter meta;
  meta.BeginObject().Key("name").String(spec.name()).Key("description").String(spec.description());
  meta.Key("axes").BeginArray();
  for (const config::SweepAxis& axis : spec.axis()) {
    std::vector<std::string> values;
    if (spec.point_size() > 0) {
      for (const config::SweepPoint& p : manifest.point()) {
        const std::string& v = p.axis_value(static_cast<int>(numeric.size()));
        if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      }
    } else {
      ASSIGN_OR_RETURN(values, AxisValues(axis));
    }
    const bool is_numeric = IsNumeric(values);
    numeric.push_back(is_numeric);
    meta.BeginObject().Key("name").String(axis.name());
    meta.Key("label").String(axis.label().empty() ? axis.name() : axis.label());
    meta.Key("numeric").Bool(is_numeric);
    // A geometric range reads best on a log scale (base 2: sizes and counts).
    meta.Key("scale").String(axis.has_range() && axis.range().factor() != 0 ? "log2" : "linear");
    meta.Key("values").BeginArray();
    for (const std::string& v : values) {
      int64_t i = 0;
      double d = 0;
      if (is_numeric && absl::SimpleAtoi(v, &i)) {
        meta.Int(i);
      } else if (is_numeric && absl::SimpleAtod(v, &d)) {
        meta.Double(d);
      } else {
        meta.String(v);
      }
    }
    meta.EndArray().EndObject();
  }
  meta.EndArray().Key("points").Uint(manifest.point_size());
  meta.Key("plots").BeginArray();
  for (const config::SweepPlot& plot : spec.plot()) {
    const bool heatmap = plot.kind() == config::SweepPlot::HEATMAP;
    meta.BeginObject().Key("kind").String(heatmap ? "heatmap" : "line");
    meta.Key("title").String(plot.title()).Key("x").String(plot.x());
    if (heatmap) {
      meta.Key("y").String(plot.y());
    } else {
      meta.Key("lines").String(plot.lines().empty() ? "model" : plot.lines());
      meta.Key("breakeven").Bool(plot.breakeven());
      meta.Key("log_y").Bool(plot.log_y());
    }
    meta.Key("metric").String(plot.metric());
    meta.Key("file").String(plot.file().empty()
                                ? absl::StrCat(plot.metric(), "-vs-", plot.x(),
                                               heatmap ? absl::StrCat("-", plot.y()) : "")
                                : plot.file());
    meta.EndObject();
  }
  meta.EndArray().EndObject();

  SweepTable table;
  table.meta_json = meta.str();
  const std::vector<std::string> metrics = report::MetricNames();
  std::vector<std::string> header = {"point", "status"};
  for (const config::SweepAxis& axis : spec.axis()) header.push_back(axis.name());
  header.insert(header.end(), metrics.begin(), metrics.end());
  header.push_back("error");
  table.csv = absl::StrJoin(header, ",") + "\n";
  for (const config::SweepPoint& p : manifest.point()) {
    const PointState state = StateOf(dir, p.index());
    if (state == PointState::kPending) {
      table.pending.push_back(p.index());
      continue;
    }
    std::vector<std::string> row = {absl::StrCat(p.index()),
                                    state == PointState::kOk ? "ok" : "failed"};
    std::string axes_json;
    for (int a = 0; a < p.axis_value_size(); ++a) {
      row.push_back(report::CsvQuote(p.axis_value(a)));
      absl::StrAppend(&axes_json, a ? "," : "", JsonEscape(spec.axis(a).name()), ":",
                      JsonValue(p.axis_value(a), numeric[a]));
    }
    std::string metrics_json, error;
    if (state == PointState::kOk) {
      ASSIGN_OR_RETURN(std::string json, ReadFileToString(PointResultPath(dir, p.index())));
      absl::StatusOr<result::Result> r = report::ResultFromJson(json);
      if (!r.ok()) {
        return absl::DataLossError(absl::StrCat(PointResultPath(dir, p.index()), ": ",
                                                r.status().message(),
                                                " (delete it to run the point again)"));
      }
      // Exact values straight from the result: integers in full, doubles in their shortest
      // exact form, in both the CSV and the JSON lines.
      const std::vector<report::Cell> values = report::MetricValues(*r);
      for (size_t m = 0; m < values.size(); ++m) {
        row.push_back(report::CellToCsv(values[m]));
        absl::StrAppend(&metrics_json, m ? "," : "", JsonEscape(metrics[m]), ":",
                        report::CellToJson(values[m]));
      }
      ++table.ok;
    } else {
      ASSIGN_OR_RETURN(error, ReadFileToString(PointErrorPath(dir, p.index())));
      error = std::string(absl::StripTrailingAsciiWhitespace(error));
      for (size_t m = 0; m < metrics.size(); ++m) row.push_back("");
      ++table.failed;
    }
    row.push_back(report::CsvQuote(error));
    table.csv += absl::StrJoin(row, ",") + "\n";
    absl::StrAppend(&table.jsonl, "{\"point\":", p.index(), ",\"status\":\"",
                    state == PointState::kOk ? "ok" : "failed", "\",\"axes\":{", axes_json,
                    "},\"metrics\":{", metrics_json, "},\"error\":", JsonEscape(error), "}\n");
  }
  return table;
}

absl::Status WriteSweepTable(const SweepTable& table, const std::string& dir) {
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/results.csv", table.csv));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/results.jsonl", table.jsonl));
  return WriteFileAtomically(dir + "/sweep.json", table.meta_json);
}

}  // namespace memsim::sweep
