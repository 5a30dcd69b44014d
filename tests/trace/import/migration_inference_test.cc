// Migrations inferred from compaction runs without a pte trail (migration_inference.h), on
// hand-made ftrace text. Expected destinations are worked out by hand from compaction_alloc()
// (mm/compaction.c, Linux 6.18): per-order lists, blocks appended in scan order, a request
// served from the first list of order >= the source's, the upper halves of a split block
// pushed to the front of the lower lists.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "import_test_util.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {
namespace {

using Migration = std::tuple<uint64_t, uint64_t, uint32_t>;  // src, dst, order

std::vector<Migration> Migrations(const testing::Imported& imp) {
  std::vector<Migration> out;
  for (const Event& e : imp.events) {
    if (e.kind == trace::EVENT_MIGRATE) out.emplace_back(e.pfn, e.end_pfn, e.order);
  }
  return out;
}

// One line of trace_pipe text by task `pid` on CPU 0 at `us` microseconds.
std::string Line(int pid, int us, const std::string& event) {
  return absl::StrCat(" record-workload-", pid, " [000] ..... 100.", 100000 + us, ": ", event,
                      "\n");
}

absl::StatusOr<testing::Imported> Import(const std::string& text) {
  return testing::RunImporter("ftrace", testing::WriteTemp("run.ftrace", text));
}

// One run, two migrate-scanner ranges (2 + 3 pages: order-0 sources 0x1010, 0x1011, 0x1201
// and an order-1 source 0x1204), one free-scanner range of 6 free pages [0x1e00, 0x1e06):
// blocks 0x1e00 (order 2) and 0x1e04 (order 1). migrate_pages() handles the sources in list
// order, highest pfn first (isolate_migratepages_block() list_add()s each to the head), and
// frees each right after moving it:
//   0x1204 (order 1): list 1 holds 0x1e04                           -> 0x1e04
//   0x1201: lists 0, 1 empty; 0x1e00 (order 2) split: 0x1e02 to list 1, 0x1e01 to list 0
//                                                                   -> 0x1e00
//   0x1011: list 0 holds 0x1e01                                     -> 0x1e01
//   0x1010: list 0 empty; 0x1e02 (order 1) split: 0x1e03 to list 0  -> 0x1e02
// release_free_list() then frees the unused 0x1e03: not a source. A free by another task in
// the source range (pid 200) is not a source either.
const char kRun[] =
    R"spec(mm_compaction_begin: zone_start=0x1000 migrate_pfn=0x1000 free_pfn=0x1e00 zone_end=0x2000, mode=sync
mm_compaction_isolate_migratepages: range=(0x1000 ~ 0x1200) nr_scanned=512 nr_taken=2
mm_compaction_isolate_migratepages: range=(0x1200 ~ 0x1240) nr_scanned=64 nr_taken=3
mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_freepages: range=(0x1e00 ~ 0x1e06) nr_scanned=6 nr_taken=6
mm_page_free: page=0000000000000001 pfn=0x1204 order=1
mm_page_free: page=0000000000000002 pfn=0x1201 order=0
mm_page_free: page=0000000000000003 pfn=0x1011 order=0
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=5 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction
mm_compaction_migratepages: nr_migrated=5 nr_failed=0
mm_page_free: page=0000000000000005 pfn=0x1e03 order=0
mm_compaction_end: zone_start=0x1000 migrate_pfn=0x1240 free_pfn=0x1e00 zone_end=0x2000, mode=sync status=complete
)spec";

std::string RunText(const char* spec, int pid = 100) {
  std::string text;
  int us = 0;
  for (absl::string_view line : absl::StrSplit(spec, '\n')) {
    if (line.empty()) continue;
    text += Line(pid, us += 2, std::string(line));
  }
  return text;
}

