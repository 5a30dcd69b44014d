// `perf script` text: the line layouts of tools/perf/builtin-script.c on hand-written lines,
// and a real capture recorded on the project's VM (perf 6.1, Linux 6.18) imported next to
// the same records rewritten in the ftrace layout.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "import_test_util.h"
#include "sim/trace/import/perf_script_line_parser.h"

namespace memsim {
namespace {

using testing::Imported;
using testing::RunImporter;
using testing::SourcePath;
using testing::WriteTemp;
using Kind = PerfScriptLineParser::LineKind;

TEST(PerfScriptLineParser, DefaultFields) {
  PerfScriptLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("              sh 16174 [001] 11533.047404:         kmem:mm_page_alloc: "
                    "page=0x10903b pfn=0x10903b order=0 migratetype=1 "
                    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.tracepoint, Tracepoint::kMmPageAlloc);
  EXPECT_EQ(r.pid, 16174);
  EXPECT_EQ(r.cpu, 1u);
  EXPECT_EQ(r.time_ns, 11533047404000u);
  EXPECT_EQ(r.value(TraceField::kPfn), 0x10903bu);
  EXPECT_EQ(r.value(TraceField::kMigratetype), 1u);
  EXPECT_EQ(r.symbol(TraceField::kGfpFlags), "GFP_HIGHUSER_MOVABLE|__GFP_COMP");
  EXPECT_EQ(p.lines_without_cpu(), 0u);
  EXPECT_EQ(p.lines_without_tid(), 0u);
}

TEST(PerfScriptLineParser, CommWithSpacesPidTidAndNanoseconds) {
  PerfScriptLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("  Web Content 2 1200/1234    [003] 100.000000123: exceptions:page_fault_user: "
                    "address=0x7f00 ip=0x55aa error_code=0x6",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.tracepoint, Tracepoint::kPageFaultUser);
  EXPECT_EQ(r.pid, 1234);  // the tid: ftrace's "<comm>-<pid>" is the task's pid = tid
  EXPECT_EQ(r.cpu, 3u);
  EXPECT_EQ(r.time_ns, 100000000123u);
  EXPECT_EQ(r.value(TraceField::kAddress), 0x7f00u);
  EXPECT_EQ(r.value(TraceField::kErrorCode), 6u);
}

TEST(PerfScriptLineParser, OptionalColumns) {
  PerfScriptLineParser p;
  TraceRecord r;
  // -F time,event,trace: no task, no cpu.
  ASSERT_EQ(p.Parse("5.000001: kmem:mm_page_free: page=0x1 pfn=0x10 order=2", &r), Kind::kEvent);
  EXPECT_EQ(r.pid, -1);
  EXPECT_EQ(r.cpu, 0u);
  EXPECT_EQ(r.value(TraceField::kOrder), 2u);
  EXPECT_EQ(p.lines_without_cpu(), 1u);
  EXPECT_EQ(p.lines_without_tid(), 1u);
  // -F +misc,+period: misc letters before the time, period after it.
  ASSERT_EQ(p.Parse("cc1plus 77 [000] K  6.5:          1 migrate:mm_migrate_pages_start: "
                    "mode=MIGRATE_SYNC reason=compaction",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.tracepoint, Tracepoint::kMmMigratePagesStart);
  EXPECT_EQ(r.pid, 77);
  EXPECT_EQ(r.time_ns, 6500000000u);
  EXPECT_EQ(r.symbol(TraceField::kReason), "compaction");
}

TEST(PerfScriptLineParser, OtherLines) {
  PerfScriptLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("# ========", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("  perf 0 [000] 0.000000: PERF_RECORD_LOST lost 17", &r), Kind::kLostEvents);
  EXPECT_EQ(p.lost_events(), 17u);
  EXPECT_EQ(p.Parse("  perf 0 [000] 0.000000: PERF_RECORD_COMM: perf:1", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("  sh 1 [000] 1.000000: sched:sched_switch: prev_comm=sh", &r),
            Kind::kUnknownEvent);
  EXPECT_EQ(p.event_name(), "sched_switch");
  // A sample of a hardware event, and a call-chain line.
  EXPECT_EQ(p.Parse("  sh 1 [000] 1.000000:     250000 cycles:  ffffffff81000000 x", &r),
            Kind::kNonEvent);
  EXPECT_EQ(p.Parse("\tffffffff81234567 do_anonymous_page+0x1 ([kernel.kallsyms])", &r),
            Kind::kNonEvent);
  ASSERT_EQ(p.Parse("  sh 1 [000] 1.000000: kmem:mm_page_free: pfn=0xzz order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '0xzz' for 'pfn'");
  ASSERT_EQ(p.Parse("  sh 1 [000] 1.x: kmem:mm_page_free: pfn=0x1 order=0", &r), Kind::kNonEvent);
}

TEST(PerfScriptImporter, ErrorsNameFileAndLine) {
  const std::string bad = WriteTemp(
      "bad.perf",
      "  sh 1 [000] 1.000000: kmem:mm_page_free: pfn=0x1 order=0\n"
      "  sh 1 [000] 1.000001: kmem:mm_page_alloc: pfn=0x2 order=x migratetype=0 gfp_flags=none\n");
  absl::StatusOr<Imported> r = RunImporter("perf", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":2: malformed mm_page_alloc: bad value 'x' for 'order'"),
            std::string::npos)
      << r.status();

  const std::string none = WriteTemp("none.perf", "  sh 1 [000] 1.0: 100 cycles: ffff\n");
  r = RunImporter("perf", none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no perf script tracepoint lines in 1 lines"),
            std::string::npos)
      << r.status();
}

std::vector<Event> WithTimeInUs(std::vector<Event> events) {
  for (Event& e : events) e.time_ns = e.time_ns / 1000 * 1000;
  return events;
}

// perf_workload.perf.zst: `perf script --ns` of `tools/record --perf --only-command --workload
// '--anon-mb 2 --file-mb 2 --thp-mb 4 --fragment-mb 4 --compact'` (10,969 records of all 13
// tracepoints); perf_workload.ftrace.zst: the same lines rewritten to the trace_pipe layout by
// the sed command in testdata/README.md; perf_workload.F.perf.zst: `perf script -F
// comm,pid,tid,cpu,time,event,trace` of the same perf.data (microseconds).
TEST(PerfScriptImporter, RealCaptureGivesTheEventsOfItsFtraceText) {
  absl::StatusOr<Imported> perf =
      RunImporter("perf", SourcePath("tests/trace/import/testdata/perf_workload.perf.zst"));
  ASSERT_TRUE(perf.ok()) << perf.status();
  absl::StatusOr<Imported> ftrace =
      RunImporter("ftrace", SourcePath("tests/trace/import/testdata/perf_workload.ftrace.zst"));
  ASSERT_TRUE(ftrace.ok()) << ftrace.status();
  absl::StatusOr<Imported> fields =
      RunImporter("perf", SourcePath("tests/trace/import/testdata/perf_workload.F.perf.zst"));
  ASSERT_TRUE(fields.ok()) << fields.status();

  EXPECT_EQ(perf->stats.input_records, 10969u);
  ASSERT_EQ(perf->events.size(), ftrace->events.size());
  EXPECT_TRUE(perf->events == ftrace->events);
  EXPECT_TRUE(WithTimeInUs(fields->events) == WithTimeInUs(perf->events));
  for (const auto& [key, value] : ftrace->footer.import_stats()) {
    EXPECT_EQ(perf->stat(key), value) << key;
    EXPECT_EQ(fields->stat(key), value) << key;
  }
  EXPECT_EQ(perf->stat("perf_lines_without_cpu"), 0u);
  EXPECT_EQ(perf->stat("perf_lines_without_tid"), 0u);
  EXPECT_EQ(perf->header.source(), "perf");
  EXPECT_EQ(perf->header.num_cpus(), ftrace->header.num_cpus());
  // Independent counts (grep -c of the text): 1769 mm_page_alloc, 1750 mm_page_free, 1636
  // mm_page_free_batched, 1607 page_fault_user, 63 set/remove_migration_pte pairs.
  EXPECT_EQ(perf->kind("alloc"), 1769u);
  EXPECT_EQ(perf->stat("fault_pfn_from_alloc") + perf->stat("fault_pfn_unknown"), 1607u);
  EXPECT_EQ(perf->stat("consumed_set_migration_pte"), 63u);
}

// A C++ compile (g++ -O1 -c of a 10-line file using <map>, <string>, <iostream>), recorded on
// the project's VM twice with the same four events: `tools/record --perf --only-command` and
// `tools/record --only-command` (trace_pipe text). perf gives the faults their pfns as well as
// ftrace does; with --from=ftrace its text gave none (no task was parsed).
TEST(PerfScriptImporter, BuildCaptureFaultsGetPfnsAsWellAsFromFtrace) {
  absl::StatusOr<Imported> perf = RunImporter("perf", SourcePath("traces/gcc-build-perf.perf.zst"));
  ASSERT_TRUE(perf.ok()) << perf.status();
  absl::StatusOr<Imported> ftrace =
      RunImporter("ftrace", SourcePath("traces/gcc-build-ftrace.ftrace.zst"));
  ASSERT_TRUE(ftrace.ok()) << ftrace.status();
  absl::StatusOr<Imported> perf_as_ftrace =
      RunImporter("ftrace", SourcePath("traces/gcc-build-perf.perf.zst"));
  ASSERT_TRUE(perf_as_ftrace.ok()) << perf_as_ftrace.status();

  // Every fault is paired with an allocation, reaches the page of a repeat fault, or stays
  // without a pfn.
  const uint64_t perf_faults = perf->stat("fault_pfn_from_alloc") + perf->stat("fault_pfn_repeat") +
                               perf->stat("fault_pfn_unknown");
  const uint64_t ftrace_faults = ftrace->stat("fault_pfn_from_alloc") +
                                 ftrace->stat("fault_pfn_repeat") +
                                 ftrace->stat("fault_pfn_unknown");
  EXPECT_EQ(perf_faults, 16496u);  // grep -c page_fault_user
  EXPECT_EQ(ftrace_faults, 19584u);
  EXPECT_EQ(perf->stat("fault_pfn_from_alloc"), 15943u);
  EXPECT_EQ(ftrace->stat("fault_pfn_from_alloc"), 18732u);
  EXPECT_GE(perf->stat("fault_pfn_from_alloc") * ftrace_faults,
            ftrace->stat("fault_pfn_from_alloc") * perf_faults);
  EXPECT_EQ(perf_as_ftrace->stat("fault_pfn_from_alloc"), 0u);
}

}  // namespace
}  // namespace memsim
