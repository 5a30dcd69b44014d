#include "sim/trace/trace_summary.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/trace/trace_reader.h"
#include "sim/util/json_writer.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

void SeePfn(TraceSummary* s, uint64_t pfn) {
  if (pfn == kNoPfn) return;
  s->min_pfn = std::min(s->min_pfn, pfn);
  s->max_pfn = std::max(s->max_pfn, pfn);
}

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f B", bytes) : absl::StrFormat("%.1f %s", bytes, units[u]);
}

// "0-3,8,10-11"
std::string CpuList(const std::set<uint32_t>& cpus) {
  std::vector<std::string> parts;
  auto it = cpus.begin();
  while (it != cpus.end()) {
    uint32_t lo = *it, hi = *it;
    for (++it; it != cpus.end() && *it == hi + 1; ++it) hi = *it;
    parts.push_back(lo == hi ? absl::StrCat(lo) : absl::StrCat(lo, "-", hi));
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

absl::StatusOr<TraceSummary> SummarizeTrace(TraceReader& reader) {
  TraceSummary s;
  s.header = reader.header();
  s.file_bytes = reader.file_size();
  for (int k = trace::EVENT_ALLOC; k <= trace::EVENT_COMPACTION; ++k) {
    s.events_by_kind[EventKindKey(static_cast<EventKind>(k))] = 0;
  }
  std::vector<SnapshotRun> runs;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.NextSnapshotRuns(&runs));
    if (!more) break;
    for (const SnapshotRun& r : runs) {
      ++s.snapshot_runs;
      s.snapshot_pages += r.count;
      s.snapshot_pages_by_owner[OwnerTypeKey(r.owner)] += r.count;
    }
  }
  std::vector<Event> events;
  bool first = true;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.NextEvents(&events));
    if (!more) break;
    for (const Event& e : events) {
      if (first) {
        s.first_time_ns = s.last_time_ns = e.time_ns;
        first = false;
      }
      s.first_time_ns = std::min(s.first_time_ns, e.time_ns);
      s.last_time_ns = std::max(s.last_time_ns, e.time_ns);
      ++s.num_events;
      ++s.events_by_kind[EventKindKey(e.kind)];
      s.cpus.insert(e.cpu);
      switch (e.kind) {
        case trace::EVENT_ALLOC: {
          const uint64_t pages = uint64_t{1} << std::min<uint32_t>(e.order, 63);
          ++s.alloc_blocks_by_order[e.order];
          ++s.alloc_blocks_by_owner[OwnerTypeKey(e.owner)];
          s.alloc_pages_by_owner[OwnerTypeKey(e.owner)] += pages;
          s.alloc_pages += pages;
          SeePfn(&s, e.pfn);
          break;
        }
        case trace::EVENT_FREE:
          s.free_pages += uint64_t{1} << std::min<uint32_t>(e.order, 63);
          SeePfn(&s, e.pfn);
          break;
        case trace::EVENT_FAULT:
          SeePfn(&s, e.pfn);
          break;
        case trace::EVENT_MIGRATE:
          SeePfn(&s, e.pfn);
          SeePfn(&s, e.end_pfn);
          break;
        case trace::EVENT_COMPACTION_SCAN:
          SeePfn(&s, e.pfn);
          if (e.end_pfn > e.pfn) SeePfn(&s, e.end_pfn - 1);
          break;
        default:
          break;
      }
    }
  }
  s.footer = reader.footer();
  auto it = s.footer.import_stats().find("skipped");
  if (it != s.footer.import_stats().end()) s.skipped = it->second;
  return s;
}