TEST(MigrationInferenceTest, OneRunTwoSourceRangesOneFreeRange) {
  std::string text = Line(100, 0,
                          "mm_page_alloc: page=0 pfn=0x1010 order=0 migratetype=1 "
                          "gfp_flags=GFP_HIGHUSER_MOVABLE") +
                     RunText(kRun);
  // Another task frees a page inside the source range during the batch: not a source.
  text.insert(text.find(" record-workload-100 [000] ..... 100.100012: mm_page_free"),
              Line(200, 11, "mm_page_free: page=0 pfn=0x1100 order=0"));
  auto imp = Import(text);
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_EQ(
      Migrations(*imp),
      (std::vector<Migration>{
          {0x1204, 0x1e04, 1}, {0x1201, 0x1e00, 0}, {0x1011, 0x1e01, 0}, {0x1010, 0x1e02, 0}}));
  // Each migration is written just before its source's free, with the free's time.
  for (size_t i = 0; i + 1 < imp->events.size(); ++i) {
    if (imp->events[i].kind != trace::EVENT_MIGRATE) continue;
    EXPECT_EQ(imp->events[i + 1].kind, trace::EVENT_FREE);
    EXPECT_EQ(imp->events[i + 1].pfn, imp->events[i].pfn);
    EXPECT_EQ(imp->events[i + 1].time_ns, imp->events[i].time_ns);
    EXPECT_EQ(imp->events[i].reason, trace::MR_COMPACTION);
  }
  EXPECT_EQ(imp->header.migrations().reported_pages(), 5u);
  EXPECT_EQ(imp->header.migrations().modelled_pages(), 5u);
  EXPECT_EQ(imp->header.migrations().inferred_pages(), 5u);
  EXPECT_EQ(imp->header.migrations().exact_pages(), 0u);
  EXPECT_EQ(imp->stat("migrated_pages_inferred"), 5u);
  EXPECT_EQ(imp->stat("migration_inferred_over_reported"), 0u);
  EXPECT_EQ(imp->kind("free"), 6u);  // 4 sources, pid 200's page, the released 0x1e03
}

// The pte trail of one source stays exact; its destination leaves the lists, so the
// inferred source gets the next page, and nothing is counted twice.
TEST(MigrationInferenceTest, ExactTrailKeptAndNotCountedTwice) {
  // 0x1e00..0x1e01 isolated (order 1 block). Source 0x1011 has a pte trail to 0x1e00
  // (set: migration entry of pfn 0x1011; remove: present pte of pfn 0x1e00); 0x1010 is
  // inferred: list 0 holds 0x1e01 after the exact split.
  const char kMixed[] =
      R"spec(mm_compaction_begin: zone_start=0x1000 migrate_pfn=0x1000 free_pfn=0x1e00 zone_end=0x2000, mode=sync
mm_compaction_isolate_migratepages: range=(0x1000 ~ 0x1200) nr_scanned=512 nr_taken=2
mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_freepages: range=(0x1e00 ~ 0x1e02) nr_scanned=2 nr_taken=2
set_migration_pte: addr=7f0000001000, pte=f7ffffffffdfdc00 order=0
remove_migration_pte: addr=7f0000001000, pte=8000000001e00067 order=0
mm_page_free: page=0000000000000003 pfn=0x1011 order=0
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=2 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction
mm_compaction_end: zone_start=0x1000 migrate_pfn=0x1200 free_pfn=0x1e00 zone_end=0x2000, mode=sync status=complete
)spec";
  auto imp = Import(RunText(kMixed));
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_EQ(Migrations(*imp), (std::vector<Migration>{{0x1011, 0x1e00, 0}, {0x1010, 0x1e01, 0}}));
  EXPECT_EQ(imp->header.migrations().reported_pages(), 2u);
  EXPECT_EQ(imp->header.migrations().exact_pages(), 1u);
  EXPECT_EQ(imp->header.migrations().inferred_pages(), 1u);
  EXPECT_EQ(imp->header.migrations().modelled_pages(), 2u);
  EXPECT_EQ(imp->stat("migration_exact_dst_as_predicted"), 1u);
}

