// The ftrace text importer end to end on hand-written snippets: every event kind to exact
// Event values, both line layouts, errors with their line numbers, --lenient counts,
// free dedupe and migration pairing with hand-computed pfns.
#include <gtest/gtest.h>

#include <string>

#include "import_test_util.h"
#include "sim/util/output_file.h"
#include "tests/testing/temp_dir.h"
#include "zstd.h"

namespace memsim {
namespace {

using testing::Imported;
using testing::ImportText;

constexpr uint64_t kGfpHighuserMovableComp = 131072 | 1024 | 512 | 64 | 128 | 524288 | 2 | 8;

Event Alloc(uint64_t t, uint32_t cpu, uint64_t pfn, uint32_t order, int32_t mt, uint64_t gfp,
            OwnerType owner) {
  Event e;
  e.kind = trace::EVENT_ALLOC;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = pfn;
  e.order = order;
  e.migratetype = mt;
  e.gfp_flags = gfp;
  e.owner = owner;
  return e;
}

Event Free(uint64_t t, uint32_t cpu, uint64_t pfn, uint32_t order, bool batched) {
  Event e;
  e.kind = trace::EVENT_FREE;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = pfn;
  e.order = order;
  e.batched = batched;
  return e;
}

Event Migrate(uint64_t t, uint32_t cpu, uint64_t src, uint64_t dst, uint32_t order,
              MigrateReason reason) {
  Event e;
  e.kind = trace::EVENT_MIGRATE;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = src;
  e.end_pfn = dst;
  e.order = order;
  e.reason = reason;
  return e;
}

// trace_pipe layout (flags column, microsecond timestamps), Linux 6.x print formats.
constexpr char kTracePipe[] =
    "# tracer: nop\n"
    "#\n"
    "            bash-100     [000] .....    10.000001: mm_page_alloc: page=0000000098371197 "
    "pfn=0x1000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
    "            bash-100     [000] .....    10.000002: mm_page_alloc: page=0000000000000000 "
    "pfn=0x0 order=3 migratetype=0 gfp_flags=GFP_KERNEL\n"
    "            bash-100     [001] d....    10.000003: page_fault_user: "
    "address=0x7f0000001000 ip=0x400123 error_code=0x6\n"
    "            bash-100     [000] .....    10.000004: mm_page_free: page=00000000aa "
    "pfn=0x1000 order=0\n"
    "            bash-100     [000] .....    10.000005: mm_page_free_batched: page=00000000aa "
    "pfn=0x1000 order=0\n"
    "            bash-100     [000] d..2.    10.000006: sched_switch: prev_comm=bash\n"
    "     kworker/0:1-7       [000] .....    10.000007: mm_page_alloc: page=00000000bb "
    "pfn=0x200 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE\n"
    "     kworker/0:1-7       [000] .....    10.000008: mm_page_free: page=00000000bb "
    "pfn=0x200 order=9\n"
    "     kworker/0:1-7       [000] .....    10.000009: mm_page_free: page=00000000cc "
    "pfn=0x203 order=0\n";

TEST(FtraceImporterTest, TracePipeSnippetToExactEvents) {
  absl::StatusOr<Imported> r = ImportText(kTracePipe);
  ASSERT_TRUE(r.ok()) << r.status();
  Event fault;
  fault.kind = trace::EVENT_FAULT;
  fault.time_ns = 10'000'003'000;
  fault.cpu = 1;
  fault.address = 0x7f0000001000;
  fault.ip = 0x400123;
  fault.error_code = 6;
  fault.pfn = kNoPfn;
  constexpr uint64_t kTranshuge = 64 | 128 | 524288 | 2 | 8 | 131072 | 262144 | 4096 | 512;
  const std::vector<Event> expected = {
      Alloc(10'000'001'000, 0, 0x1000, 0, 1, kGfpHighuserMovableComp, trace::OWNER_ANON),
      fault,
      Free(10'000'004'000, 0, 0x1000, 0, false),
      Alloc(10'000'007'000, 0, 0x200, 9, 1, kTranshuge, trace::OWNER_ANON),
      Free(10'000'008'000, 0, 0x200, 9, false),
  };
  ASSERT_EQ(r->events.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->events[i], expected[i]) << i << ": " << DebugString(r->events[i]);
  }
  EXPECT_EQ(r->stat("failed_alloc"), 1u);
  EXPECT_EQ(r->stat("dropped_duplicate_free_batched"), 1u);  // 0x1000: free + batched
  EXPECT_EQ(r->stat("dropped_free_of_free"), 1u);            // 0x203 inside freed 0x200/9
  EXPECT_EQ(r->stat("skipped_unknown_event"), 1u);
  EXPECT_EQ(r->stat("unknown_event.sched_switch"), 1u);
  EXPECT_EQ(r->stat("skipped"), 1u);
  EXPECT_EQ(r->stats.input_records, 11u);
  EXPECT_EQ(r->header.source(), "ftrace");
  EXPECT_EQ(r->header.num_cpus(), 2u);
  EXPECT_EQ(r->header.clock(), "local");
  EXPECT_EQ(r->kind("alloc"), 2u);
  EXPECT_EQ(r->kind("free"), 2u);
}

// trace-cmd report layout (no flags, "cpus=" header, padded names), decimal pfns and the
// pre-4.15 order of the double report: mm_page_free_batched first, then mm_page_free.
TEST(FtraceImporterTest, ReportLayoutDecimalPfnsAndOldBatchedOrder) {
  const std::string text =
      "cpus=4\n"
      "       bash-100   [002]  5.000000100: mm_page_alloc:        page=0xffffea0000040000 "
      "pfn=4096 order=0 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO\n"
      "       bash-100   [002]  5.000000200: mm_page_free_batched: page=0xffffea0000040000 "
      "pfn=4096 order=0 cold=0\n"
      "       bash-100   [002]  5.000000300: mm_page_free:         page=0xffffea0000040000 "
      "pfn=4096 order=0\n";
  absl::StatusOr<Imported> r = ImportText(text);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0],
            Alloc(5'000'000'100, 2, 4096, 0, 0, 1728 | 2097152 | 256, trace::OWNER_PAGE_TABLE));
  EXPECT_EQ(r->events[1], Free(5'000'000'200, 2, 4096, 0, true));
  EXPECT_EQ(r->stat("dropped_duplicate_free_batched"), 1u);
  EXPECT_EQ(r->header.num_cpus(), 4u);  // from "cpus=4", more than max cpu + 1
}

// A compaction run with migrations. Migration entries hand-encoded with __swp_entry(type 30,
// offset) of arch/x86/include/asm/pgtable_64.h: offset stored inverted in bits 9..58:
//   pfn 0x2345 + young bit 34: pte f7fff7ffffb97400
//   pfn 0x40000: f7fffffff7fffe00    pfn 0x40003: f7fffffff7fff800
//   pfn 0x5000:  f7ffffffff5ffe00    pfn 0x7777:  f7ffffffff111000
// New ptes: 0x8000000009abc067 maps pfn 0x9abc, 0x8000000080003067 pfn 0x80003, ...
constexpr char kCompaction[] =
    "  python3-300  [001] .....   20.000000: mm_compaction_begin: zone_start=0x1000 "
    "migrate_pfn=0x1000 free_pfn=0xffe00 zone_end=0x100000, mode=sync\n"
    "  python3-300  [001] .....   20.000001: mm_compaction_isolate_migratepages: "
    "range=(0x2000 ~ 0x2400) nr_scanned=1024 nr_taken=32\n"
    "  python3-300  [001] .....   20.000002: mm_migrate_pages_start: mode=MIGRATE_SYNC "
    "reason=compaction\n"
    "  python3-300  [001] ...1.   20.000003: set_migration_pte: addr=7f0000000000, "
    "pte=f7fff7ffffb97400 order=0\n"
    "  python3-300  [001] ...1.   20.000004: set_migration_pte: addr=7f0000200000, "
    "pte=f7fffffff7fffe00 order=9\n"
    "  python3-300  [001] ...1.   20.000005: set_migration_pte: addr=7f0000203000, "
    "pte=f7fffffff7fff800 order=9\n"
    "  python3-300  [001] ...1.   20.000006: set_migration_pte: addr=7f0000400000, "
    "pte=f7ffffffff5ffe00 order=0\n"
    "  python3-300  [001] ...1.   20.000007: set_migration_pte: addr=7f0000600000, "
    "pte=f7ffffffff111000 order=0\n"
    "  python3-300  [001] .....   20.000008: mm_compaction_isolate_freepages: "
    "range=(0xffc00 ~ 0xffe00) nr_scanned=512 nr_taken=14\n"
    "  python3-300  [000] ...1.   20.000009: remove_migration_pte: addr=7f0000000000, "
    "pte=8000000009abc067 order=0\n"
    "  python3-300  [000] ...1.   20.000010: remove_migration_pte: addr=7f0000203000, "
    "pte=8000000080003067 order=0\n"
    "  python3-300  [000] ...1.   20.000011: remove_migration_pte: addr=7f0000200000, "
    "pte=8000000080000067 order=9\n"
    "  python3-300  [000] ...1.   20.000012: remove_migration_pte: addr=7f0000400000, "
    "pte=8000000005000067 order=0\n"
    "  python3-300  [000] ...1.   20.000013: remove_migration_pte: addr=7f0000800000, "
    "pte=8000000001111067 order=0\n"
    "  python3-300  [000] .....   20.000014: mm_migrate_pages: nr_succeeded=2 nr_failed=1 "
    "nr_thp_succeeded=1 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC "
    "reason=compaction\n"
    "  python3-300  [000] .....   20.000015: mm_compaction_migratepages: nr_migrated=2 "
    "nr_failed=1\n"
    "  python3-300  [000] .....   20.000016: mm_compaction_end: zone_start=0x1000 "
    "migrate_pfn=0x2400 free_pfn=0xffc00 zone_end=0x100000, mode=sync status=success\n";

TEST(FtraceImporterTest, CompactionAndMigrationPairing) {
  absl::StatusOr<Imported> r = ImportText(kCompaction);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<Event> expected;
  Event begin;
  begin.kind = trace::EVENT_COMPACTION;
  begin.time_ns = 20'000'000'000;
  begin.cpu = 1;
  begin.zone_start = 0x1000;
  begin.zone_end = 0x100000;
  begin.migrate_pfn = 0x1000;
  begin.free_pfn = 0xffe00;
  begin.sync = true;
  expected.push_back(begin);
  Event scan;
  scan.kind = trace::EVENT_COMPACTION_SCAN;
  scan.time_ns = 20'000'001'000;
  scan.cpu = 1;
  scan.scanner = trace::SCANNER_MIGRATE;
  scan.pfn = 0x2000;
  scan.end_pfn = 0x2400;
  scan.nr_scanned = 1024;
  scan.nr_taken = 32;
  expected.push_back(scan);
  scan.time_ns = 20'000'008'000;
  scan.scanner = trace::SCANNER_FREE;
  scan.pfn = 0xffc00;
  scan.end_pfn = 0xffe00;
  scan.nr_scanned = 512;
  scan.nr_taken = 14;
  expected.push_back(scan);
  // 0x2345 -> 0x9abc (order 0); the young bit above the 34-bit pfn field is not a pfn bit.
  expected.push_back(Migrate(20'000'009'000, 0, 0x2345, 0x9abc, 0, trace::MR_COMPACTION));
  // THP mapped by ptes: subpage 3 (0x40003 -> 0x80003) arrives first and names the folio
  // 0x40000 -> 0x80000; subpage 0 is the same folio (counted, no second event).
  expected.push_back(Migrate(20'000'010'000, 0, 0x40000, 0x80000, 9, trace::MR_COMPACTION));
  Event batch;
  batch.kind = trace::EVENT_MIGRATE_BATCH;
  batch.time_ns = 20'000'014'000;
  batch.cpu = 0;
  batch.nr_succeeded = 2;
  batch.nr_failed = 1;
  batch.nr_thp_succeeded = 1;
  batch.mode = 2;
  batch.reason = trace::MR_COMPACTION;
  expected.push_back(batch);
  Event end = begin;
  end.time_ns = 20'000'016'000;
  end.cpu = 0;
  end.compaction_end = true;
  end.migrate_pfn = 0x2400;
  end.free_pfn = 0xffc00;
  end.status = 8;
  expected.push_back(end);
  ASSERT_EQ(r->events.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->events[i], expected[i]) << i << ": " << DebugString(r->events[i]);
  }
  EXPECT_EQ(r->stat("consumed_set_migration_pte"), 5u);
  EXPECT_EQ(r->stat("migration_pte_same_folio"), 1u);
  EXPECT_EQ(r->stat("migration_pte_restored"), 1u);         // 0x5000 remapped to itself
  EXPECT_EQ(r->stat("migration_pte_unpaired_remove"), 1u);  // addr 7f0000800000
  EXPECT_EQ(r->stat("migration_pte_unpaired_set"), 1u);     // 0x7777 never remapped
  EXPECT_EQ(r->stat("consumed_migrate_pages_start"), 1u);
  EXPECT_EQ(r->stat("consumed_compaction_migratepages"), 1u);
  EXPECT_EQ(r->stat("skipped"), 0u);
}

TEST(FtraceImporterTest, MigrationDestinationIsNoLongerFree) {
  // 0x9abc freed, then becomes the destination of a compaction migration (taken off the
  // free lists without mm_page_alloc), then freed again: the second free is real.
  const std::string text =
      "a-1 [000] 1.000001: mm_page_free: page=x pfn=0x9abc order=0\n"
      "a-1 [000] 1.000002: set_migration_pte: addr=1000, pte=f7fff7ffffb97400 order=0\n"
      "a-1 [000] 1.000003: remove_migration_pte: addr=1000, pte=8000000009abc067 order=0\n"
      "a-1 [000] 1.000004: mm_page_free: page=x pfn=0x9abc order=0\n";
  absl::StatusOr<Imported> r = ImportText(text);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[2], Free(1'000'004'000, 0, 0x9abc, 0, false));
  EXPECT_EQ(r->events[1].reason, trace::MR_UNKNOWN);  // no mm_migrate_pages_start seen
}

TEST(FtraceImporterTest, MalformedLineIsAnErrorWithItsLineNumber) {
  const std::string text = std::string(kTracePipe) +
                           "            bash-100     [000] .....    10.000010: mm_page_free: "
                           "page=00000000aa pfn=0xnothex order=0\n";
  absl::StatusOr<Imported> r = ImportText(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("input.txt:12: malformed mm_page_free: bad value "
                                      "'0xnothex' for 'pfn'"),
            std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, MissingFieldIsAnErrorWithItsLineNumber) {
  const std::string text =
      "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\n"
      "a-1 [000] 1.1: mm_page_alloc: page=x pfn=0x20 order=0 migratetype=1\n";
  absl::StatusOr<Imported> r = ImportText(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":2: malformed mm_page_alloc: missing field 'gfp_flags'"),
            std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, LenientCountsAndSkipsMalformedLines) {
  const std::string text =
      "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\n"
      "a-1 [000] 1.1: mm_page_free: page=x pfn=0x1g order=0\n"
      "a-1 [000] 1.x: mm_page_free: page=x pfn=0x30 order=0\n"
      "a-1 [000] 1.2: mm_page_alloc: page=x pfn=0x20 order=0 migratetype=1\n"
      "a-1 [000] 1.3: sched_switch: prev_comm=a\n"
      "a-1 [000] 1.4: mm_page_free: page=x pfn=0x40 order=0\n";
  ImportOptions options;
  options.lenient = true;
  absl::StatusOr<Imported> r = ImportText(text, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->stat("skipped_malformed"), 3u);
  EXPECT_EQ(r->stat("skipped_unknown_event"), 1u);
  EXPECT_EQ(r->stat("skipped"), 4u);
  EXPECT_EQ(r->stats.counters.at("skipped"), 4u);
}

TEST(FtraceImporterTest, ZstdInputGivesTheSameEvents) {
  absl::StatusOr<Imported> plain = ImportText(kCompaction);
  ASSERT_TRUE(plain.ok()) << plain.status();
  std::string compressed(ZSTD_compressBound(sizeof(kCompaction)), '\0');
  size_t n =
      ZSTD_compress(compressed.data(), compressed.size(), kCompaction, sizeof(kCompaction) - 1, 3);
  ASSERT_FALSE(ZSTD_isError(n));
  compressed.resize(n);
  std::string path = testing::WriteTemp("input.txt.zst", compressed);
  absl::StatusOr<Imported> z = testing::RunImporter("ftrace", path);
  std::remove(path.c_str());
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->events, plain->events);
  EXPECT_EQ(z->stat("migration_pte_same_folio"), 1u);
}

TEST(FtraceImporterTest, NotATraceIsAnError) {
  absl::StatusOr<Imported> r = ImportText("hello\nworld\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no ftrace event lines in 2 lines"), std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, MissingFileIsAnError) {
  absl::StatusOr<Imported> r = testing::RunImporter("ftrace", "/nonexistent/trace.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/trace.txt"), std::string::npos);
}

// Regression: order=93 was accepted (and 2^93 later shifted); orders are 0..20
// (trace_format::kMaxOrder), and an out-of-range value is a located error.
TEST(FtraceImporterTest, Order93IsAnErrorWithItsLineNumber) {
  const std::string text =
      "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\n"
      "a-1 [000] 1.1: mm_page_alloc: page=x pfn=0x20 order=93 migratetype=1 gfp_flags=GFP_KERNEL\n";
  absl::StatusOr<Imported> r = ImportText(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":2: malformed mm_page_alloc: order 93 is outside 0..20"),
            std::string::npos)
      << r.status();
}

// Regression: order 2^32 was cut to 32 bits and read as order 0.
TEST(FtraceImporterTest, OrderTooLargeFor32BitsIsAnError) {
  absl::StatusOr<Imported> r =
      ImportText("a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=4294967296\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(":1: malformed mm_page_free: order 4294967296 is outside"),
            std::string::npos)
      << r.status();
}

// Regression: CPU 4294967297 was cut to 32 bits and became CPU 1.
TEST(FtraceImporterTest, CpuTooLargeIsAnError) {
  absl::StatusOr<Imported> r =
      ImportText("a-1 [4294967297] 1.0: mm_page_free: page=x pfn=0x10 order=0\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find(":1: malformed mm_page_free: cpu 4294967297 is not below 8192"),
      std::string::npos)
      << r.status();
}

// Regression: seconds * 10^9 wrapped around 2^64 and gave a small timestamp.
TEST(FtraceImporterTest, TimestampThatWouldWrapIsAnError) {
  absl::StatusOr<Imported> r =
      ImportText("a-1 [000] 18446744074.000001: mm_page_free: page=x pfn=0x10 order=0\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(":1: malformed mm_page_free: bad timestamp "
                                      "'18446744074.000001'"),
            std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, LargestTimestampIsKept) {
  // 9223372035.999999999 s = 2^63 - 1 - 854775808 ns: the last whole second below 2^63.
  absl::StatusOr<Imported> r =
      ImportText("a-1 [000] 9223372035.999999999: mm_page_free: page=x pfn=0x10 order=0\n");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].time_ns, 9'223'372'035'999'999'999u);
}

TEST(FtraceImporterTest, PfnPastTheLimitIsAnError) {
  absl::StatusOr<Imported> r =
      ImportText("a-1 [000] 1.0: mm_page_free: page=x pfn=0xffffffffffffff order=0\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(":1: malformed mm_page_free: pfn 72057594037927935 + 2^0 "
                                      "pages reaches past 2^52"),
            std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, LineWithoutNewlineLongerThan1MiBIsAnError) {
  absl::StatusOr<Imported> r = ImportText(std::string(3 << 20, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":1: line longer than 1048576 bytes"), std::string::npos)
      << r.status();
}

TEST(FtraceImporterTest, DirectoryIsAnError) {
  absl::StatusOr<Imported> r = testing::RunImporter("ftrace", test_util::ProcessTempDir().path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos) << r.status();
}

// An unknown event name that is not UTF-8 is stored (escaped) in the footer and reads back.
TEST(FtraceImporterTest, Latin1EventNameReadsBack) {
  absl::StatusOr<Imported> r = ImportText(
      "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\n"
      "a-1 [000] 1.1: caf\xE9_event: x=1\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stat("skipped_unknown_event"), 1u);
  EXPECT_EQ(r->stat("unknown_event.caf\\xE9_event"), 1u);
}

}  // namespace
}  // namespace memsim
