// Tests of `memsim import --from=perfetto` (sim/trace/import/perfetto_importer.cc): a shipped
// text capture converted to Perfetto imports to the same events as the text, and hand-built
// packets cover compression, ftrace_stats, unknown fields, self-describing events and errors.
#include "sim/trace/import/perfetto_importer.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/trace/import/kernel_names.h"
#include "sim/trace/import/kernel_values.h"
#include "sim/trace/import/perfetto_packet_reader.h"
#include "sim/util/input_file.h"
#include "tests/trace/import/import_test_util.h"
#include "tests/trace/import/perfetto_trace_builder.h"

namespace memsim {
namespace {

namespace pf = ::memsim::perfetto;
using ::testing::HasSubstr;
using testing::Imported;
using testing::PerfettoBuildOptions;
using testing::PerfettoTraceBuilder;
using testing::UntypedFtraceEvent;
using Compression = PerfettoBuildOptions::Compression;

absl::StatusOr<Imported> ImportPerfetto(const std::string& bytes, ImportOptions options = {}) {
  const std::string path = testing::WriteTemp("trace.perfetto", bytes);
  absl::StatusOr<Imported> r = testing::RunImporter("perfetto", path, options);
  std::remove(path.c_str());
  return r;
}

void SortEvents(std::vector<Event>& events) {
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    return std::tie(x.time_ns, x.cpu, x.kind, x.pfn) < std::tie(y.time_ns, y.cpu, y.kind, y.pfn);
  });
}

// GFP_HIGHUSER_MOVABLE on Linux 6.18: __GFP_RECLAIM (bits 10, 11) | __GFP_IO (6) | __GFP_FS
// (7) | __GFP_HARDWALL (20) | __GFP_HIGHMEM (1) | __GFP_MOVABLE (3).
constexpr uint32_t kGfpHighuserMovable = 0x100cca;

void AddAlloc(PerfettoTraceBuilder& b, uint32_t cpu, uint64_t t, int32_t pid, uint64_t pfn) {
  auto* m = b.AddEvent(cpu, t, pid)->mutable_mm_page_alloc();
  m->set_pfn(pfn);
  m->set_order(0);
  m->set_migratetype(1);
  m->set_gfp_flags(kGfpHighuserMovable);
}

void AddFree(PerfettoTraceBuilder& b, uint32_t cpu, uint64_t t, int32_t pid, uint64_t pfn) {
  auto* m = b.AddEvent(cpu, t, pid)->mutable_mm_page_free();
  m->set_pfn(pfn);
  m->set_order(0);
}

// Two allocations and a free on two CPUs, bundle of CPU 1 (later events) first.
std::string SmallTrace(PerfettoBuildOptions options) {
  PerfettoTraceBuilder b(options);
  AddAlloc(b, 1, 3000, 7, 0x2000);
  b.FlushBundles();
  AddAlloc(b, 0, 1000, 5, 0x1000);
  AddFree(b, 0, 2000, 5, 0x1000);
  return b.Finish();
}

TEST(KernelValuesTest, GfpBitsRenderToNamesWithTheSameMemsimMask) {
  std::string names;
  AppendGfpFlagNames(kGfpHighuserMovable, &names);
  EXPECT_EQ(names,
            "__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_IO|__GFP_FS|__GFP_DIRECT_RECLAIM|"
            "__GFP_KSWAPD_RECLAIM|__GFP_HARDWALL");
  uint32_t unknown = 0;
  EXPECT_EQ(GfpBitsFromNames(names, &unknown), GfpBitsFromNames("GFP_HIGHUSER_MOVABLE", &unknown));
  EXPECT_EQ(unknown, 0u);
  names.clear();
  AppendGfpFlagNames(0, &names);
  EXPECT_EQ(names, "none");
  names.clear();
  // Bit 9 (unused since 6.3) and bit 30 have no name: printed as the kernel prints them.
  AppendGfpFlagNames(0x40000240, &names);
  EXPECT_EQ(names, "__GFP_IO|0x40000200");
}

TEST(KernelValuesTest, SymbolsBothWays) {
  EXPECT_EQ(KernelSymbolName(TraceField::kReason, 0), "compaction");
  EXPECT_EQ(KernelSymbolName(TraceField::kMode, 2), "MIGRATE_SYNC");
  EXPECT_EQ(KernelSymbolName(TraceField::kStatus, 8), "success");
  EXPECT_EQ(KernelSymbolName(TraceField::kReason, 42), std::nullopt);
  EXPECT_EQ(KernelSymbolValue(TraceField::kReason, "numa_misplaced"), 5);
  EXPECT_EQ(KernelSymbolValue(TraceField::kStatus, "partial_skipped"), 6);
}

