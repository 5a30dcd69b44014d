// KernelTimingReader and the report's percentiles: which event pairs count, on a hand-made
// capture, and the exact figures of the shipped capture (checked against an independent
// reading of its text; docs/validation.md).
#include "sim/validate/kernel_timing_reader.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/validate/validation_report.h"
#include "tests/testing/temp_dir.h"

namespace memsim::validate {
namespace {

using ::testing::HasSubstr;

constexpr char kHandMade[] = "tests/validate/testdata/scan.ftrace";
constexpr char kShipped[] = "traces/host-vm-compaction.report.txt.zst";

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = test_util::TmpPath(name);
  std::ofstream(path) << text;
  return path;
}

// testdata/scan.ftrace, pair by pair (all on pid 100 unless said):
//   begin; 0x1000 (first after begin: no); 0x1200 +2 us (yes); cpu 1 alloc (other CPU);
//   0x1400 +4 us (yes); 0x1600 +1 us, nr_scanned=1024 (yes: 512 pfns); 0x1800 taken=4 (no);
//   migrate 4 pages 10 us, ended on cpu 1; 0x1a00 on cpu 1 after the migration (no); 0x1c00
//   +6 us (yes); [LOST]; 0x1e00 (no: chain cut); end; 0x2000, 0x2200 (outside a run: no);
//   a batch that moved nothing; an mm_migrate_pages with no start.
TEST(KernelTimingReader, HandMadeCaptureKeepsOnlyConsecutiveIdleScansInARun) {
  absl::StatusOr<KernelTimings> t = KernelTimingReader::ReadFile(kHandMade);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->compaction_runs, 1u);
  EXPECT_EQ(t->isolate_migratepages, 10u);
  EXPECT_EQ(t->lost_events, 3u);
  EXPECT_TRUE(t->microsecond_timestamps);
  ASSERT_EQ(t->scans.size(), 4u);
  const uint64_t want_start[] = {0x1200, 0x1400, 0x1600, 0x1c00};
  const uint64_t want_ns[] = {2000, 4000, 1000, 6000};
  const uint32_t want_cpu[] = {0, 0, 0, 1};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(t->scans[i].start_pfn, want_start[i]) << i;
    EXPECT_EQ(t->scans[i].pfns(), 512u) << i;
    EXPECT_EQ(t->scans[i].ns, want_ns[i]) << i;
    EXPECT_EQ(t->scans[i].cpu, want_cpu[i]) << i;
    EXPECT_EQ(t->scans[i].pid, 100) << i;
  }
  EXPECT_EQ(t->scans[2].nr_scanned, 1024u);
  EXPECT_EQ(t->scans[0].line, 7u);
  ASSERT_EQ(t->batches.size(), 1u);
  EXPECT_EQ(t->batches[0].ns, 10000u);
  EXPECT_EQ(t->batches[0].succeeded, 4u);
  EXPECT_EQ(t->batches[0].start_cpu, 0u);
  EXPECT_EQ(t->batches[0].end_cpu, 1u);
  EXPECT_EQ(t->batches[0].reason, "compaction");
  EXPECT_DOUBLE_EQ(t->batches[0].ns_per_page(), 2500.0);
  EXPECT_EQ(t->batches_without_pages, 1u);
  EXPECT_EQ(t->batches_without_start, 1u);
}

TEST(KernelTimingReader, HandMadeCaptureSummary) {
  absl::StatusOr<KernelTimings> t = KernelTimingReader::ReadFile(kHandMade);
  ASSERT_TRUE(t.ok()) << t.status();
  const CaptureTiming c = CaptureTiming::From(*t);
  // Per pfn: 1000/512, 2000/512, 4000/512, 6000/512; nearest rank of 4 values: p10 the
  // 1st, p50 the 2nd, p90 the 4th.
  EXPECT_EQ(c.scan_ns_per_pfn.count, 4u);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p10, 1.953125);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p50, 3.90625);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p90, 11.71875);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.mean, 6.34765625);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_block.p50, 2000.0);
  EXPECT_EQ(c.migrated_pages, 4u);
  EXPECT_DOUBLE_EQ(c.migrate_ns_per_page.p50, 2500.0);
}

