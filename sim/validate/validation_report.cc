#include "sim/validate/validation_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/util/json_writer.h"

namespace memsim::validate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Nearest rank: the value at 1-based rank ceil(p/100 x n). REQUIRES: sorted, non-empty.
double NearestRank(const std::vector<double>& sorted, int p) {
  const uint64_t n = sorted.size();
  uint64_t rank = (static_cast<uint64_t>(p) * n + 99) / 100;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

double Ratio(double predicted, double reference) {
  return reference > 0 && predicted >= 0 ? predicted / reference : kNaN;
}

bool StreamWithinGoal(double ratio) {
  return std::isfinite(ratio) && std::fabs(ratio - 1) <= kStreamTolerance + 1e-12;
}

bool FactorWithinGoal(double ratio) {
  return std::isfinite(ratio) && ratio > 0 && std::max(ratio, 1 / ratio) <= kScanP50Factor;
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "-";
  return absl::StrFormat("%.2f", v);
}

std::string Factor(double r) {
  if (!std::isfinite(r)) return "-";
  return absl::StrFormat("%.2fx", r);
}

std::string Row(const std::string& label, const Distribution& d) {
  return absl::StrFormat("    %-10s %10s %10s %10s %10s\n", label, Num(d.p10), Num(d.p50),
                         Num(d.p90), Num(d.mean));
}

Distribution PerPage(const OperationPrediction& p) {
  Distribution d;
  d.count = p.events;
  if (p.pages_per_event == 0) return d;
  d.p10 = p.per_page(p.p10_ns);
  d.p50 = p.per_page(p.p50_ns);
  d.p90 = p.per_page(p.p90_ns);
  d.mean = p.per_page(p.mean_ns);
  return d;
}

void JsonDistribution(JsonWriter& j, const Distribution& d) {
  j.BeginObject();
  j.Key("count").Uint(d.count);
  j.Key("p10").Double(d.p10);
  j.Key("p50").Double(d.p50);
  j.Key("p90").Double(d.p90);
  j.Key("mean").Double(d.mean);
  j.EndObject();
}

}  // namespace

Distribution Summarise(std::vector<double> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = values.size();
  d.p10 = NearestRank(values, 10);
  d.p50 = NearestRank(values, 50);
  d.p90 = NearestRank(values, 90);
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  return d;
}

CaptureTiming CaptureTiming::From(const KernelTimings& t) {
  CaptureTiming c;
  c.path = t.path;
  c.lines = t.lines;
  c.compaction_runs = t.compaction_runs;
  c.isolate_migratepages = t.isolate_migratepages;
  c.microsecond_timestamps = t.microsecond_timestamps;
  c.lost_events = t.lost_events;
  std::vector<double> per_pfn, per_block, per_page;
  for (const PageblockScan& s : t.scans) {
    per_pfn.push_back(s.ns_per_pfn());
    per_block.push_back(static_cast<double>(s.ns));
  }
  for (const MigrationBatch& b : t.batches) {
    per_page.push_back(b.ns_per_page());
    c.migrated_pages += b.succeeded;
  }
  c.scan_ns_per_pfn = Summarise(std::move(per_pfn));
  c.scan_ns_per_block = Summarise(std::move(per_block));
  c.migrate_ns_per_page = Summarise(std::move(per_page));
  c.batches_without_pages = t.batches_without_pages;
  return c;
}