// A NUMA-balancing batch without a pte trail (migrate_misplaced_folio(), mm/migrate.c): the
// destination is a traced allocation of the faulting task between mm_migrate_pages_start
// and mm_migrate_pages (alloc_misplaced_dst_folio() -> __folio_alloc), the source's free
// follows the move (migrate_folio_done()). The pair becomes one EVENT_MIGRATE with both
// traced pfns, written just before the source's free; the allocation stays (it is the
// kernel's own work), so the replay finds the destination allocated as the migration says.
TEST(MigrationInferenceTest, NumaBalancingBatchPairsTracedAllocWithSourceFree) {
  const char kNuma[] = R"spec(mm_migrate_pages_start: mode=MIGRATE_ASYNC reason=numa_misplaced
mm_page_alloc: page=0 pfn=0x81200 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_THISNODE|__GFP_NOWARN
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_ASYNC reason=numa_misplaced
mm_page_free: page=0000000000000004 pfn=0x1020 order=0
)spec";
  auto imp = Import(RunText(kNuma));
  ASSERT_TRUE(imp.ok()) << imp.status();
  // The free after the batch (0x1020) is an ordinary free.
  EXPECT_EQ(Migrations(*imp), (std::vector<Migration>{{0x1010, 0x81200, 0}}));
  std::vector<trace::EventKind> kinds;
  for (const Event& e : imp->events) {
    if (e.kind != trace::EVENT_MIGRATE_BATCH) kinds.push_back(e.kind);
    if (e.kind == trace::EVENT_MIGRATE) {
      EXPECT_EQ(e.reason, trace::MR_NUMA_MISPLACED);
    }
  }
  EXPECT_EQ(kinds, (std::vector<trace::EventKind>{trace::EVENT_ALLOC, trace::EVENT_MIGRATE,
                                                  trace::EVENT_FREE, trace::EVENT_FREE}));
  const trace::MigrationCoverage& c = imp->header.migrations();
  EXPECT_EQ(c.reported_pages(), 1u);
  EXPECT_EQ(c.reported_outside_compaction_pages(), 1u);
  EXPECT_EQ(c.modelled_pages(), 1u);
  EXPECT_EQ(c.inferred_pages(), 1u);
  EXPECT_EQ(c.inferred_batch_pages(), 1u);
  EXPECT_EQ(imp->stat("migration_batch_inferred_events"), 1u);
}

// A demotion batch (demote_folio_list(), mm/vmscan.c) of four folios: migrate_pages_batch()
// allocates every destination in its unmap pass (alloc_demote_folio()), in list order, then
// moves and frees the sources in the same order. Here the second source fails: its
// destination is freed again (migrate_folio_undo_dst()) and paired with nothing. A THP
// source takes the order-9 destination, whatever the order-0 ones around it; a kernel
// (non-movable) allocation in the batch is no destination; a source without a queued
// destination is counted.
TEST(MigrationInferenceTest, DemotionBatchPairsInListOrderPerOrder) {
  const char kDemote[] = R"spec(mm_migrate_pages_start: mode=MIGRATE_ASYNC reason=demotion
mm_page_alloc: page=0 pfn=0x200000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_THISNODE
mm_page_alloc: page=0 pfn=0x200001 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_THISNODE
mm_page_alloc: page=0 pfn=0x200200 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE|__GFP_THISNODE
mm_page_alloc: page=0 pfn=0x200002 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_THISNODE
mm_page_alloc: page=0 pfn=0x3000 order=0 migratetype=0 gfp_flags=GFP_KERNEL
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_page_free: page=0000000000000004 pfn=0x200001 order=0
mm_page_free: page=0000000000000004 pfn=0x1400 order=9
mm_page_free: page=0000000000000004 pfn=0x1012 order=0
mm_page_free: page=0000000000000004 pfn=0x1013 order=0
mm_migrate_pages: nr_succeeded=514 nr_failed=1 nr_thp_succeeded=1 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_ASYNC reason=demotion
)spec";
  auto imp = Import(RunText(kDemote, /*pid=*/77));
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_EQ(Migrations(*imp),
            (std::vector<Migration>{
                {0x1010, 0x200000, 0}, {0x1400, 0x200200, 9}, {0x1012, 0x200002, 0}}));
  for (const Event& e : imp->events) {
    if (e.kind == trace::EVENT_MIGRATE) {
      EXPECT_EQ(e.reason, trace::MR_DEMOTION);
    }
  }
  const trace::MigrationCoverage& c = imp->header.migrations();
  EXPECT_EQ(c.reported_pages(), 514u);
  EXPECT_EQ(c.modelled_pages(), 514u);
  EXPECT_EQ(c.inferred_batch_pages(), 514u);
  EXPECT_EQ(imp->stat("migration_batch_dst_undone"), 1u);
  EXPECT_EQ(imp->stat("migration_batch_no_target"), 1u);  // 0x1013
  EXPECT_EQ(imp->stat("migration_batch_unused_targets"), 0u);
  EXPECT_EQ(imp->stat("migration_batch_over_reported"), 0u);
}

