#include "sim/trace/import/ftrace_line_parser.h"

#include <gtest/gtest.h>

namespace memsim {
namespace {

using Kind = FtraceLineParser::LineKind;
using F = TraceField;

TEST(FtraceLineParserTest, TracePipeLayout) {
  FtraceLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("            bash-8826    [001] .....   883.371436: mm_page_alloc: "
                    "page=0000000098371197 pfn=0x125e72 order=0 migratetype=0 "
                    "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.tracepoint, Tracepoint::kMmPageAlloc);
  EXPECT_EQ(r.time_ns, 883'371'436'000u);
  EXPECT_EQ(r.cpu, 1u);
  EXPECT_EQ(r.pid, 8826);
  EXPECT_EQ(r.value(F::kPfn), 0x125e72u);
  EXPECT_EQ(r.value(F::kOrder), 0u);
  EXPECT_EQ(r.value(F::kMigratetype), 0u);
  EXPECT_EQ(r.symbol(F::kGfpFlags), "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP");
}

TEST(FtraceLineParserTest, TraceCmdReportLayoutWithInstanceAndNanoseconds) {
  FtraceLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("memsim_imp_cap:               sh-18945 [001]  1809.041443358: "
                    "mm_page_alloc:        page=0x1592b6 pfn=0x1592b6 order=0 migratetype=1 "
                    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.time_ns, 1'809'041'443'358u);
  EXPECT_EQ(r.pid, 18945);
  EXPECT_EQ(r.value(F::kPfn), 0x1592b6u);
  EXPECT_EQ(r.value(F::kMigratetype), 1u);
}

TEST(FtraceLineParserTest, TaskNamesWithSpacesAndDashesAndSystemPrefix) {
  FtraceLineParser p;
  TraceRecord r;
  ASSERT_EQ(
      p.Parse(" Web Content-x-4711 [003] 12.5: kmem:mm_page_free: page=x pfn=6699 order=2", &r),
      Kind::kEvent);
  EXPECT_EQ(r.tracepoint, Tracepoint::kMmPageFree);
  EXPECT_EQ(r.pid, 4711);
  EXPECT_EQ(r.cpu, 3u);
  EXPECT_EQ(r.time_ns, 12'500'000'000u);
  EXPECT_EQ(r.value(F::kPfn), 6699u);  // decimal pfn (older kernels)
  EXPECT_EQ(r.value(F::kOrder), 2u);
}

TEST(FtraceLineParserTest, AllFieldShapes) {
  FtraceLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("kcompactd0-40 [000] ...1. 1.000001: set_migration_pte: addr=7f99d4f6b000, "
                    "pte=f7ffe7ffdfbcec00 order=9",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kAddr), 0x7f99d4f6b000u);
  EXPECT_EQ(r.value(F::kPte), 0xf7ffe7ffdfbcec00u);
  EXPECT_EQ(r.value(F::kOrder), 9u);
  ASSERT_EQ(p.Parse("a-1 [000] 1.0: mm_compaction_isolate_freepages: range=(0x17fe44 ~ 0x180000) "
                    "nr_scanned=444 nr_taken=11",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kStartPfn), 0x17fe44u);
  EXPECT_EQ(r.value(F::kEndPfn), 0x180000u);
  EXPECT_EQ(r.value(F::kNrScanned), 444u);
  EXPECT_EQ(r.value(F::kNrTaken), 11u);
  ASSERT_EQ(p.Parse("a-1 [000] 1.0: mm_compaction_end: zone_start=0x1000 migrate_pfn=0xffe00 "
                    "free_pfn=0xffe00 zone_end=0x100000, mode=async status=complete",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kZoneEnd), 0x100000u);
  EXPECT_EQ(r.value(F::kSync), 0u);
  EXPECT_EQ(r.symbol(F::kStatus), "complete");
  ASSERT_EQ(p.Parse("a-1 [000] 1.0: mm_migrate_pages: nr_succeeded=1 nr_failed=2 "
                    "nr_thp_succeeded=3 nr_thp_failed=4 nr_thp_split=5 nr_split=6 "
                    "mode=MIGRATE_SYNC reason=compaction",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kSucceeded), 1u);
  EXPECT_EQ(r.value(F::kFailed), 2u);
  EXPECT_EQ(r.value(F::kThpSplit), 5u);
  EXPECT_EQ(r.symbol(F::kMode), "MIGRATE_SYNC");
  EXPECT_EQ(r.symbol(F::kReason), "compaction");
  ASSERT_EQ(p.Parse("a-1 [000] d.... 1.0: page_fault_user: address=0x7ffe5f3213c8 "
                    "ip=0x7feb2d98b08e error_code=0x7",
                    &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kAddress), 0x7ffe5f3213c8u);
  EXPECT_EQ(r.value(F::kIp), 0x7feb2d98b08eu);
  EXPECT_EQ(r.value(F::kErrorCode), 7u);
}

TEST(FtraceLineParserTest, HeadersCommentsLostAndUnknown) {
  FtraceLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("# tracer: nop", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("cpus=8", &r), Kind::kIgnored);
  EXPECT_EQ(p.header_cpus(), 8u);
  EXPECT_EQ(p.Parse("CPU 0 is empty", &r), Kind::kIgnored);
  EXPECT_EQ(p.Parse("CPU:1 [LOST 42 EVENTS]", &r), Kind::kLostEvents);
  EXPECT_EQ(p.lost_events(), 42u);
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: kmalloc: call_site=x ptr=y", &r), Kind::kUnknownEvent);
  EXPECT_EQ(p.event_name(), "kmalloc");
  EXPECT_EQ(p.Parse("hello world", &r), Kind::kNonEvent);
}

// Regression: the CPU was cut to 32 bits (4294967296 read as CPU 0).
TEST(FtraceLineParserTest, CpuAboveTheLimitIsMalformed) {
  FtraceLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("sh-1 [4294967296] 1.0: mm_page_free: pfn=0x1 order=0", &r), Kind::kMalformed);
  EXPECT_EQ(p.error(), "cpu 4294967296 is not below 8192");
  EXPECT_EQ(p.Parse("sh-1 [99999999999999999999] 1.0: mm_page_free: pfn=0x1 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.Parse("sh-1 [8191] 1.0: mm_page_free: pfn=0x1 order=0", &r), Kind::kEvent);
  EXPECT_EQ(r.cpu, 8191u);
}

// Regression: seconds x 10^9 wrapped around 2^64; times are at most 2^63 - 1 ns.
TEST(FtraceLineParserTest, TimestampPast2To63IsMalformed) {
  FtraceLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("sh-1 [000] 18446744074.0: mm_page_free: pfn=0x1 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.Parse("sh-1 [000] 9223372037.0: mm_page_free: pfn=0x1 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.Parse("sh-1 [000] 9223372036854775808: mm_page_free: pfn=0x1 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.Parse("sh-1 [000] 9223372036854775807: mm_page_free: pfn=0x1 order=0", &r),
            Kind::kEvent);
  EXPECT_EQ(r.time_ns, 9'223'372'036'854'775'807u);
}

TEST(FtraceLineParserTest, HeaderCpuCountAboveTheLimitIsIgnored) {
  FtraceLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("cpus=4294967298", &r), Kind::kIgnored);
  EXPECT_EQ(p.header_cpus(), 0u);
  EXPECT_EQ(p.Parse("cpus=64", &r), Kind::kIgnored);
  EXPECT_EQ(p.header_cpus(), 64u);
}

TEST(FtraceLineParserTest, MalformedKnownEvents) {
  FtraceLineParser p;
  TraceRecord r;
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: page=x pfn=0xZZ order=0", &r), Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '0xZZ' for 'pfn'");
  EXPECT_EQ(p.Parse("sh-1 [000] 1.x: mm_page_free: pfn=0x1 order=0", &r), Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad timestamp '1.x' (expected <secs>.<fraction> or ns, below 2^63 ns)");
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_compaction_isolate_freepages: range=(0x1 ~ 0x2", &r),
            Kind::kMalformed);
}

// Numbers are read as std::from_chars reads them (the parser's own digit loop since it
// replaced from_chars): digits only, leading zeros allowed, nothing past 2^64 - 1.
TEST(FtraceLineParserTest, NumbersAtAndPastTheirLimits) {
  FtraceLineParser p;
  TraceRecord r;
  ASSERT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=18446744073709551615 order=0", &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kPfn), 18'446'744'073'709'551'615u);
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=18446744073709551616 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '18446744073709551616' for 'pfn'");
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=0xFFFFFFFFFFFFFFFF order=0", &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kPfn), 0xffff'ffff'ffff'ffffu);
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=0x10000000000000000 order=0", &r),
            Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '0x10000000000000000' for 'pfn'");
  ASSERT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=0xAbC order=0000000000000000000000003", &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kPfn), 0xabcu);
  EXPECT_EQ(r.value(F::kOrder), 3u);
  ASSERT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=0x000000000000000000001 order=0", &r),
            Kind::kEvent);
  EXPECT_EQ(r.value(F::kPfn), 1u);
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=+5 order=0", &r), Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '+5' for 'pfn'");
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=5 order=1a", &r), Kind::kMalformed);
  EXPECT_EQ(p.error(), "bad value '1a' for 'order'");
  EXPECT_EQ(p.Parse("sh-1 [000] 1.0: mm_page_free: pfn=0xg order=0", &r), Kind::kMalformed);
}

}  // namespace
}  // namespace memsim