std::string FormatSummaryText(const std::string& path, const TraceSummary& s) {
  const auto& h = s.header;
  std::string o;
  absl::StrAppend(&o, "trace:       ", path, " (", HumanBytes(s.file_bytes), ")\n");
  absl::StrAppend(&o, "source:      ", h.source().empty() ? "?" : h.source());
  if (!h.kernel_version().empty()) absl::StrAppend(&o, ", kernel ", h.kernel_version());
  if (!h.hostname().empty()) absl::StrAppend(&o, ", host ", h.hostname());
  absl::StrAppend(&o, "\n");
  if (!h.produced_by().empty()) absl::StrAppend(&o, "produced by: ", h.produced_by(), "\n");
  absl::StrAppend(&o, "page size:   ", h.page_size_bytes(), " B   cpus: ", h.num_cpus(),
                  "   clock: ", h.clock().empty() ? "?" : h.clock(), "\n");
  absl::StrAppend(&o, "nodes:       ", h.nodes_size(), "\n");
  for (const auto& n : h.nodes()) {
    absl::StrAppendFormat(
        &o, "  node %u: pfn 0x%x-0x%x (%s)\n", n.node_id(), n.start_pfn(), n.end_pfn(),
        HumanBytes(static_cast<double>(n.end_pfn() - n.start_pfn()) * h.page_size_bytes()));
  }
  std::vector<std::pair<std::string, std::string>> attrs(h.attributes().begin(),
                                                         h.attributes().end());
  std::sort(attrs.begin(), attrs.end());
  for (const auto& [k, v] : attrs) absl::StrAppend(&o, "  ", k, " = ", v, "\n");

  absl::StrAppendFormat(&o, "duration:    %.6f s", (s.last_time_ns - s.first_time_ns) / 1e9);
  if (s.num_events > 0) {
    absl::StrAppendFormat(&o, " (%.6f .. %.6f)", s.first_time_ns / 1e9, s.last_time_ns / 1e9);
  }
  absl::StrAppend(&o, "\n");
  absl::StrAppend(&o, "events:      ", s.num_events, " in ", s.footer.num_chunks(), " chunks\n");
  for (const auto& [k, v] : s.events_by_kind) absl::StrAppendFormat(&o, "  %-16s %12u\n", k, v);
  absl::StrAppend(&o, "skipped:     ", s.skipped, " input lines/records\n");
  for (const auto& [k, v] : s.footer.import_stats()) {
    if (k != "skipped") absl::StrAppendFormat(&o, "  %-28s %12u\n", k, v);
  }
  if (s.num_events > 0) {
    absl::StrAppend(&o, "cpus seen:   ", s.cpus.size(), " (", CpuList(s.cpus), ")\n");
  }
  if (s.min_pfn != kNoPfn) {
    absl::StrAppendFormat(
        &o, "pfn span:    0x%x-0x%x (%s)\n", s.min_pfn, s.max_pfn,
        HumanBytes(static_cast<double>(s.max_pfn - s.min_pfn + 1) * h.page_size_bytes()));
  }
  if (!s.alloc_blocks_by_order.empty()) {
    absl::StrAppend(&o, "allocations by order (blocks, pages):\n");
    for (const auto& [order, n] : s.alloc_blocks_by_order) {
      // order <= trace_format::kMaxOrder: the reader rejects larger ones.
      absl::StrAppendFormat(&o, "  order %-2u %12u %14u\n", order, n,
                            n << std::min<uint32_t>(order, 63));
    }
    absl::StrAppend(&o, "allocations by owner (blocks, pages):\n");
    for (const auto& [owner, n] : s.alloc_blocks_by_owner) {
      absl::StrAppendFormat(&o, "  %-10s %12u %14u\n", owner, n, s.alloc_pages_by_owner.at(owner));
    }
    absl::StrAppendFormat(&o, "pages allocated %u, freed %u\n", s.alloc_pages, s.free_pages);
  }
  if (s.snapshot_runs > 0) {
    absl::StrAppend(&o, "snapshot:    ", s.snapshot_runs, " runs, ", s.snapshot_pages, " pages (",
                    HumanBytes(static_cast<double>(s.snapshot_pages) * h.page_size_bytes()), ")\n");
    for (const auto& [owner, pages] : s.snapshot_pages_by_owner) {
      absl::StrAppendFormat(&o, "  %-10s %14u pages %6.2f %%\n", owner, pages,
                            100.0 * pages / s.snapshot_pages);
    }
  } else {
    absl::StrAppend(&o, "snapshot:    none\n");
  }
  return o;
}