// With a pte trail the batch's migration stays exact: its destination leaves the queue, so
// the source without a trail takes the next one, and nothing is counted twice.
TEST(MigrationInferenceTest, BatchExactTrailKeptAndNotCountedTwice) {
  // set: migration entry of pfn 0x1011; remove: present pte of pfn 0x1e00.
  const char kMixed[] = R"spec(mm_migrate_pages_start: mode=MIGRATE_SYNC reason=syscall_or_cpuset
mm_page_alloc: page=0 pfn=0x1e00 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE
mm_page_alloc: page=0 pfn=0x1e01 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE
set_migration_pte: addr=7f0000001000, pte=f7ffffffffdfdc00 order=0
remove_migration_pte: addr=7f0000001000, pte=8000000001e00067 order=0
mm_page_free: page=0000000000000003 pfn=0x1011 order=0
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=2 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset
)spec";
  auto imp = Import(RunText(kMixed));
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_EQ(Migrations(*imp), (std::vector<Migration>{{0x1011, 0x1e00, 0}, {0x1010, 0x1e01, 0}}));
  const trace::MigrationCoverage& c = imp->header.migrations();
  EXPECT_EQ(c.exact_pages(), 1u);
  EXPECT_EQ(c.inferred_batch_pages(), 1u);
  EXPECT_EQ(c.modelled_pages(), 2u);
}

// Inference off: a batch is counted, not modelled.
TEST(MigrationInferenceTest, BatchCountedOnlyWithInferenceOff) {
  const char kNuma[] = R"spec(mm_migrate_pages_start: mode=MIGRATE_ASYNC reason=numa_misplaced
mm_page_alloc: page=0 pfn=0x81200 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_ASYNC reason=numa_misplaced
)spec";
  ImportOptions off;
  off.infer_migrations = false;
  auto imp = testing::RunImporter("ftrace", testing::WriteTemp("numa.ftrace", RunText(kNuma)), off);
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_TRUE(Migrations(*imp).empty());
  EXPECT_EQ(imp->header.migrations().reported_outside_compaction_pages(), 1u);
  EXPECT_EQ(imp->header.migrations().modelled_pages(), 0u);
}