TEST(Summarise, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 10; i >= 1; --i) v.push_back(i);  // 1..10, unsorted
  const Distribution d = Summarise(v);
  EXPECT_EQ(d.count, 10u);
  EXPECT_EQ(d.p10, 1.0);  // rank ceil(1.0) = 1
  EXPECT_EQ(d.p50, 5.0);  // rank 5
  EXPECT_EQ(d.p90, 9.0);  // rank 9
  EXPECT_EQ(d.mean, 5.5);
  const Distribution one = Summarise({7.0});
  EXPECT_EQ(one.p10, 7.0);
  EXPECT_EQ(one.p90, 7.0);
  EXPECT_EQ(Summarise({}).count, 0u);
}

// The shipped capture (trace-cmd report -t: ns timestamps). The figures were checked
// against an independent reading of the text (a Python script applying the same rules):
// 1563 pageblocks, per pageblock p10 109 ns, p50 1793 ns, p90 3516 ns, all of 512 pfns;
// 76 batches, 2495 pages, per page p10 6063/4, p50 53932/12, p90 25640/1 ns.
TEST(KernelTimingReader, ShippedCaptureFigures) {
  absl::StatusOr<KernelTimings> t = KernelTimingReader::ReadFile(kShipped);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->lines, 50569u);
  EXPECT_EQ(t->compaction_runs, 3u);
  EXPECT_EQ(t->isolate_migratepages, 1656u);
  EXPECT_FALSE(t->microsecond_timestamps);
  EXPECT_EQ(t->lost_events, 0u);
  const CaptureTiming c = CaptureTiming::From(*t);
  EXPECT_EQ(c.scan_ns_per_pfn.count, 1563u);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p10, 109.0 / 512);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p50, 1793.0 / 512);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_pfn.p90, 3516.0 / 512);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_block.p10, 109.0);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_block.p50, 1793.0);
  EXPECT_DOUBLE_EQ(c.scan_ns_per_block.p90, 3516.0);
  EXPECT_EQ(c.migrate_ns_per_page.count, 76u);
  EXPECT_EQ(c.migrated_pages, 2495u);
  EXPECT_EQ(c.batches_without_pages, 1u);
  EXPECT_DOUBLE_EQ(c.migrate_ns_per_page.p10, 6063.0 / 4);
  EXPECT_DOUBLE_EQ(c.migrate_ns_per_page.p50, 53932.0 / 12);
  EXPECT_DOUBLE_EQ(c.migrate_ns_per_page.p90, 25640.0);
}

TEST(KernelTimingReader, MalformedLineNamesFileAndLine) {
  const std::string path =
      Write("bad.ftrace",
            " w-1 [000] ..... 1.000000: mm_compaction_begin: zone_start=0x1 migrate_pfn=0x1 "
            "free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
            "# a comment\n"
            " w-1 [000] ..... 1.000001: mm_compaction_isolate_migratepages: range=(0x1 ~ zz) "
            "nr_scanned=1 nr_taken=0\n");
  absl::StatusOr<KernelTimings> t = KernelTimingReader::ReadFile(path);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr(path + ":3: malformed"));
  EXPECT_THAT(t.status().message(), HasSubstr("mm_compaction_isolate_migratepages"));
}

TEST(KernelTimingReader, EmptyOrEventlessFilesAreErrors) {
  absl::StatusOr<KernelTimings> empty = KernelTimingReader::ReadFile(Write("empty.ftrace", ""));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("empty file"));
  absl::StatusOr<KernelTimings> prose =
      KernelTimingReader::ReadFile(Write("prose.ftrace", "hello\nworld\n"));
  EXPECT_EQ(prose.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(prose.status().message(), HasSubstr("no ftrace event lines in 2 lines"));
  absl::StatusOr<KernelTimings> missing =
      KernelTimingReader::ReadFile(test_util::TmpPath("missing.ftrace"));
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace memsim::validate