std::string FormatValidationText(const ValidationReport& r) {
  std::string s = absl::StrCat("memsim validate: machine ", r.machine_name, " (", r.machine_path,
                               "), model ", r.scan.model, "\n");
  absl::StrAppend(&s, "timing: ", r.timing, "\n\n");
  absl::StrAppend(&s, absl::StrFormat("Microbenchmark streams, predicted vs measured (goal: "
                                      "within +-%.0f %%)\n",
                                      kStreamTolerance * 100));
  absl::StrAppend(&s, absl::StrFormat("  %-17s %-8s %10s %10s %10s  %s\n", "stream", "unit",
                                      "measured", "predicted", "pred/meas", "goal"));
  for (const StreamPrediction& p : r.streams) {
    const double ratio = Ratio(p.predicted_ns, p.measured_ns);
    absl::StrAppend(
        &s,
        absl::StrFormat(
            "  %-17s %-8s %10s %10s %10s  %s\n", p.name, p.unit,
            Num(p.measured_ns > 0 ? p.measured_ns : kNaN), Num(p.predicted_ns), Factor(ratio),
            std::isfinite(ratio) ? (StreamWithinGoal(ratio) ? "met" : "missed") : "not measured"));
  }
  const Distribution scan = PerPage(r.scan);
  const Distribution migration = PerPage(r.migration);
  absl::StrAppend(
      &s, absl::StrFormat("\nCompaction migrate scan, ns per pfn (goal: predicted p50 within "
                          "%.1fx of recorded)\n",
                          kScanP50Factor));
  absl::StrAppend(&s, absl::StrFormat("  predicted: %d pageblocks of %d in-use pfns, cold, "
                                      "replayed with %s\n",
                                      r.scan.events, r.scan.pages_per_event, r.scan.model));
  absl::StrAppend(
      &s, absl::StrFormat("    %-10s %10s %10s %10s %10s\n", "", "p10", "p50", "p90", "mean"));
  s += Row("predicted", scan);
  for (const CaptureTiming& c : r.captures) {
    absl::StrAppend(&s, absl::StrFormat("  capture %s: %d pageblocks (consecutive nr_taken=0 "
                                        "pairs) of %d isolate_migratepages in %d compaction "
                                        "runs\n",
                                        c.path, c.scan_ns_per_pfn.count, c.isolate_migratepages,
                                        c.compaction_runs));
    if (c.scan_ns_per_pfn.count == 0) {
      s += "    no consecutive nr_taken=0 scans: nothing to compare\n";
      continue;
    }
    s += Row("recorded", c.scan_ns_per_pfn);
    const double ratio = Ratio(scan.p50, c.scan_ns_per_pfn.p50);
    absl::StrAppend(&s, absl::StrFormat("    predicted / recorded p50: %s (goal %s)\n",
                                        Factor(ratio), FactorWithinGoal(ratio) ? "met" : "missed"));
    absl::StrAppend(&s, absl::StrFormat("    recorded ns per pageblock: p10 %s, p50 %s, p90 %s\n",
                                        Num(c.scan_ns_per_block.p10), Num(c.scan_ns_per_block.p50),
                                        Num(c.scan_ns_per_block.p90)));
    if (c.microsecond_timestamps) {
      s += "    note: timestamps in whole microseconds (trace_pipe): per-pfn figures step by "
           "1000/512 ns; `trace-cmd report -t` gives ns\n";
    }
    if (c.lost_events > 0) {
      absl::StrAppend(&s, "    note: ", c.lost_events, " events lost (chains cut there)\n");
    }
  }
  s += "\nMigration, ns per page (mm_migrate_pages_start -> mm_migrate_pages, / nr_succeeded)\n";
  absl::StrAppend(&s, absl::StrFormat("  predicted: %d order-0 migrations, replayed with %s\n",
                                      r.migration.events, r.migration.model));
  absl::StrAppend(
      &s, absl::StrFormat("    %-10s %10s %10s %10s %10s\n", "", "p10", "p50", "p90", "mean"));
  s += Row("predicted", migration);
  for (const CaptureTiming& c : r.captures) {
    absl::StrAppend(&s, absl::StrFormat("  capture %s: %d batches, %d pages (%d batches moved "
                                        "none)\n",
                                        c.path, c.migrate_ns_per_page.count, c.migrated_pages,
                                        c.batches_without_pages));
    if (c.migrate_ns_per_page.count == 0) continue;
    s += Row("recorded", c.migrate_ns_per_page);
    absl::StrAppend(&s, absl::StrFormat("    predicted / recorded p50: %s\n",
                                        Factor(Ratio(migration.p50, c.migrate_ns_per_page.p50))));
  }
  return s;
}

std::string FormatValidationJson(const ValidationReport& r) {
  JsonWriter j;
  j.BeginObject();
  j.Key("machine").BeginObject();
  j.Key("name").String(r.machine_name);
  j.Key("path").String(r.machine_path);
  j.Key("timing").String(r.timing);
  j.EndObject();
  j.Key("goals").BeginObject();
  j.Key("stream_tolerance").Double(kStreamTolerance);
  j.Key("scan_p50_factor").Double(kScanP50Factor);
  j.EndObject();
  j.Key("streams").BeginArray();
  for (const StreamPrediction& p : r.streams) {
    const double ratio = Ratio(p.predicted_ns, p.measured_ns);
    j.BeginObject();
    j.Key("name").String(p.name);
    j.Key("unit").String(p.unit);
    j.Key("accesses").Uint(p.accesses);
    j.Key("measured_ns").Double(p.measured_ns > 0 ? p.measured_ns : kNaN);
    j.Key("predicted_ns").Double(p.predicted_ns);
    j.Key("ratio").Double(ratio);
    j.Key("within_goal").Bool(StreamWithinGoal(ratio));
    j.EndObject();
  }
  j.EndArray();
  const Distribution scan = PerPage(r.scan);
  const Distribution migration = PerPage(r.migration);
  j.Key("predicted").BeginObject();
  j.Key("model").String(r.scan.model);
  j.Key("scan").BeginObject();
  j.Key("pageblocks").Uint(r.scan.events);
  j.Key("pfns_per_pageblock").Uint(r.scan.pages_per_event);
  j.Key("ns_per_pfn");
  JsonDistribution(j, scan);
  j.EndObject();
  j.Key("migration").BeginObject();
  j.Key("pages").Uint(r.migration.events);
  j.Key("ns_per_page");
  JsonDistribution(j, migration);
  j.EndObject();
  j.EndObject();
  j.Key("captures").BeginArray();
  for (const CaptureTiming& c : r.captures) {
    j.BeginObject();
    j.Key("path").String(c.path);
    j.Key("lines").Uint(c.lines);
    j.Key("compaction_runs").Uint(c.compaction_runs);
    j.Key("isolate_migratepages").Uint(c.isolate_migratepages);
    j.Key("microsecond_timestamps").Bool(c.microsecond_timestamps);
    j.Key("lost_events").Uint(c.lost_events);
    j.Key("scan").BeginObject();
    j.Key("ns_per_pfn");
    JsonDistribution(j, c.scan_ns_per_pfn);
    j.Key("ns_per_pageblock");
    JsonDistribution(j, c.scan_ns_per_block);
    const double scan_ratio = Ratio(scan.p50, c.scan_ns_per_pfn.p50);
    j.Key("p50_ratio").Double(scan_ratio);
    j.Key("within_goal").Bool(FactorWithinGoal(scan_ratio));
    j.EndObject();
    j.Key("migration").BeginObject();
    j.Key("pages").Uint(c.migrated_pages);
    j.Key("batches_without_pages").Uint(c.batches_without_pages);
    j.Key("ns_per_page");
    JsonDistribution(j, c.migrate_ns_per_page);
    j.Key("p50_ratio").Double(Ratio(migration.p50, c.migrate_ns_per_page.p50));
    j.EndObject();
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str();
}

}  // namespace memsim::validate