std::string FormatSummaryJson(const std::string& path, const TraceSummary& s) {
  const auto& h = s.header;
  JsonWriter j;
  j.BeginObject();
  j.Key("path").String(path);
  j.Key("file_bytes").Uint(s.file_bytes);
  j.Key("header").BeginObject();
  j.Key("source").String(h.source());
  j.Key("kernel_version").String(h.kernel_version());
  j.Key("hostname").String(h.hostname());
  j.Key("page_size_bytes").Uint(h.page_size_bytes());
  j.Key("num_cpus").Uint(h.num_cpus());
  j.Key("clock").String(h.clock());
  j.Key("produced_by").String(h.produced_by());
  j.Key("memsim_version").String(h.memsim_version());
  j.Key("nodes").BeginArray();
  for (const auto& n : h.nodes()) {
    j.BeginObject();
    j.Key("node_id").Uint(n.node_id());
    j.Key("start_pfn").Uint(n.start_pfn());
    j.Key("end_pfn").Uint(n.end_pfn());
    j.EndObject();
  }
  j.EndArray();
  std::vector<std::pair<std::string, std::string>> attrs(h.attributes().begin(),
                                                         h.attributes().end());
  std::sort(attrs.begin(), attrs.end());
  j.Key("attributes").BeginObject();
  for (const auto& [k, v] : attrs) j.Key(k).String(v);
  j.EndObject();
  j.EndObject();
  j.Key("num_events").Uint(s.num_events);
  j.Key("events").BeginObject();
  for (int k = trace::EVENT_ALLOC; k <= trace::EVENT_COMPACTION; ++k) {
    std::string key = EventKindKey(static_cast<EventKind>(k));
    j.Key(key).Uint(s.events_by_kind.at(key));
  }
  j.EndObject();
  j.Key("skipped").Uint(s.skipped);
  j.Key("import_stats").BeginObject();
  std::map<std::string, uint64_t> stats(s.footer.import_stats().begin(),
                                        s.footer.import_stats().end());
  for (const auto& [k, v] : stats) j.Key(k).Uint(v);
  j.EndObject();
  j.Key("chunks").Uint(s.footer.num_chunks());
  j.Key("first_time_ns").Uint(s.first_time_ns);
  j.Key("last_time_ns").Uint(s.last_time_ns);
  j.Key("duration_ns").Uint(s.last_time_ns - s.first_time_ns);
  j.Key("cpus").BeginArray();
  for (uint32_t c : s.cpus) j.Uint(c);
  j.EndArray();
  j.Key("pfn_span").BeginObject();
  if (s.min_pfn != kNoPfn) {
    j.Key("min").Uint(s.min_pfn);
    j.Key("max").Uint(s.max_pfn);
  }
  j.EndObject();
  j.Key("alloc_blocks_by_order").BeginObject();
  for (const auto& [order, n] : s.alloc_blocks_by_order) j.Key(absl::StrCat(order)).Uint(n);
  j.EndObject();
  j.Key("alloc_blocks_by_owner").BeginObject();
  for (const auto& [owner, n] : s.alloc_blocks_by_owner) j.Key(owner).Uint(n);
  j.EndObject();
  j.Key("alloc_pages_by_owner").BeginObject();
  for (const auto& [owner, n] : s.alloc_pages_by_owner) j.Key(owner).Uint(n);
  j.EndObject();
  j.Key("alloc_pages").Uint(s.alloc_pages);
  j.Key("free_pages").Uint(s.free_pages);
  j.Key("snapshot").BeginObject();
  j.Key("runs").Uint(s.snapshot_runs);
  j.Key("pages").Uint(s.snapshot_pages);
  j.Key("pages_by_owner").BeginObject();
  for (const auto& [owner, n] : s.snapshot_pages_by_owner) j.Key(owner).Uint(n);
  j.EndObject();
  j.EndObject();
  j.EndObject();
  return j.str();
}

}  // namespace memsim
