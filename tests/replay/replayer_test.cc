// Tiny traces whose latencies and misses are computed by hand on tiny-2s (1 core per socket,
// 1 GHz: L1 4 ns, L2 10 ns, LLC 40 ns; DRAM 100 ns local, 200 ns remote; HITM = the matrix
// entry to the owner socket's node; copies over a 10 GB/s link with 200 ns latency).
#include <unistd.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/report/result_format.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::CounterOf;
using testing::Fault;
using testing::KindOf;
using testing::Migrate;
using testing::Replay;
using testing::WriteTrace;

// page64, three faults on one anon page (pfn 100, node 0). A page64 fault reads the page's
// struct page (one line: flags + compound_head) and does two atomics on the same line
// (_refcount and _mapcount of an order-0 folio).
//   1. cpu0 (core 0, socket 0): read misses everywhere -> DRAM local 100; 2 atomics hit L1
//      (4 + 4): 108 ns.
//   2. cpu0 again: 3 L1 hits: 12 ns.
//   3. cpu1 (core 1, socket 1): the line is modified in socket 0 -> HITM 200 (read; both
//      copies clean after); first atomic hits L1 but must invalidate socket 0's copy ->
//      max(4, 200) = 200; second atomic 4: 404 ns.
TEST(Replayer, Page64FaultsHandComputed) {
  const std::string trace =
      WriteTrace("faults", {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0}},
                 {Fault(1000, 0, 100), Fault(2000, 0, 100), Fault(3000, 1, 100)});
  Replay replay(trace, "page64");
  result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  EXPECT_EQ(f.count(), 3u);
  EXPECT_EQ(f.pages(), 3u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 108 + 12 + 404);
  EXPECT_DOUBLE_EQ(f.latency().max_ns(), 404);
  EXPECT_NEAR(f.latency().p50_ns(), 108, 108 * 0.004);
  EXPECT_EQ(f.latency().percentiles_ns_size(), 99);
  EXPECT_EQ(f.accesses().accesses(), 9u);
  EXPECT_EQ(f.accesses().line_accesses(), 9u);
  EXPECT_EQ(f.accesses().reads(), 3u);
  EXPECT_EQ(f.accesses().atomics(), 6u);
  EXPECT_EQ(f.accesses().l1_misses(), 2u);
  EXPECT_EQ(f.accesses().l2_misses(), 2u);
  EXPECT_EQ(f.accesses().llc_misses(), 2u);
  EXPECT_EQ(f.accesses().dram_local(), 1u);
  EXPECT_EQ(f.accesses().dram_remote(), 0u);
  EXPECT_EQ(f.accesses().coherence_transfers(), 1u);
  EXPECT_EQ(f.accesses().remote_invalidations(), 1u);
  // Paced: events start at their trace times (relative to the first, at 1000 ns):
  // core 1 runs event 3 from 2000 to 2404.
  EXPECT_DOUBLE_EQ(r.simulated_time_ns(), 2404);
  EXPECT_EQ(r.num_events(), 3u);
  EXPECT_EQ(CounterOf(r.counters(), "lookups"), 3u);
  EXPECT_EQ(CounterOf(r.inconsistencies(), "double_free"), 0u);
  // Overhead: 64 B per 4 KiB page of 2 GiB = 32 MiB, 1.5625 %, no descriptors.
  EXPECT_EQ(r.overhead().machine().static_bytes(), 32u << 20);
  EXPECT_DOUBLE_EQ(r.overhead().machine().final_percent_of_ram(), 1.5625);
  unlink(trace.c_str());
}

TEST(Replayer, BackToBackRunsEventsAsSoonAsTheCoreIsFree) {
  const std::string trace =
      WriteTrace("b2b", {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0}},
                 {Fault(1000, 0, 100), Fault(2000, 0, 100), Fault(3000, 1, 100)});
  Replay replay(trace, "page64", /*paced=*/false);
  result::Result r = replay.Run();
  // Core 0: 108 + 12 = 120; core 1: 404.
  EXPECT_DOUBLE_EQ(r.simulated_time_ns(), 404);
  unlink(trace.c_str());
}