// Two free-scanner calls: the second isolates only once the first call's pages are gone
// (compaction_alloc() calls isolate_freepages() when every list is empty), so its order-0
// page is used after the first call's order-1 remainder, not before it as one set of lists
// would have it.
TEST(MigrationInferenceTest, LaterFreeScannerCallUsedAfterEarlierPages) {
  const char kTwoCalls[] =
      R"spec(mm_compaction_begin: zone_start=0x1000 migrate_pfn=0x1000 free_pfn=0x1e00 zone_end=0x2000, mode=sync
mm_compaction_isolate_migratepages: range=(0x1000 ~ 0x1200) nr_scanned=512 nr_taken=1
mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_freepages: range=(0x1e00 ~ 0x1e04) nr_scanned=4 nr_taken=4
mm_page_free: page=0000000000000004 pfn=0x1010 order=0
mm_migrate_pages: nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_migratepages: range=(0x1200 ~ 0x1400) nr_scanned=512 nr_taken=4
mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_freepages: range=(0x1c00 ~ 0x1c01) nr_scanned=1 nr_taken=1
mm_page_free: page=0000000000000004 pfn=0x1303 order=0
mm_page_free: page=0000000000000004 pfn=0x1302 order=0
mm_page_free: page=0000000000000004 pfn=0x1301 order=0
mm_page_free: page=0000000000000004 pfn=0x1300 order=0
mm_migrate_pages: nr_succeeded=4 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction
mm_compaction_end: zone_start=0x1000 migrate_pfn=0x1400 free_pfn=0x1c00 zone_end=0x2000, mode=sync status=complete
)spec";
  auto imp = Import(RunText(kTwoCalls));
  ASSERT_TRUE(imp.ok()) << imp.status();
  // 0x1010 takes 0x1e00 of the order-2 block (0x1e02 to list 1, 0x1e01 to list 0). The
  // second batch: 0x1303 -> 0x1e01; 0x1302 -> 0x1e02 (order-1 block split, 0x1e03 to list
  // 0); 0x1301 -> 0x1e03; only then 0x1300 -> the second call's 0x1c00.
  EXPECT_EQ(Migrations(*imp), (std::vector<Migration>{{0x1010, 0x1e00, 0},
                                                      {0x1303, 0x1e01, 0},
                                                      {0x1302, 0x1e02, 0},
                                                      {0x1301, 0x1e03, 0},
                                                      {0x1300, 0x1c00, 0}}));
  EXPECT_EQ(imp->header.migrations().inferred_pages(), 5u);
  EXPECT_EQ(imp->header.migrations().reported_pages(), 5u);
}

// A free in a batch counts as a destination handed back (migration_dst_returned) only if one
// isolated free range holds the whole block: not a block spanning two adjacent ranges, and
// still after a later range took in the earlier ones (the ranges are indexed, not scanned).
TEST(MigrationInferenceTest, ReturnedOnlyIfOneFreeRangeHoldsTheBlock) {
  const char kRanges[] =
      R"spec(mm_compaction_begin: zone_start=0x1000 migrate_pfn=0x1000 free_pfn=0x1e00 zone_end=0x2000, mode=sync
mm_compaction_isolate_migratepages: range=(0x1000 ~ 0x1200) nr_scanned=512 nr_taken=2
mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction
mm_compaction_isolate_freepages: range=(0x1e00 ~ 0x1e02) nr_scanned=2 nr_taken=2
mm_compaction_isolate_freepages: range=(0x1e02 ~ 0x1e04) nr_scanned=2 nr_taken=2
mm_compaction_isolate_freepages: range=(0x1e00 ~ 0x1e01) nr_scanned=1 nr_taken=1
mm_page_free: page=0000000000000001 pfn=0x1e00 order=2
mm_page_free: page=0000000000000002 pfn=0x1e02 order=1
mm_page_free: page=0000000000000003 pfn=0x1e00 order=0
mm_compaction_isolate_freepages: range=(0x1d00 ~ 0x1f00) nr_scanned=512 nr_taken=512
mm_page_free: page=0000000000000004 pfn=0x1e00 order=2
mm_page_free: page=0000000000000005 pfn=0x1f00 order=0
mm_migrate_pages: nr_succeeded=0 nr_failed=2 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction
mm_compaction_end: zone_start=0x1000 migrate_pfn=0x1200 free_pfn=0x1d00 zone_end=0x2000, mode=sync status=complete
)spec";
  auto imp = Import(RunText(kRanges));
  ASSERT_TRUE(imp.ok()) << imp.status();
  // 0x1e00 order 2 spans [0x1e00, 0x1e02) and [0x1e02, 0x1e04): not returned; 0x1e02 order 1
  // and 0x1e00 order 0 are; after [0x1d00, 0x1f00) 0x1e00 order 2 is; 0x1f00 is past it.
  EXPECT_EQ(imp->stat("migration_dst_returned"), 3u);
  EXPECT_TRUE(Migrations(*imp).empty());
}