TEST(PerfettoPacketReaderTest, PacketsAndOffsetsOtherFieldsSkipped) {
  // packet (1 byte) at 0; field 2 fixed64 at 3; field 3 fixed32 at 12; field 4 varint 150 at
  // 17; packet "ab" at 20.
  const std::string data(
      "\x0a\x01\x08"
      "\x11\x01\x02\x03\x04\x05\x06\x07\x08"
      "\x1d\x01\x02\x03\x04"
      "\x20\x96\x01"
      "\x0a\x02"
      "ab",
      24);
  PerfettoPacketReader reader(data, "mem");
  std::string_view packet;
  uint64_t offset = 99;
  absl::StatusOr<bool> more = reader.Next(&packet, &offset);
  ASSERT_TRUE(more.ok() && *more) << more.status();
  EXPECT_EQ(packet, "\x08");
  EXPECT_EQ(offset, 0u);
  more = reader.Next(&packet, &offset);
  ASSERT_TRUE(more.ok() && *more) << more.status();
  EXPECT_EQ(packet, "ab");
  EXPECT_EQ(offset, 20u);
  more = reader.Next(&packet, &offset);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);

  PerfettoPacketReader group(std::string_view("\x0a\x00\x0b", 3), "mem");
  ASSERT_TRUE(group.Next(&packet, &offset).ok());
  more = group.Next(&packet, &offset);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(more.status().message(), HasSubstr("mem: byte 2: field 1 has wire type 3"));
}

TEST(PerfettoImporterTest, TypedEventsMergedAcrossCpusByTime) {
  absl::StatusOr<Imported> r = ImportPerfetto(SmallTrace({}));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].kind, trace::EVENT_ALLOC);
  EXPECT_EQ(r->events[0].time_ns, 1000u);
  EXPECT_EQ(r->events[0].pfn, 0x1000u);
  EXPECT_EQ(r->events[0].migratetype, 1);
  uint32_t unknown = 0;
  EXPECT_EQ(r->events[0].gfp_flags, GfpBitsFromNames("GFP_HIGHUSER_MOVABLE", &unknown));
  EXPECT_EQ(r->events[1].kind, trace::EVENT_FREE);
  EXPECT_EQ(r->events[1].time_ns, 2000u);
  EXPECT_EQ(r->events[2].kind, trace::EVENT_ALLOC);
  EXPECT_EQ(r->events[2].time_ns, 3000u);
  EXPECT_EQ(r->events[2].cpu, 1u);
  EXPECT_EQ(r->events[2].pfn, 0x2000u);
  EXPECT_EQ(r->header.source(), "perfetto");
  EXPECT_EQ(r->header.clock(), "boot");
  EXPECT_EQ(r->header.num_cpus(), 2u);
  EXPECT_EQ(r->stat("input_records"), 3u);
  EXPECT_EQ(r->stat("perfetto_packets"), 2u);
  EXPECT_EQ(r->stat("lost_events"), 0u);
}

// Bundles are merged within kPerfettoReorderWindowNs (2 s): an event older than one already
// released (here 5 s after 10 s was released by 13 s) is imported late, and counted.
TEST(PerfettoImporterTest, EventBeyondTheReorderWindowIsCountedLate) {
  constexpr uint64_t kSec = 1'000'000'000;
  PerfettoTraceBuilder b;
  AddAlloc(b, 0, 10 * kSec, 5, 0x1000);
  AddAlloc(b, 0, 13 * kSec, 5, 0x2000);
  b.FlushBundles();
  AddAlloc(b, 1, 5 * kSec, 6, 0x3000);
  absl::StatusOr<Imported> r = ImportPerfetto(b.Finish());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].time_ns, 10 * kSec);
  EXPECT_EQ(r->events[1].time_ns, 5 * kSec);
  EXPECT_EQ(r->events[2].time_ns, 13 * kSec);
  EXPECT_EQ(r->stat("perfetto_late_events"), 1u);
}