// The same fault with memdesc: it reads the 8-byte memdesc word (a line of the word array,
// node 0: DRAM 100) and the folio descriptor's flags (another line, on the memory's node:
// DRAM 100); _refcount and _mapcount (offsets 52 and 48, like struct page) are on the
// descriptor's first line: two L1 hits. 100 + 100 + 4 + 4 = 208 ns.
TEST(Replayer, MemdescFaultTouchesWordAndDescriptor) {
  const std::string trace =
      WriteTrace("mdfault", {SnapshotRun{100, 1, trace::OWNER_ANON, 0, 0}}, {Fault(1000, 0, 100)});
  Replay replay(trace, "memdesc");
  result::Result r = replay.Run();
  const auto& f = KindOf(r, "fault");
  // Two distinct cold lines, both on node 0: 100 + 100, then atomics on the descriptor in L1.
  EXPECT_EQ(f.accesses().accesses(), 4u);
  EXPECT_EQ(f.accesses().llc_misses(), 2u);
  EXPECT_EQ(f.accesses().dram_local(), 2u);
  EXPECT_EQ(f.accesses().atomics(), 2u);
  EXPECT_DOUBLE_EQ(f.latency().total_ns(), 208);
  unlink(trace.c_str());
}

// A migration copies the folio's data: 4 KiB from node 0 to node 1 alone on the machine
// takes latency 200 + 4096 B / 10 GB/s (the link is the narrowest) = 609.6 ns. The page64
// metadata part (mm/migrate.c): read the source struct page (cold, node 0: 100), atomic on
// its _refcount (L1: 4), write the destination struct page (written by the ALLOC event just
// before on the same core, still in L1: 4), write the source (L1: 4) = 112 ns.
TEST(Replayer, MigrationChargesTheDataCopy) {
  const uint64_t src = 100, dst = 262144 + 100;  // node 0 -> node 1
  const std::string trace =
      WriteTrace("migrate", {SnapshotRun{src, 1, trace::OWNER_ANON, 0, 0}},
                 {Alloc(1000, 0, dst, 0, trace::OWNER_ANON), Migrate(2000, 0, src, dst, 0)});
  Replay replay(trace, "page64");
  result::Result r = replay.Run();
  const auto& m = KindOf(r, "migrate");
  EXPECT_EQ(m.count(), 1u);
  EXPECT_EQ(m.copy_bytes(), 4096u);
  // Metadata part: whatever the model emitted (counted in m.accesses) + the copy.
  ASSERT_EQ(r.interconnect_size(), 1);
  EXPECT_EQ(r.interconnect(0).link(), "link0-1");
  EXPECT_EQ(r.interconnect(0).bytes(), 4096u);
  EXPECT_EQ(m.accesses().accesses(), 4u);
  EXPECT_EQ(m.accesses().dram_local(), 1u);
  EXPECT_DOUBLE_EQ(m.latency().total_ns(), 112 + 609.6);
  EXPECT_EQ(CounterOf(r.counters(), "copy_batches"), 1u);
  unlink(trace.c_str());
}

TEST(Replayer, SameInputsGiveIdenticalBytes) {
  std::vector<Event> events;
  for (uint64_t i = 0; i < 2000; ++i) {
    events.push_back(Alloc(1000 + i * 100, i % 2, (i * 7919) % 200000 * 1, 0, trace::OWNER_ANON));
    events.push_back(Fault(1050 + i * 100, (i + 1) % 2, (i * 7919) % 200000));
  }
  const std::string trace = WriteTrace("determinism", {}, events);
  std::string first;
  for (int run = 0; run < 2; ++run) {
    Replay replay(trace, "memdesc");
    auto json = report::ResultToJson(report::WithoutHostFields(replay.Run()));
    ASSERT_TRUE(json.ok());
    if (run == 0) {
      first = *json;
    } else {
      EXPECT_EQ(*json, first);
    }
  }
  unlink(trace.c_str());
}

