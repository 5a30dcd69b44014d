#include "sim/report/result_format.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "proto/trace.pb.h"
#include "sim/report/proto_json.h"
#include "sim/util/json_writer.h"

namespace memsim::report {

std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string CellToCsv(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return CsvQuote(*s);
  if (const auto* u = std::get_if<uint64_t>(&cell)) return absl::StrCat(*u);
  return ShortestDouble(std::get<double>(cell));
}

std::string CellToJson(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return JsonEscape(*s);
  if (const auto* u = std::get_if<uint64_t>(&cell)) return absl::StrCat(*u);
  const double d = std::get<double>(cell);
  return std::isfinite(d) ? ShortestDouble(d) : "null";
}

absl::StatusOr<std::string> ResultToJson(const result::Result& result) {
  return ProtoToJson(result);
}

absl::StatusOr<result::Result> ResultFromJson(const std::string& json) {
  result::Result r;
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(json, &r, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a memsim result: ", status.message().ToString()));
  }
  return r;
}

result::Result WithoutHostFields(const result::Result& result) {
  result::Result r = result;
  auto* run = r.mutable_run();
  run->clear_wall_seconds();
  run->clear_events_per_second();
  run->clear_host_peak_rss_bytes();
  run->clear_finished_at();
  run->clear_memsim_version();
  return r;
}

namespace {

// One CSV column: its name and how to get its value.
struct Column {
  std::string name;
  std::function<Cell(const result::Result&)> value;
  // A simulated figure (not what was run, nor how fast the host ran it): the metric
  // columns of sweep tables.
  bool metric = true;
};

const result::EventKindStats* Kind(const result::Result& r, const std::string& kind) {
  for (const auto& e : r.events()) {
    if (e.kind() == kind) return &e;
  }
  return nullptr;
}

// Owner keys as in results: "unknown", "free", "anon", ... in OwnerType order.
std::vector<std::string> OwnerKeys() {
  std::vector<std::string> keys;
  for (int o = trace::OwnerType_MIN; o <= trace::OwnerType_MAX; ++o) {
    std::string name = trace::OwnerType_Name(static_cast<trace::OwnerType>(o));
    if (name.rfind("OWNER_", 0) == 0) name = name.substr(6);
    keys.push_back(absl::AsciiStrToLower(name));
  }
  return keys;
}

const result::OwnerOverhead* Owner(const result::Result& r, const std::string& owner) {
  for (const auto& o : r.overhead().owners()) {
    if (o.owner() == owner) return &o;
  }
  return nullptr;
}

// Bytes per page of the pages allocated to a known owner type (not free, not "unknown",
// not state_unknown): where the models' descriptors are.
double KnownOwnerBytesPerPage(const result::Result& r) {
  uint64_t bytes = 0, pages = 0;
  for (const auto& o : r.overhead().owners()) {
    if (o.owner() == "free" || o.owner() == "unknown" || o.owner() == "state_unknown") continue;
    bytes += o.final_bytes();
    pages += o.pages();
  }
  return pages == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(pages);
}

// The LatencySources fields in proto order: the suffix of their CSV columns and the text
// report's name for them.
struct SourceField {
  const char* key;
  const char* text;
  double (result::LatencySources::*get)() const;
};
constexpr SourceField kSourceFields[] = {
    {"l1", "L1 hit", &result::LatencySources::l1_ns},
    {"l2", "L2 hit", &result::LatencySources::l2_ns},
    {"llc", "LLC hit", &result::LatencySources::llc_ns},
    {"dram_local", "local DRAM", &result::LatencySources::dram_local_ns},
    {"dram_remote_node", "remote DRAM, same socket", &result::LatencySources::dram_remote_node_ns},
    {"dram_remote_socket", "remote DRAM, other socket",
     &result::LatencySources::dram_remote_socket_ns},
    {"dram_cpu_less", "CPU-less node DRAM", &result::LatencySources::dram_cpu_less_ns},
    {"coherence", "coherence (HITM, invalidations)", &result::LatencySources::coherence_ns},
    {"compute", "non-memory work", &result::LatencySources::compute_ns},
    {"copy", "data copy", &result::LatencySources::copy_ns},
};

uint64_t CauseTotal(const result::Result& r,
                    uint64_t (result::InconsistencyCauses::*field)() const) {
  uint64_t n = 0;
  for (const auto& c : r.inconsistency_causes()) n += (c.*field)();
  return n;
}

const std::vector<Column>& Columns() {
  static const std::vector<Column>* columns = [] {
    auto* c = new std::vector<Column>;
    c->push_back({"trace", [](const result::Result& r) { return r.run().trace_path(); }, false});
    c->push_back(
        {"machine", [](const result::Result& r) { return r.run().machine_name(); }, false});
    c->push_back({"model", [](const result::Result& r) { return r.run().model(); }, false});
    c->push_back(
        {"model_label", [](const result::Result& r) { return r.run().model_label(); }, false});
    c->push_back(
        {"pfn_mapping", [](const result::Result& r) { return r.run().pfn_mapping(); }, false});
    c->push_back({"undescribed_rule",
                  [](const result::Result& r) { return r.overhead().undescribed_rule(); }, false});
    c->push_back({"events", [](const result::Result& r) { return Cell(r.num_events()); }});
    c->push_back(
        {"simulated_time_ns", [](const result::Result& r) { return Cell(r.simulated_time_ns()); }});
#define MEMSIM_OVERHEAD_COL(field)  \
  c->push_back({"overhead_" #field, \
                [](const result::Result& r) { return Cell(r.overhead().machine().field()); }});
    MEMSIM_OVERHEAD_COL(ram_bytes)
    MEMSIM_OVERHEAD_COL(static_bytes)
    MEMSIM_OVERHEAD_COL(descriptor_live_bytes)
    MEMSIM_OVERHEAD_COL(slab_bytes)
    MEMSIM_OVERHEAD_COL(hvo_saved_bytes)
    MEMSIM_OVERHEAD_COL(final_bytes)
    MEMSIM_OVERHEAD_COL(peak_bytes)
#undef MEMSIM_OVERHEAD_COL
    c->push_back({"overhead_mean_bytes", [](const result::Result& r) {
                    return Cell(r.overhead().machine().mean_bytes());
                  }});
    c->push_back({"overhead_final_percent", [](const result::Result& r) {
                    return Cell(r.overhead().machine().final_percent_of_ram());
                  }});
    c->push_back({"overhead_peak_percent", [](const result::Result& r) {
                    return Cell(r.overhead().machine().peak_percent_of_ram());
                  }});
    c->push_back({"overhead_mean_percent", [](const result::Result& r) {
                    return Cell(r.overhead().machine().mean_percent_of_ram());
                  }});
    // Where the metadata sits (docs/results.md, "Where the metadata sits").
    c->push_back({"metadata_cpu_nodes_bytes",
                  [](const result::Result& r) { return Cell(r.residence().cpu_nodes_bytes()); }});
    c->push_back({"metadata_cpu_less_nodes_bytes", [](const result::Result& r) {
                    return Cell(r.residence().cpu_less_nodes_bytes());
                  }});
    c->push_back({"metadata_cpu_nodes_percent",
                  [](const result::Result& r) { return Cell(r.residence().cpu_nodes_percent()); }});
    c->push_back({"memmap_waste_bytes", [](const result::Result& r) {
                    return Cell(r.residence().memmap_waste_bytes());
                  }});
    // Described memory, then the whole machine under undescribed_rule (docs/results.md).
    c->push_back({"described_pages",
                  [](const result::Result& r) { return Cell(r.overhead().described().pages()); }});
    c->push_back({"undescribed_pages",
                  [](const result::Result& r) { return Cell(r.overhead().undescribed_pages()); }});
    for (const char* part : {"described", "whole"}) {
      const std::string p = part;
      const auto figures = [p](const result::Result& r) -> const result::OverheadFigures& {
        return p == "described" ? r.overhead().described() : r.overhead().whole();
      };
      const auto add = [&](const std::string& name,
                           std::function<Cell(const result::OverheadFigures&)> value) {
        c->push_back({p + "_" + name,
                      [figures, value](const result::Result& r) { return value(figures(r)); }});
      };
      if (p == "described") {
        add("static_bytes", [](const auto& f) { return Cell(f.static_bytes()); });
        add("descriptor_live_bytes", [](const auto& f) { return Cell(f.descriptor_live_bytes()); });
        add("slab_bytes", [](const auto& f) { return Cell(f.slab_bytes()); });
        add("hvo_saved_bytes", [](const auto& f) { return Cell(f.hvo_saved_bytes()); });
      }
      add("final_bytes", [](const auto& f) { return Cell(f.final_bytes()); });
      add("peak_bytes", [](const auto& f) { return Cell(f.peak_bytes()); });
      add("mean_bytes", [](const auto& f) { return Cell(f.mean_bytes()); });
      add("final_percent", [](const auto& f) { return Cell(f.final_percent_of_ram()); });
      add("peak_percent", [](const auto& f) { return Cell(f.peak_percent_of_ram()); });
      add("mean_percent", [](const auto& f) { return Cell(f.mean_percent_of_ram()); });
      add("bytes_per_page", [](const auto& f) { return Cell(f.final_bytes_per_page()); });
    }
    for (const std::string& owner : OwnerKeys()) {
      c->push_back({"bytes_per_page_" + owner, [owner](const result::Result& r) {
                      const auto* o = Owner(r, owner);
                      return Cell(o ? o->bytes_per_page() : 0.0);
                    }});
    }
    c->push_back({"bytes_per_page_owner_known",
                  [](const result::Result& r) { return Cell(KnownOwnerBytesPerPage(r)); }});
#define MEMSIM_TOTAL_COL(field) \
  c->push_back({"total_" #field, [](const result::Result& r) { return Cell(r.total().field()); }});
    MEMSIM_TOTAL_COL(accesses)
    MEMSIM_TOTAL_COL(line_accesses)
    MEMSIM_TOTAL_COL(l1_misses)
    MEMSIM_TOTAL_COL(l2_misses)
    MEMSIM_TOTAL_COL(llc_misses)
    MEMSIM_TOTAL_COL(dram_local)
    MEMSIM_TOTAL_COL(dram_remote)
    MEMSIM_TOTAL_COL(coherence_transfers)
#undef MEMSIM_TOTAL_COL
    for (const char* kind :
         {"alloc", "free", "fault", "migrate", "migrate_batch", "compaction_scan", "compaction"}) {
      const std::string k = kind;
      c->push_back({k + "_count", [k](const result::Result& r) {
                      const auto* e = Kind(r, k);
                      return Cell(e ? e->count() : uint64_t{0});
                    }});
      for (const char* stat : {"mean", "p50", "p90", "p99", "max"}) {
        const std::string s = stat;
        c->push_back({k + "_" + s + "_ns", [k, s](const result::Result& r) {
                        const auto* e = Kind(r, k);
                        if (e == nullptr) return Cell(0.0);
                        const auto& l = e->latency();
                        double v = s == "mean"  ? l.mean_ns()
                                   : s == "p50" ? l.p50_ns()
                                   : s == "p90" ? l.p90_ns()
                                   : s == "p99" ? l.p99_ns()
                                                : l.max_ns();
                        return Cell(v);
                      }});
      }
      c->push_back({k + "_llc_misses", [k](const result::Result& r) {
                      const auto* e = Kind(r, k);
                      return Cell(e ? e->accesses().llc_misses() : uint64_t{0});
                    }});
    }
    // Uncertainty (docs/results.md): events modelled vs dropped, contradictions by cause.
#define MEMSIM_COVERAGE_COL(name, field) \
  c->push_back({name, [](const result::Result& r) { return Cell(r.coverage().field()); }});
    MEMSIM_COVERAGE_COL("events_modelled", modelled)
    MEMSIM_COVERAGE_COL("events_dropped", dropped)
    MEMSIM_COVERAGE_COL("dropped_unmapped_pfn", dropped_unmapped_pfn)
    MEMSIM_COVERAGE_COL("dropped_fault_without_pfn", dropped_fault_without_pfn)
    MEMSIM_COVERAGE_COL("dropped_not_applied", dropped_not_applied)
    MEMSIM_COVERAGE_COL("events_dropped_percent", dropped_percent)
    MEMSIM_COVERAGE_COL("state_ops", state_ops)
    MEMSIM_COVERAGE_COL("contradictions", contradictions)
    MEMSIM_COVERAGE_COL("contradictions_percent", contradictions_percent)
#undef MEMSIM_COVERAGE_COL
#define MEMSIM_CAUSE_COL(field)                                                    \
  c->push_back({"contradictions_" #field, [](const result::Result& r) {            \
                  return Cell(CauseTotal(r, &result::InconsistencyCauses::field)); \
                }});
    MEMSIM_CAUSE_COL(stale_snapshot)
    MEMSIM_CAUSE_COL(missing_events)
    MEMSIM_CAUSE_COL(no_initial_state)
    MEMSIM_CAUSE_COL(unexplained)
#undef MEMSIM_CAUSE_COL
    c->push_back({"warnings", [](const result::Result& r) {
                    return Cell(static_cast<uint64_t>(r.warnings_size()));
                  }});
    c->push_back({"wall_seconds",
                  [](const result::Result& r) { return Cell(r.run().wall_seconds()); }, false});
    c->push_back({"events_per_second",
                  [](const result::Result& r) { return Cell(r.run().events_per_second()); },
                  false});
    // Added after the host columns so that every earlier column keeps its place: the
    // latency by source (docs/results.md, "Where the latency goes"), all events, then per
    // event kind.
    for (const SourceField& f : kSourceFields) {
      const auto get = f.get;
      c->push_back({absl::StrCat("latency_", f.key, "_ns"),
                    [get](const result::Result& r) { return Cell((r.latency_sources().*get)()); }});
    }
    for (const char* kind :
         {"alloc", "free", "fault", "migrate", "migrate_batch", "compaction_scan", "compaction"}) {
      const std::string k = kind;
      for (const SourceField& f : kSourceFields) {
        const auto get = f.get;
        c->push_back(
            {absl::StrCat(k, "_latency_", f.key, "_ns"), [k, get](const result::Result& r) {
               const auto* e = Kind(r, k);
               return Cell(e ? (e->latency_sources().*get)() : 0.0);
             }});
      }
    }
    return c;
  }();
  return *columns;
}

}  // namespace

std::string CsvHeader() {
  std::vector<std::string> names;
  for (const Column& c : Columns()) names.push_back(c.name);
  return absl::StrJoin(names, ",") + "\n";
}

std::string CsvRow(const result::Result& result) {
  std::vector<std::string> values;
  for (const Column& c : Columns()) values.push_back(CellToCsv(c.value(result)));
  return absl::StrJoin(values, ",") + "\n";
}

std::vector<std::string> MetricNames() {
  std::vector<std::string> names;
  for (const Column& c : Columns()) {
    if (c.metric) names.push_back(c.name);
  }
  return names;
}

std::vector<Cell> MetricValues(const result::Result& result) {
  std::vector<Cell> values;
  for (const Column& c : Columns()) {
    if (c.metric) values.push_back(c.value(result));
  }
  return values;
}

namespace {

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (std::abs(b) >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f B", b) : absl::StrFormat("%.2f %s", b, units[u]);
}

struct Row {
  std::string label;
  std::function<double(const result::Result&)> value;
  std::function<std::string(double)> format;
};

}  // namespace

std::string MigrationCoverageLine(uint64_t modelled_pages, uint64_t reported_pages) {
  if (modelled_pages == 0 && reported_pages == 0) return "";
  if (reported_pages == 0) {
    return absl::StrCat("migrated pages modelled: ", modelled_pages,
                        " (the kernel reported none: no mm_migrate_pages events)");
  }
  return absl::StrFormat("migrated pages modelled: %d of %d reported by the kernel (%.1f %%)",
                         modelled_pages, reported_pages, 100.0 * modelled_pages / reported_pages);
}

std::string MigrationCoverageWarning(uint64_t modelled_pages, uint64_t reported_pages) {
  if (reported_pages == 0 ||
      100.0 * modelled_pages >= kMigrationCoverageWarnPercent * reported_pages) {
    return "";
  }
  return absl::StrFormat(
      "warning: only %.1f %% of the pages the kernel migrated are modelled (%d of %d, below "
      "%.0f %%): migration figures undercount (docs/trace-import.md, \"Migrations inferred "
      "from compaction runs\")",
      100.0 * modelled_pages / reported_pages, modelled_pages, reported_pages,
      kMigrationCoverageWarnPercent);
}

std::string CompareTable(const std::vector<result::Result>& results) {
  if (results.empty()) return "";
  auto bytes = [](double v) { return HumanBytes(v); };
  auto count = [](double v) { return absl::StrFormat("%.0f", v); };
  auto ns = [](double v) { return absl::StrFormat("%.1f ns", v); };
  auto pct = [](double v) { return absl::StrFormat("%.4f %%", v); };
  auto per_page = [](double v) { return absl::StrFormat("%.1f B", v); };
  // Headline overhead: the memory the trace described (docs/results.md, "overhead").
  using Figures = result::OverheadFigures;
  const auto described = [](std::function<double(const Figures&)> f) {
    return [f](const result::Result& r) { return f(r.overhead().described()); };
  };
  std::vector<Row> rows = {
      {"overhead, described: static memmap",
       described([](const Figures& f) { return double(f.static_bytes()); }), bytes},
      {"overhead, described: descriptors (live)",
       described([](const Figures& f) { return double(f.descriptor_live_bytes()); }), bytes},
      {"overhead, described: descriptor slabs",
       described([](const Figures& f) { return double(f.slab_bytes()); }), bytes},
      {"overhead, described: HVO saved",
       described([](const Figures& f) { return double(f.hvo_saved_bytes()); }), bytes},
      {"overhead, described: peak total",
       described([](const Figures& f) { return double(f.peak_bytes()); }), bytes},
      {"overhead, described: mean total",
       described([](const Figures& f) { return f.mean_bytes(); }), bytes},
      {"overhead, described: per page (final)",
       described([](const Figures& f) { return f.final_bytes_per_page(); }), per_page},
      {"overhead, described: peak % of its RAM",
       described([](const Figures& f) { return f.peak_percent_of_ram(); }), pct},
  };
  // Per owner type with pages in the first result: its array share + descriptors per page.
  for (const auto& o : results[0].overhead().owners()) {
    if (o.pages() == 0 || o.owner() == "state_unknown") continue;
    const std::string owner = o.owner();
    rows.push_back({absl::StrCat("overhead per page: ", owner,
                                 owner == "unknown" ? " (allocated, owner not known)" : ""),
                    [owner](const result::Result& r) {
                      const auto* ow = Owner(r, owner);
                      return ow ? ow->bytes_per_page() : 0.0;
                    },
                    per_page});
  }
  rows.push_back({"overhead per page: owner known (all)", KnownOwnerBytesPerPage, per_page});
  // The whole machine, labelled with the rule for undescribed memory.
  const std::string rule = results[0].overhead().undescribed_rule();
  const std::string whole = rule == "free"          ? "whole machine, undescribed as free"
                            : rule == "extrapolate" ? "whole machine, undescribed extrapolated"
                                                    : "whole machine";
  const auto whole_row = [](std::function<double(const Figures&)> f) {
    return [f](const result::Result& r) { return f(r.overhead().whole()); };
  };
  rows.push_back({absl::StrCat("overhead, ", whole, ": peak total"),
                  whole_row([](const Figures& f) { return double(f.peak_bytes()); }), bytes});
  rows.push_back({absl::StrCat("overhead, ", whole, ": mean total"),
                  whole_row([](const Figures& f) { return f.mean_bytes(); }), bytes});
  rows.push_back({absl::StrCat("overhead, ", whole, ": peak % of RAM"),
                  whole_row([](const Figures& f) { return f.peak_percent_of_ram(); }), pct});
  std::vector<Row> more = {
      {"metadata accesses", [](const result::Result& r) { return double(r.total().accesses()); },
       count},
      {"cache lines touched",
       [](const result::Result& r) { return double(r.total().line_accesses()); }, count},
      {"L1 misses", [](const result::Result& r) { return double(r.total().l1_misses()); }, count},
      {"L2 misses", [](const result::Result& r) { return double(r.total().l2_misses()); }, count},
      {"LLC misses", [](const result::Result& r) { return double(r.total().llc_misses()); }, count},
      {"DRAM local", [](const result::Result& r) { return double(r.total().dram_local()); }, count},
      {"DRAM remote", [](const result::Result& r) { return double(r.total().dram_remote()); },
       count},
      {"coherence transfers (HITM)",
       [](const result::Result& r) { return double(r.total().coherence_transfers()); }, count},
  };
  rows.insert(rows.end(), more.begin(), more.end());
  std::vector<std::string> counted_only;  // kinds no model gives metadata work
  for (const auto& e : results[0].events()) {
    if (e.count() == 0) continue;
    const std::string k = e.kind();
    bool modelled = false;
    for (const auto& r : results) {
      const auto* ev = Kind(r, k);
      if (ev != nullptr && (ev->latency().max_ns() > 0 || ev->accesses().accesses() > 0)) {
        modelled = true;
      }
    }
    if (!modelled) {
      counted_only.push_back(absl::StrCat(k, " ", e.count()));
      continue;
    }
    auto lat = [k](const char* which) {
      return [k, which = std::string(which)](const result::Result& r) {
        const auto* ev = Kind(r, k);
        if (!ev) return 0.0;
        return which == "mean"  ? ev->latency().mean_ns()
               : which == "p50" ? ev->latency().p50_ns()
               : which == "p99" ? ev->latency().p99_ns()
                                : ev->latency().max_ns();
      };
    };
    rows.push_back({absl::StrCat(k, " (", e.count(), "): mean"), lat("mean"), ns});
    rows.push_back({absl::StrCat(k, ": p50"), lat("p50"), ns});
    rows.push_back({absl::StrCat(k, ": p99"), lat("p99"), ns});
    rows.push_back({absl::StrCat(k, ": LLC misses"),
                    [k](const result::Result& r) {
                      const auto* ev = Kind(r, k);
                      return ev ? double(ev->accesses().llc_misses()) : 0.0;
                    },
                    count});
  }
  // Where the latency went, all events (docs/results.md, "Where the latency goes"): the
  // sources some result has time in.
  auto time = [](double v) {
    return std::abs(v) < 1e4   ? absl::StrFormat("%.1f ns", v)
           : std::abs(v) < 1e7 ? absl::StrFormat("%.2f us", v / 1e3)
                               : absl::StrFormat("%.3f ms", v / 1e6);
  };
  for (const SourceField& f : kSourceFields) {
    const auto get = f.get;
    const auto value = [get](const result::Result& r) { return (r.latency_sources().*get)(); };
    if (std::none_of(results.begin(), results.end(),
                     [&](const result::Result& r) { return value(r) != 0; })) {
      continue;
    }
    rows.push_back({absl::StrCat("latency by source: ", f.text), value, time});
  }
  rows.push_back({"simulated time", [](const result::Result& r) { return r.simulated_time_ns(); },
                  [](double v) { return absl::StrFormat("%.3f ms", v / 1e6); }});
  // State contradictions by cause (docs/results.md); the same for every model unless the
  // results come from different traces.
  rows.push_back({"inconsistencies: stale snapshot",
                  [](const result::Result& r) {
                    double n = 0;
                    for (const auto& c : r.inconsistency_causes()) n += c.stale_snapshot();
                    return n;
                  },
                  count});
  rows.push_back({"inconsistencies: missing events",
                  [](const result::Result& r) {
                    double n = 0;
                    for (const auto& c : r.inconsistency_causes()) n += c.missing_events();
                    return n;
                  },
                  count});
  rows.push_back({"inconsistencies: no initial state",
                  [](const result::Result& r) {
                    double n = 0;
                    for (const auto& c : r.inconsistency_causes()) n += c.no_initial_state();
                    return n;
                  },
                  count});
  rows.push_back({"inconsistencies: unexplained",
                  [](const result::Result& r) {
                    double n = 0;
                    for (const auto& c : r.inconsistency_causes()) n += c.unexplained();
                    return n;
                  },
                  count});

  // Column texts, then widths.
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> head = {"metric"};
  for (size_t i = 0; i < results.size(); ++i) {
    head.push_back(results[i].run().model_label());
    if (i > 0) head.push_back(absl::StrCat("vs ", results[0].run().model_label()));
  }
  cells.push_back(head);
  for (const Row& row : rows) {
    std::vector<std::string> line = {row.label};
    const double base = row.value(results[0]);
    for (size_t i = 0; i < results.size(); ++i) {
      const double v = row.value(results[i]);
      line.push_back(row.format(v));
      if (i > 0) {
        line.push_back(base == 0 ? (v == 0 ? "=" : "n/a")
                                 : absl::StrFormat("%+.1f %%", 100.0 * (v - base) / base));
      }
    }
    cells.push_back(line);
  }
  std::vector<size_t> width(head.size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  const result::Overhead& o0 = results[0].overhead();
  const uint64_t all_pages = o0.described().pages() + o0.undescribed_pages();
  if (all_pages > 0) {
    absl::StrAppendFormat(
        &out,
        "described memory: %d of %d pages (%.2f %%) have a state from the snapshot or an "
        "event\n%s: the other %d pages %s\n\n",
        o0.described().pages(), all_pages, 100.0 * o0.described().pages() / all_pages, whole,
        o0.undescribed_pages(),
        rule == "free" ? "hold no descriptor, as free memory (--undescribed=free)"
                       : "hold what described pages hold, per page (--undescribed=extrapolate)");
  }
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t c = 0; c < cells[r].size(); ++c) {
      if (c == 0) {
        absl::StrAppend(&out, cells[r][c], std::string(width[c] - cells[r][c].size(), ' '));
      } else {
        absl::StrAppend(&out, "  ", std::string(width[c] - cells[r][c].size(), ' '), cells[r][c]);
      }
    }
    absl::StrAppend(&out, "\n");
    if (r == 0) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      absl::StrAppend(&out, std::string(total - 2, '-'), "\n");
    }
  }
  // Uncertainty footer (docs/results.md, "Uncertainty"): the same for every model of one
  // trace, so the first result's.
  const result::EventCoverage& cov = results[0].coverage();
  absl::StrAppendFormat(&out,
                        "events: %d read, %d modelled, %d dropped (%.2f %%: %d unmapped pfn, %d "
                        "faults without pfn, %d not applied)\n",
                        cov.events(), cov.modelled(), cov.dropped(), cov.dropped_percent(),
                        cov.dropped_unmapped_pfn(), cov.dropped_fault_without_pfn(),
                        cov.dropped_not_applied());
  absl::StrAppendFormat(&out,
                        "state contradictions: %d of %d alloc/free/migrate operations (%.2f %%)\n",
                        cov.contradictions(), cov.state_ops(), cov.contradictions_percent());
  std::vector<std::string> by_cause;
  for (const auto& c : results[0].inconsistency_causes()) {
    std::vector<std::string> parts;
    for (const auto& [n, what] : {std::pair{c.stale_snapshot(), "stale snapshot"},
                                  std::pair{c.missing_events(), "missing events"},
                                  std::pair{c.no_initial_state(), "no initial state"},
                                  std::pair{c.unexplained(), "unexplained"}}) {
      if (n > 0) parts.push_back(absl::StrCat(n, " ", what));
    }
    if (parts.empty()) continue;
    by_cause.push_back(absl::StrCat(
        c.name(), " ",
        c.stale_snapshot() + c.missing_events() + c.no_initial_state() + c.unexplained(), " = ",
        absl::StrJoin(parts, " + ")));
  }
  if (!by_cause.empty()) {
    absl::StrAppend(&out, "inconsistencies by cause (", results[0].run().model_label(),
                    "): ", absl::StrJoin(by_cause, "; "), "\n");
  }
  if (!counted_only.empty()) {
    absl::StrAppend(&out, "counted, no metadata work modelled: ", absl::StrJoin(counted_only, ", "),
                    "\n");
  }
  const result::MigrationCoverage& mig = results[0].migrations();
  if (const std::string line = MigrationCoverageLine(mig.modelled_pages(), mig.reported_pages());
      !line.empty()) {
    absl::StrAppend(&out, line,
                    mig.inferred_pages() > 0
                        ? absl::StrCat(", ", mig.inferred_pages(), " of them inferred")
                        : "",
                    "\n");
  }
  std::vector<std::string> warnings;
  for (const auto& r : results) {
    for (const std::string& w : r.warnings()) {
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
    }
  }
  for (const std::string& w : warnings) absl::StrAppend(&out, "warning: ", w, "\n");
  return out;
}

}  // namespace memsim::report