TEST(PerfettoImporterTest, DeflateAndZstdPacketsImportLikePlainOnes) {
  absl::StatusOr<Imported> plain = ImportPerfetto(SmallTrace({}));
  ASSERT_TRUE(plain.ok()) << plain.status();
  for (Compression c : {Compression::kDeflate, Compression::kZstd}) {
    PerfettoBuildOptions options;
    options.compression = c;
    options.packets_per_compressed = 2;
    absl::StatusOr<Imported> r = ImportPerfetto(SmallTrace(options));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->events, plain->events);
    EXPECT_EQ(r->stat("perfetto_compressed_packets"), 1u);
    // One compressed packet holding the two bundles.
    EXPECT_EQ(r->stat("perfetto_packets"), 3u);
  }
}

TEST(PerfettoImporterTest, FtraceStatsOverrunsAreLostEvents) {
  PerfettoTraceBuilder b;
  b.AddStats(pf::FtraceStats::START_OF_TRACE, {{0, 5}, {1, 0}});
  AddAlloc(b, 0, 1000, 5, 0x1000);
  b.FlushBundles();
  b.AddStats(pf::FtraceStats::END_OF_TRACE, {{0, 12}, {1, 3}});
  absl::StatusOr<Imported> r = ImportPerfetto(b.Finish());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stat("lost_events"), 10u);  // (12 - 5) + (3 - 0)
  EXPECT_EQ(r->events.size(), 1u);
}

TEST(PerfettoImporterTest, UnknownFieldsPacketsAndEventsAreSkipped) {
  PerfettoTraceBuilder b;
  pf::TracePacket odd;
  odd.set_timestamp(5);
  // Fields this schema does not declare: a varint (trusted_uid = 3) and a message
  // (trace_config = 33).
  odd.GetReflection()->MutableUnknownFields(&odd)->AddVarint(3, 1000);
  odd.GetReflection()->MutableUnknownFields(&odd)->AddLengthDelimited(33, "\x08\x01");
  b.AddPacket(odd);
  pf::FtraceEvent* sched = b.AddEvent(0, 500, 9);
  // sched_switch = 4 has no message here: an unknown event.
  sched->GetReflection()->MutableUnknownFields(sched)->AddLengthDelimited(4, "\x08\x01");
  b.AddEvent(0, 600, 9)->mutable_generic()->set_event_name("sched_waking");
  b.FlushBundles();
  std::string bytes = b.Finish();
  // A top-level field other than `packet` (field 2, 3 bytes): skipped.
  bytes += std::string("\x12\x03xyz", 5);
  bytes += SmallTrace({});
  absl::StatusOr<Imported> r = ImportPerfetto(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->stat("skipped_unknown_event"), 2u);
  EXPECT_EQ(r->stat("unknown_event.perfetto_field_4"), 1u);
  EXPECT_EQ(r->stat("unknown_event.sched_waking"), 1u);
}

TEST(PerfettoImporterTest, SystemInfoAndFtraceClockFillTheHeader) {
  PerfettoTraceBuilder b;
  pf::TracePacket info;
  info.mutable_system_info()->mutable_utsname()->set_release("6.18.44-test");
  info.mutable_system_info()->set_num_cpus(8);
  info.mutable_system_info()->set_page_size(4096);
  b.AddPacket(info);
  AddAlloc(b, 0, 1000, 5, 0x1000);
  b.FlushBundles();
  pf::TracePacket bundle;
  bundle.mutable_ftrace_events()->set_cpu(1);
  bundle.mutable_ftrace_events()->set_ftrace_clock(pf::FTRACE_CLOCK_MONO_RAW);
  b.AddPacket(bundle);
  absl::StatusOr<Imported> r = ImportPerfetto(b.Finish());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->header.kernel_version(), "6.18.44-test");
  EXPECT_EQ(r->header.num_cpus(), 8u);
  EXPECT_EQ(r->header.page_size_bytes(), 4096u);
  EXPECT_EQ(r->header.clock(), "mono_raw");

  info.mutable_system_info()->set_num_cpus(100000);
  r = ImportPerfetto(testing::FramePacket(info));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("packet at byte 0: system_info: num_cpus 100000 exceeds 8192"));
}