// The snapshot holds pages [0, 1024) free and [1024, 1028) anon. Events: a free of pfn 10
// (free in the snapshot, first traced touch: stale snapshot); alloc, free and free again of
// pfn 20 (the second free contradicts the trace's own free: missing events); an alloc of
// pfn 1024 (allocated in the snapshot: stale snapshot); a migration from pfn 2000, in no
// snapshot run (no initial state). The causes are in the Result and in the compare table.
TEST(Replayer, InconsistenciesAreReportedByCause) {
  auto free_of = [](uint64_t t, uint64_t pfn) {
    Event e;
    e.kind = trace::EVENT_FREE;
    e.time_ns = t;
    e.pfn = pfn;
    return e;
  };
  const std::string trace =
      WriteTrace("causes",
                 {SnapshotRun{0, 1024, trace::OWNER_FREE, 0, 0},
                  SnapshotRun{1024, 4, trace::OWNER_ANON, 0, 0}},
                 {free_of(1000, 10), Alloc(2000, 0, 20, 0, trace::OWNER_ANON), free_of(3000, 20),
                  free_of(4000, 20), Alloc(5000, 0, 1024, 0, trace::OWNER_FILE),
                  Migrate(6000, 0, 2000, 30, 0)});
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  EXPECT_EQ(CounterOf(r.inconsistencies(), "double_free"), 2u);
  EXPECT_EQ(CounterOf(r.inconsistencies(), "alloc_of_allocated"), 1u);
  ASSERT_EQ(r.inconsistency_causes_size(), 5);
  std::map<std::string, std::string> got;
  for (const auto& c : r.inconsistency_causes()) {
    got[c.name()] = absl::StrCat(c.stale_snapshot(), "/", c.missing_events(), "/",
                                 c.no_initial_state(), "/", c.unexplained());
  }
  EXPECT_EQ(got["double_free"], "1/1/0/0");
  EXPECT_EQ(got["alloc_of_allocated"], "1/0/0/0");
  EXPECT_EQ(got["partial_free"], "0/0/0/0");
  EXPECT_EQ(got["migrate_src_not_allocated"], "0/0/1/0");
  EXPECT_EQ(got["migrate_dst_conflict"], "0/0/0/0");
  const std::string table = report::CompareTable({r});
  EXPECT_NE(table.find("inconsistencies by cause (page64): alloc_of_allocated 1 = 1 stale "
                       "snapshot; double_free 2 = 1 stale snapshot + 1 missing events; "
                       "migrate_src_not_allocated 1 = 1 no initial state\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("inconsistencies: missing events"), std::string::npos);
  unlink(trace.c_str());
}

// Overhead by owner type, memdesc on tiny-2s (524288 pages; an 8-byte word per page, so
// static_bytes = 4 MiB and each owner's share is 8 B per page). Snapshot: 4 anon pages at
// 100, one anon THP at 512, one order-1 slab at 2048; the rest has no known state. Events:
// a file page allocated at 3000 (from unknown state), the anon page at 100 freed.
// End: anon 3 + 512 pages, 4 folios of 80 B; file 1 page, 1 folio (80 B); slab 2 pages,
// one struct slab (64 B); 1 free page; 524288 - 519 = 523769 pages of unknown state.
TEST(Replayer, OverheadByOwnerType) {
  Event free_100;
  free_100.kind = trace::EVENT_FREE;
  free_100.time_ns = 3000;
  free_100.pfn = 100;
  const std::string trace = WriteTrace(
      "owners",
      {SnapshotRun{100, 4, trace::OWNER_ANON, 0, 0}, SnapshotRun{512, 512, trace::OWNER_ANON, 9, 0},
       SnapshotRun{2048, 2, trace::OWNER_SLAB, 1, 0}},
      {Alloc(2000, 0, 3000, 0, trace::OWNER_FILE), free_100});
  Replay replay(trace, "memdesc");
  const result::Result r = replay.Run();
  ASSERT_EQ(r.overhead().machine().static_bytes(), 8u * 524288);
  std::map<std::string, std::string> got;
  uint64_t live = 0;
  for (const auto& o : r.overhead().owners()) {
    got[o.owner()] = absl::StrCat(o.pages(), " ", o.static_bytes(), " ", o.descriptors(), " ",
                                  o.descriptor_live_bytes());
    live += o.descriptor_live_bytes();
  }
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(got["anon"], "515 4120 4 320");
  EXPECT_EQ(got["file"], "1 8 1 80");
  EXPECT_EQ(got["slab"], "2 16 1 64");
  EXPECT_EQ(got["free"], "1 8 0 0");
  EXPECT_EQ(got["state_unknown"], "523769 4190152 0 0");
  EXPECT_EQ(live, r.overhead().machine().descriptor_live_bytes());
  // page64: a 64-byte struct page per page, no descriptors.
  Replay page64(trace, "page64");
  const result::Result p = page64.Run();
  ASSERT_EQ(p.overhead().machine().static_bytes(), 64u * 524288);
  for (const auto& o : p.overhead().owners()) {
    EXPECT_EQ(o.static_bytes(), 64 * o.pages()) << o.owner();
    EXPECT_EQ(o.descriptor_live_bytes(), 0u) << o.owner();
  }
  unlink(trace.c_str());
}

TEST(Replayer, TraceTooLargeForTheMachineIsAClearError) {
  // 4 GiB of trace pfns on a 2 GiB machine.
  const std::string trace =
      WriteTrace("toolarge", {}, {Fault(1000, 0, 5)}, /*pages=*/uint64_t{1} << 20);
  Replay replay(trace, "page64");
  auto r = replay::RunReplayJob(replay.job, replay.models, replay.copier.get());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("does not fit the machine"), std::string::npos) << r.status();
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