// Σ nr_succeeded over the mm_migrate_pages lines of a capture, counted without the importer.
uint64_t ReportedPages(const std::string& text) {
  uint64_t pages = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.find(" mm_migrate_pages: ") == absl::string_view::npos) continue;
    const size_t at = line.find("nr_succeeded=") + 13;
    pages += std::stoull(std::string(line.substr(at, line.find(' ', at) - at)));
  }
  return pages;
}

// The real capture without migration-pte events (traces/README.md): issue 10 asks that at
// least 90 % of the pages its mm_migrate_pages lines report be modelled.
TEST(MigrationInferenceTest, CaptureWithoutPteTrailModelsAtLeast90Percent) {
  const std::string input = testing::SourcePath("traces/no-pte-compaction.ftrace.zst");
  absl::StatusOr<std::string> text = ReadMaybeCompressedFile(input);
  ASSERT_TRUE(text.ok()) << text.status();
  const uint64_t reported = ReportedPages(*text);
  EXPECT_EQ(reported, 213637u);
  auto imp = testing::RunImporter("ftrace", input);
  ASSERT_TRUE(imp.ok()) << imp.status();
  const trace::MigrationCoverage& c = imp->header.migrations();
  EXPECT_EQ(c.reported_pages(), reported);
  EXPECT_EQ(c.exact_pages(), 0u);
  EXPECT_EQ(c.modelled_pages(), c.inferred_pages());
  EXPECT_GE(c.modelled_pages() * 100, reported * 90) << c.modelled_pages() << " of " << reported;
  EXPECT_LE(c.modelled_pages(), reported);
  EXPECT_EQ(imp->stat("migration_inferred_over_reported"), 0u);
}

// The shipped capture has a partial trail: exact migrations stay, the rest is inferred.
TEST(MigrationInferenceTest, ShippedCaptureModelsAtLeast90Percent) {
  const std::string input = testing::SourcePath("traces/mixed-compaction.ftrace.zst");
  auto imp = testing::RunImporter("ftrace", input);
  ASSERT_TRUE(imp.ok()) << imp.status();
  const trace::MigrationCoverage& c = imp->header.migrations();
  EXPECT_EQ(c.reported_pages(), 15500u);
  EXPECT_EQ(c.exact_pages(), 1323u);  // the pte pairs, as before inference
  EXPECT_EQ(c.modelled_pages(), c.exact_pages() + c.inferred_pages());
  EXPECT_GE(c.modelled_pages() * 100, c.reported_pages() * 90) << c.modelled_pages();
  EXPECT_EQ(imp->stat("migration_inferred_over_reported"), 0u);
}