// The migration of docs/trace-import.md's worked example (x86_pte_test.cc): set pte
// f7ffe7ffdfbcec00 names pfn 0x102189, remove pte 800000017fe41067 pfn 0x17fe41.
std::string MigrationTrace(bool self_describing) {
  PerfettoBuildOptions options;
  options.self_describing = self_describing;
  PerfettoTraceBuilder b(options);
  b.AddUntypedEvent(
      0, 100, 42, {"migrate", "mm_migrate_pages_start", {{"mode", false, 2}, {"reason", true, 5}}});
  b.AddUntypedEvent(
      0, 200, 42,
      {"migrate",
       "set_migration_pte",
       {{"addr", false, 0x7f0000001000}, {"pte", false, 0xf7ffe7ffdfbcec00}, {"order", true, 0}}});
  b.AddUntypedEvent(
      0, 300, 42,
      {"migrate",
       "remove_migration_pte",
       {{"addr", false, 0x7f0000001000}, {"pte", false, 0x800000017fe41067}, {"order", true, 0}}});
  b.AddUntypedEvent(0, 400, 42,
                    {"migrate",
                     "mm_migrate_pages",
                     {{"succeeded", false, 1},
                      {"failed", false, 0},
                      {"thp_succeeded", false, 0},
                      {"thp_failed", false, 0},
                      {"thp_split", false, 0},
                      {"large_folio_split", false, 0},
                      {"mode", false, 2},
                      {"reason", true, 5}}});
  b.AddUntypedEvent(
      1, 500, 43,
      {"exceptions",
       "page_fault_user",
       {{"address", false, 0x7f0000002000}, {"ip", false, 0x401000}, {"error_code", false, 6}}});
  return b.Finish();
}

TEST(PerfettoImporterTest, SelfDescribingAndGenericMigrationEvents) {
  for (bool self_describing : {true, false}) {
    absl::StatusOr<Imported> r = ImportPerfetto(MigrationTrace(self_describing));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->events.size(), 3u) << self_describing;
    EXPECT_EQ(r->events[0].kind, trace::EVENT_MIGRATE);
    EXPECT_EQ(r->events[0].time_ns, 300u);
    EXPECT_EQ(r->events[0].pfn, 0x102189u);
    EXPECT_EQ(r->events[0].end_pfn, 0x17fe41u);
    EXPECT_EQ(r->events[0].reason, trace::MR_NUMA_MISPLACED);
    EXPECT_EQ(r->events[1].kind, trace::EVENT_MIGRATE_BATCH);
    EXPECT_EQ(r->events[1].nr_succeeded, 1u);
    EXPECT_EQ(r->events[1].mode, 2u);
    EXPECT_EQ(r->events[2].kind, trace::EVENT_FAULT);
    EXPECT_EQ(r->events[2].address, 0x7f0000002000u);
    EXPECT_EQ(r->events[2].error_code, 6u);
    EXPECT_EQ(r->stat("skipped_unknown_event"), 0u);
  }
}

TEST(PerfettoImporterTest, TruncatedFileNamesTheByteOffset) {
  const std::string bytes = SmallTrace({});
  // The first packet starts at byte 0; the second after it. Cut inside the second packet.
  const std::string first = bytes.substr(0, 2 + static_cast<uint8_t>(bytes[1]));
  absl::StatusOr<Imported> r = ImportPerfetto(bytes.substr(0, bytes.size() - 3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr(absl::StrCat(": byte ", first.size(), ": truncated")));
  // Cut inside the length varint of the second packet's header.
  r = ImportPerfetto(first + "\x0a\x80");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(absl::StrCat(": byte ", first.size() + 1,
                                     ": truncated: the input ends inside a length")));
}

