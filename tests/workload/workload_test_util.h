// Helpers for the workload tests: an in-memory sink and a checker that replays a generated
// stream against its own model of physical memory and reports every broken invariant.
#ifndef MEMSIM_TESTS_WORKLOAD_WORKLOAD_TEST_UTIL_H_
#define MEMSIM_TESTS_WORKLOAD_WORKLOAD_TEST_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/trace/event.h"
#include "sim/workload/builtin_workloads.h"
#include "sim/workload/event_sink.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/workload_params.h"
#include "tests/testing/temp_dir.h"

namespace memsim::workload::testing {

class VectorSink : public EventSink {
 public:
  absl::Status AddSnapshotRun(const SnapshotRun& run) override {
    runs.push_back(run);
    return absl::OkStatus();
  }
  absl::Status Add(const Event& event) override {
    events.push_back(event);
    return absl::OkStatus();
  }
  std::vector<SnapshotRun> runs;
  std::vector<Event> events;
};

inline std::string TempPath(const std::string& name) { return test_util::TmpPath(name); }

// Generates `name` with `params` into memory. Fails the test on error.
inline VectorSink Generate(const std::string& name, const WorkloadParams& params) {
  WorkloadRegistry registry;
  RegisterBuiltinWorkloads(registry);
  VectorSink sink;
  auto workload = registry.Create(name, params);
  EXPECT_TRUE(workload.ok()) << workload.status();
  if (!workload.ok()) return sink;
  absl::Status s = (*workload)->Generate(&sink);
  EXPECT_TRUE(s.ok()) << s;
  return sink;
}

struct StreamStats {
  std::map<EventKind, uint64_t> by_kind;
  uint64_t anon_pages = 0;      // pages of ANON allocations
  uint64_t anon_thp_pages = 0;  // of which in order-9 allocations
  uint64_t migrated_pages = 0;
  uint64_t cross_node_migrations = 0;
  uint64_t compaction_migrations = 0;
  uint64_t compactions = 0;
  uint64_t migrate_scans = 0;
  uint64_t free_scans = 0;
  uint64_t live_pages_at_end = 0;
  uint64_t count(EventKind k) const {
    auto it = by_kind.find(k);
    return it == by_kind.end() ? 0 : it->second;
  }
};

// Replays the stream; returns the first violated invariant (with the event index).
inline absl::Status CheckStream(const MachineDesc& machine, const std::vector<SnapshotRun>& runs,
                                const std::vector<Event>& events, StreamStats* stats) {
  std::map<uint64_t, uint32_t> live;  // pfn -> order
  // Snapshot: must cover every node exactly.
  uint64_t covered = 0;
  uint64_t prev_end = 0;
  for (const SnapshotRun& r : runs) {
    if (r.start_pfn < prev_end) return absl::InternalError("snapshot runs overlap");
    prev_end = r.start_pfn + r.count;
    covered += r.count;
    if (r.count % (uint64_t{1} << r.order) != 0 || r.start_pfn % (uint64_t{1} << r.order) != 0) {
      return absl::InternalError("snapshot run not made of aligned blocks");
    }
    if (r.owner == trace::OWNER_FREE) continue;
    for (uint64_t p = r.start_pfn; p < r.start_pfn + r.count; p += uint64_t{1} << r.order) {
      live[p] = r.order;
    }
  }
  if (covered != machine.total_pages()) return absl::InternalError("snapshot misses pages");

  auto overlaps = [&live](uint64_t pfn, uint64_t pages) {
    auto next = live.lower_bound(pfn);
    if (next != live.end() && next->first < pfn + pages) return true;
    if (next != live.begin()) {
      auto prev = std::prev(next);
      if (prev->first + (uint64_t{1} << prev->second) > pfn) return true;
    }
    return false;
  };
  uint64_t last_time = 0;
  uint64_t batch_pages = 0;
  bool in_compaction = false;
  uint64_t last_migrate_scan = 0, last_free_scan = ~uint64_t{0};
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    auto fail = [&](const std::string& what) {
      return absl::InternalError(absl::StrCat("event ", i, " (", DebugString(e), "): ", what));
    };
    ++stats->by_kind[e.kind];
    if (e.time_ns < last_time) return fail("time goes backwards");
    last_time = e.time_ns;
    if (e.cpu >= machine.num_cpus) return fail("cpu out of range");
    const uint64_t pages = uint64_t{1} << e.order;
    switch (e.kind) {
      case trace::EVENT_ALLOC: {
        if (machine.NodeOfPfn(e.pfn) != machine.NodeOfPfn(e.pfn + pages - 1) ||
            machine.NodeOfPfn(e.pfn) >= machine.nodes.size()) {
          return fail("block outside a node");
        }
        if (e.pfn % pages != 0) return fail("misaligned block");
        if (overlaps(e.pfn, pages)) return fail("allocates a live pfn");
        if (e.migratetype < 0 || e.migratetype > 2) return fail("bad migratetype");
        if (e.order > 0 && !(e.gfp_flags & trace::GFP_BIT_COMP) &&
            e.owner != trace::OWNER_UNKNOWN) {
          return fail("compound allocation without __GFP_COMP");
        }
        live[e.pfn] = e.order;
        if (e.owner == trace::OWNER_ANON) {
          stats->anon_pages += pages;
          if (e.order == kPageblockOrder) stats->anon_thp_pages += pages;
        }
        break;
      }
      case trace::EVENT_FREE: {
        auto it = live.find(e.pfn);
        if (it == live.end()) return fail("frees a pfn that is not live");
        if (it->second != e.order) return fail("frees with another order");
        live.erase(it);
        break;
      }
      case trace::EVENT_FAULT: {
        if (e.pfn == kNoPfn) break;
        if (machine.NodeOfPfn(e.pfn) >= machine.nodes.size()) return fail("fault pfn outside");
        if (e.error_code & 1) {  // present: a hinting fault on a mapped page
          auto it = live.upper_bound(e.pfn);
          if (it == live.begin()) return fail("hinting fault on a page that is not live");
          --it;
          if (it->first + (uint64_t{1} << it->second) <= e.pfn) {
            return fail("hinting fault on a page that is not live");
          }
        } else {  // not present: the next event allocates the page
          if (i + 1 >= events.size()) break;
          const Event& n = events[i + 1];
          if (n.kind != trace::EVENT_ALLOC || n.cpu != e.cpu || e.pfn < n.pfn ||
              e.pfn >= n.pfn + (uint64_t{1} << n.order)) {
            return fail("fault not followed by the allocation of its page");
          }
        }
        break;
      }
      case trace::EVENT_MIGRATE: {
        auto src = live.find(e.pfn);
        auto dst = live.find(e.end_pfn);
        if (src == live.end() || src->second != e.order) return fail("migrate src not live");
        if (dst == live.end() || dst->second != e.order) return fail("migrate dst not allocated");
        if (i + 1 >= events.size() || events[i + 1].kind != trace::EVENT_FREE ||
            events[i + 1].pfn != e.pfn) {
          return fail("migration not followed by the free of its source");
        }
        batch_pages += pages;
        stats->migrated_pages += pages;
        if (machine.NodeOfPfn(e.pfn) != machine.NodeOfPfn(e.end_pfn))
          ++stats->cross_node_migrations;
        if (e.reason == trace::MR_COMPACTION) {
          if (!in_compaction) return fail("compaction migration outside compaction");
          ++stats->compaction_migrations;
        }
        break;
      }
      case trace::EVENT_MIGRATE_BATCH:
        if (e.nr_succeeded != batch_pages) return fail("batch count != migrated pages");
        batch_pages = 0;
        break;
      case trace::EVENT_COMPACTION_SCAN:
        if (!in_compaction) return fail("scan outside compaction");
        if (e.end_pfn < e.pfn) return fail("scan range reversed");
        if (e.scanner == trace::SCANNER_MIGRATE) {
          if (e.pfn < last_migrate_scan) return fail("migrate scanner moved down");
          last_migrate_scan = e.pfn;
          ++stats->migrate_scans;
        } else {
          // The free scanner moves down by pageblock; inside one it may resume upward.
          const uint64_t block = e.pfn & ~((uint64_t{1} << kPageblockOrder) - 1);
          if (block > last_free_scan) return fail("free scanner moved up");
          last_free_scan = block;
          ++stats->free_scans;
        }
        break;
      case trace::EVENT_COMPACTION:
        if (e.compaction_end != in_compaction) return fail("compaction begin/end mismatch");
        in_compaction = !e.compaction_end;
        if (in_compaction) {
          ++stats->compactions;
          last_migrate_scan = 0;
          last_free_scan = ~uint64_t{0};
        }
        break;
      default:
        return fail("unexpected kind");
    }
  }
  if (in_compaction) return absl::InternalError("stream ends inside a compaction");
  if (batch_pages != 0) return absl::InternalError("migrations without their batch event");
  for (const auto& [pfn, order] : live) stats->live_pages_at_end += uint64_t{1} << order;
  return absl::OkStatus();
}

inline MachineDesc MachineOf(const WorkloadParams& p) {
  return *MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus);
}

}  // namespace memsim::workload::testing

#endif  // MEMSIM_TESTS_WORKLOAD_WORKLOAD_TEST_UTIL_H_