// The rule checked against the kernel's own answer: the shipped capture with its pte lines
// removed, inferred, against the same capture's exact pairs (inference off).
TEST(MigrationInferenceTest, InferredDestinationsAgreeWithTheTrail) {
  const std::string input = testing::SourcePath("traces/mixed-compaction.ftrace.zst");
  absl::StatusOr<std::string> text = ReadMaybeCompressedFile(input);
  ASSERT_TRUE(text.ok()) << text.status();
  std::string stripped;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (line.find("_migration_pte: ") != absl::string_view::npos || line.empty()) continue;
    absl::StrAppend(&stripped, line, "\n");
  }
  ImportOptions exact_only;
  exact_only.infer_migrations = false;
  auto exact = testing::RunImporter("ftrace", input, exact_only);
  auto inferred = testing::RunImporter("ftrace", testing::WriteTemp("stripped.ftrace", stripped));
  ASSERT_TRUE(exact.ok()) << exact.status();
  ASSERT_TRUE(inferred.ok()) << inferred.status();
  EXPECT_EQ(inferred->header.migrations().exact_pages(), 0u);
  std::map<uint64_t, uint64_t> dst_of;  // inferred: src -> dst
  for (const Event& e : inferred->events) {
    if (e.kind == trace::EVENT_MIGRATE) dst_of[e.pfn] = e.end_pfn;
  }
  uint64_t paired = 0, found = 0, same = 0, same_pageblock = 0;
  for (const Event& e : exact->events) {
    if (e.kind != trace::EVENT_MIGRATE || e.reason != trace::MR_COMPACTION) continue;
    ++paired;
    auto it = dst_of.find(e.pfn);
    if (it == dst_of.end()) continue;
    ++found;
    if (it->second == e.end_pfn) ++same;
    if (it->second >> 9 == e.end_pfn >> 9) ++same_pageblock;
  }
  EXPECT_EQ(paired, 1323u);
  // Measured: 2 trail sources are freed outside their batch; the destination is exact for
  // 113 (8.5 %: which pages of a partly taken free range were free, and so the order of the
  // blocks on the lists, is not traced) and in the same pageblock for 1185 (89.7 %; 1189
  // before free ranges passed over pages a traced allocation holds, which removed 11 of the
  // capture's contradictions).
  EXPECT_EQ(found, 1321u);
  EXPECT_EQ(same, 113u);
  EXPECT_EQ(same_pageblock, 1185u);
}

// A trace_pipe line of CPU `cpu` (task record-workload-<100 + cpu>) at 100.1 s + `us` us.
std::string CpuLine(int cpu, int us, const std::string& event) {
  return absl::StrCat(" record-workload-", 100 + cpu, " [00", cpu, "] ..... 100.", 100000 + us,
                      ": ", event, "\n");
}

// `text` imported as ftrace into a trace whose header has two nodes, as the recorder's
// metadata gives them (node 0: pfns 0x1000-0x40000, node 1: 0x40000-0x80000); its header.
absl::StatusOr<trace::TraceHeader> ImportOnTwoNodes(const std::string& name,
                                                    const std::string& text) {
  const std::string input = testing::WriteTemp(name + ".ftrace", text);
  const std::string out = testing::ImportTempPath(name + ".mtrace");
  ImporterRegistry registry;
  RegisterBuiltinImporters(registry);
  absl::StatusOr<std::unique_ptr<TraceWriter>> writer = TraceWriter::Create(out);
  if (!writer.ok()) return writer.status();
  for (uint32_t n = 0; n < 2; ++n) {
    trace::NodeRange* range = (*writer)->mutable_header()->add_nodes();
    range->set_node_id(n);
    range->set_start_pfn(n == 0 ? 0x1000 : 0x40000);
    range->set_end_pfn(n == 0 ? 0x40000 : 0x80000);
  }
  ImportStats stats;
  RETURN_IF_ERROR(registry.Create("ftrace")->Import(input, {}, writer->get(), &stats));
  RETURN_IF_ERROR((*writer)->Finish());
  absl::StatusOr<std::unique_ptr<TraceReader>> reader = TraceReader::Open(out);
  if (!reader.ok()) return reader.status();
  return (*reader)->header();
}