TEST(PerfettoImporterTest, CorruptVarintAbsurdSizeAndBadPacketsAreErrors) {
  absl::StatusOr<Imported> r = ImportPerfetto(std::string(12, '\xff'));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(": byte 0: corrupt varint (field tag)"));

  // packet = 1 with a length of 2^40.
  r = ImportPerfetto(std::string("\x0a\x80\x80\x80\x80\x80\x20", 7));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(": byte 0: field 1 declares 1099511627776 bytes, more than the limit"));

  // packet = 1 with a length of 60 MiB (under the limit) and 3 bytes behind it: a located
  // truncation. The reader grows its buffer with what the file holds, not with the claim.
  r =
      ImportPerfetto(std::string("\x0a\x80\x80\x80\x1e"
                                 "abc",
                                 8));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(": byte 0: truncated: the packet declares 62914560 bytes but the input "
                        "ends after 3"));

  // A packet whose content is not a TracePacket (a truncated varint inside it).
  r = ImportPerfetto(std::string("\x0a\x02\x40\xff", 4));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("packet at byte 0: not a valid TracePacket"));

  // A deflate packet whose data is not deflate.
  pf::TracePacket bad;
  bad.set_compressed_packets("not deflate");
  r = ImportPerfetto(testing::FramePacket(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("packet at byte 0: deflate-compressed packets: corrupt deflate data"));

  // A zstd packet cut short.
  PerfettoBuildOptions zstd;
  zstd.compression = Compression::kZstd;
  std::string z = SmallTrace(zstd);
  pf::TracePacket outer;
  ASSERT_TRUE(outer.ParseFromString(z.substr(2)));
  outer.set_zstd_compressed_packets(outer.zstd_compressed_packets().substr(0, 10));
  r = ImportPerfetto(testing::FramePacket(outer));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("zstd-compressed packets: truncated zstd data"));

  r = ImportPerfetto("");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("empty file"));
  pf::TracePacket unrelated;
  unrelated.set_timestamp(1);
  r = ImportPerfetto(testing::FramePacket(unrelated));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(": no ftrace events in 1 packets"));
}

TEST(PerfettoImporterTest, MissingFieldIsMalformedUnlessLenient) {
  PerfettoTraceBuilder b;
  b.AddEvent(0, 1000, 5)->mutable_mm_page_free()->set_order(0);  // no pfn
  const std::string bytes = b.Finish();
  absl::StatusOr<Imported> r = ImportPerfetto(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("event at 1000 ns (cpu 0): malformed mm_page_free"));
  ImportOptions lenient;
  lenient.lenient = true;
  r = ImportPerfetto(bytes, lenient);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stat("skipped_malformed"), 1u);
}

// The shipped capture's ftrace text, converted to Perfetto (typed kmem/compaction events,
// migrate and exceptions events self-describing or generic, bundles per CPU, compressed or
// not), imports to exactly the events of the text.
TEST(PerfettoImporterTest, RealCaptureImportsLikeItsFtraceText) {
  const std::string capture = "traces/mixed-compaction.ftrace.zst";
  absl::StatusOr<Imported> text = testing::RunImporter("ftrace", testing::SourcePath(capture));
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<std::string> ftrace =
      ReadMaybeCompressedFile(testing::SourcePath(capture), uint64_t{1} << 30);
  ASSERT_TRUE(ftrace.ok()) << ftrace.status();
  struct Variant {
    Compression compression;
    bool self_describing;
  };
  for (Variant v : {Variant{Compression::kNone, true}, Variant{Compression::kDeflate, false},
                    Variant{Compression::kZstd, true}}) {
    PerfettoBuildOptions options;
    options.compression = v.compression;
    options.self_describing = v.self_describing;
    absl::StatusOr<std::string> converted = testing::FtraceTextToPerfetto(*ftrace, options);
    ASSERT_TRUE(converted.ok()) << converted.status();
    absl::StatusOr<Imported> r = ImportPerfetto(*converted);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->events.size(), text->events.size());
    // The text has microsecond timestamps, so events of two CPUs in the same microsecond
    // are merged by CPU here but by the kernel's nanosecond order in trace_pipe; and a
    // held-back fault (no pfn) is written when the next record arrives, which then can differ.
    // On this capture that moves 5 events (two places, hand-checked); sorted, both imports
    // are identical field by field.
    size_t moved = 0;
    for (size_t i = 0; i < r->events.size(); ++i) moved += !(r->events[i] == text->events[i]);
    EXPECT_EQ(moved, 5u);
    std::vector<Event> a = r->events, b = text->events;
    SortEvents(a);
    SortEvents(b);
    size_t differ = 0;
    for (size_t i = 0; i < a.size(); ++i) differ += !(a[i] == b[i]);
    EXPECT_EQ(differ, 0u);
    EXPECT_EQ(r->footer.events_by_kind().size(), text->footer.events_by_kind().size());
    for (const auto& [kind, n] : text->footer.events_by_kind()) {
      EXPECT_EQ(r->kind(kind), n) << kind;
    }
    for (const auto& [key, n] : text->footer.import_stats()) {
      if (key == "input_records" || key == "skipped" || key == "skipped_non_event_line") continue;
      EXPECT_EQ(r->stat(key), n) << key;
    }
    EXPECT_EQ(r->stat("perfetto_late_events"), 0u);
  }
}

}  // namespace
}  // namespace memsim
