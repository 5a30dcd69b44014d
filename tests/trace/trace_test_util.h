// Random but reproducible events of every kind, for round-trip and corruption tests.
#ifndef MEMSIM_TESTS_TRACE_TRACE_TEST_UTIL_H_
#define MEMSIM_TESTS_TRACE_TRACE_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_reader.h"
#include "tests/testing/temp_dir.h"

namespace memsim::testing {

inline std::vector<Event> RandomEvents(int n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Event> out;
  uint64_t t = 1'000'000'000;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.kind = static_cast<EventKind>(1 + rng() % 7);
    t += rng() % 5000;
    if (rng() % 50 == 0) t -= rng() % 3000;  // per-CPU buffers may be slightly out of order
    e.time_ns = t;
    e.cpu = rng() % 64;
    uint64_t pfn = rng() % (1ull << 34);
    switch (e.kind) {
      case trace::EVENT_ALLOC:
        e.pfn = pfn;
        e.order = rng() % 11;
        e.migratetype = static_cast<int32_t>(rng() % 6) - 1;
        e.gfp_flags = rng() & 0x3ffffff;
        e.owner = static_cast<OwnerType>(rng() % 15);
        break;
      case trace::EVENT_FREE:
        e.pfn = pfn;
        e.order = rng() % 11;
        e.batched = rng() % 2;
        break;
      case trace::EVENT_FAULT:
        e.address = rng();
        e.ip = rng();
        e.error_code = rng() % 32;
        e.pfn = rng() % 3 == 0 ? kNoPfn : pfn;
        break;
      case trace::EVENT_MIGRATE:
        e.pfn = pfn;
        e.end_pfn = rng() % (1ull << 34);
        e.order = rng() % 10;
        e.reason = static_cast<MigrateReason>(rng() % 10);
        break;
      case trace::EVENT_MIGRATE_BATCH:
        e.nr_succeeded = rng() % 512;
        e.nr_failed = rng() % 4;
        e.nr_thp_succeeded = rng() % 3;
        e.nr_thp_failed = rng() % 2;
        e.nr_thp_split = rng() % 2;
        e.mode = rng() % 4;
        e.reason = static_cast<MigrateReason>(rng() % 10);
        break;
      case trace::EVENT_COMPACTION_SCAN:
        e.scanner = static_cast<ScannerKind>(rng() % 2);
        e.pfn = pfn;
        e.end_pfn = pfn + rng() % 1024;
        e.nr_scanned = rng() % 1024;
        e.nr_taken = rng() % 32;
        break;
      case trace::EVENT_COMPACTION:
        e.compaction_end = rng() % 2;
        e.zone_start = 0x1000;
        e.zone_end = 0x100000;
        e.migrate_pfn = rng() % 0x100000;
        e.free_pfn = rng() % 0x100000;
        e.sync = rng() % 2;
        e.status = static_cast<int32_t>(rng() % 6) - 1;
        break;
      default:
        break;
    }
    out.push_back(e);
  }
  return out;
}

inline std::string TempPath(const std::string& name) { return test_util::TmpPath(name); }

// Reads a whole .mtrace (snapshot runs, then events); the first error, or OK if it reads
// cleanly.
inline absl::Status ReadAllStatus(const std::string& path) {
  auto reader = TraceReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<SnapshotRun> runs;
  for (;;) {
    auto more = (*reader)->NextSnapshotRuns(&runs);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  std::vector<Event> events;
  for (;;) {
    auto more = (*reader)->NextEvents(&events);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
  }
}

}  // namespace memsim::testing

#endif  // MEMSIM_TESTS_TRACE_TRACE_TEST_UTIL_H_