// The CPU -> node map of a multi-node recording (TraceHeader.cpu_node), inferred at import
// from where each CPU's order-0 allocations land (the default local policy allocates on the
// running CPU's node). Here four CPUs numbered round robin over two nodes (CPUs 0 and 2 on
// node 0, 1 and 3 on node 1), which the contiguous assumption would get wrong for CPUs 1
// and 2. CPU 3 also takes one page from node 0 (a fallback when node 1 is short): 8 of the 9
// counted allocations agree with the map. Not counted: CPU 0's order-1 allocation on node 1,
// and its NUMA-balancing destination on node 1 (placed there on purpose).
TEST(CpuNodeMapTest, InferredFromWhereEachCpuAllocates) {
  auto alloc = [](uint64_t pfn, int order = 0) {
    return absl::StrCat("mm_page_alloc: page=0 pfn=0x", absl::Hex(pfn), " order=", order,
                        " migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE");
  };
  std::string text;
  int us = 0;
  for (int cpu = 0; cpu < 4; ++cpu) {
    const uint64_t base = cpu % 2 == 0 ? 0x2000 : 0x42000;
    text += CpuLine(cpu, us += 2, alloc(base + 16 * cpu));
    text += CpuLine(cpu, us += 2, alloc(base + 16 * cpu + 1));
  }
  text += CpuLine(3, us += 2, alloc(0x3000));
  text += CpuLine(0, us += 2, alloc(0x43000, 1));
  text += CpuLine(0, us += 2, "mm_migrate_pages_start: mode=MIGRATE_ASYNC reason=numa_misplaced");
  text += CpuLine(0, us += 2, alloc(0x44000));
  text += CpuLine(0, us += 2, "mm_page_free: page=0000000000000004 pfn=0x2000 order=0");
  text += CpuLine(0, us += 2,
                  "mm_migrate_pages: nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 "
                  "nr_thp_split=0 nr_split=0 mode=MIGRATE_ASYNC reason=numa_misplaced");
  absl::StatusOr<trace::TraceHeader> imported = ImportOnTwoNodes("cpus", text);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const trace::TraceHeader& h = *imported;
  EXPECT_EQ(std::vector<int32_t>(h.cpu_node().begin(), h.cpu_node().end()),
            (std::vector<int32_t>{0, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(h.cpu_node_agreement(), 8.0 / 9.0);
}

// CPUs with no counted allocation stay -1, also between counted ones (the per-CPU counts are
// indexed by CPU number): CPUs 1 and 5 allocate, 0 and 2-4 only free; CPU 5's page is on node
// 1, CPU 1's two on node 0; all three agree.
TEST(CpuNodeMapTest, CpusWithoutAllocationsStayUnmapped) {
  std::string text;
  text += CpuLine(1, 2,
                  "mm_page_alloc: page=0 pfn=0x2000 order=0 migratetype=1 "
                  "gfp_flags=GFP_HIGHUSER_MOVABLE");
  text += CpuLine(0, 4, "mm_page_free: page=0 pfn=0x2000 order=0");
  text += CpuLine(5, 6,
                  "mm_page_alloc: page=0 pfn=0x42000 order=0 migratetype=1 "
                  "gfp_flags=GFP_HIGHUSER_MOVABLE");
  text += CpuLine(3, 8, "mm_page_free: page=0 pfn=0x42000 order=0");
  text += CpuLine(1, 10,
                  "mm_page_alloc: page=0 pfn=0x2001 order=0 migratetype=1 "
                  "gfp_flags=GFP_HIGHUSER_MOVABLE");
  absl::StatusOr<trace::TraceHeader> imported = ImportOnTwoNodes("gaps", text);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const trace::TraceHeader& h = *imported;
  EXPECT_EQ(std::vector<int32_t>(h.cpu_node().begin(), h.cpu_node().end()),
            (std::vector<int32_t>{-1, 0, -1, -1, -1, 1}));
  EXPECT_DOUBLE_EQ(h.cpu_node_agreement(), 1.0);
}

// A one-node recording gets no map: every CPU is on its only node.
TEST(CpuNodeMapTest, NoneForOneNode) {
  auto imp = Import(RunText(
      "mm_page_alloc: page=0 pfn=0x2000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"));
  ASSERT_TRUE(imp.ok()) << imp.status();
  EXPECT_EQ(imp->header.cpu_node_size(), 0);
}

}  // namespace
}  // namespace memsim
