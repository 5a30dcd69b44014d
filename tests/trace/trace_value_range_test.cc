// Regression tests for crafted .mtrace files whose framing is intact (checksums match) but
// whose decoded values are out of range: the reader must reject each with a DataLoss error
// naming the file, the chunk's byte offset and the event or run index, before anything
// downstream uses the value as an index or a shift count.
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/trace/trace_format.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_summary.h"
#include "sim/trace/trace_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/trace/trace_test_util.h"

namespace memsim {
namespace {

using ::memsim::test_util::TmpPath;
using ::memsim::testing::ReadAllStatus;
namespace tf = trace_format;

struct Contents {
  trace::TraceHeader header;
  std::vector<SnapshotRun> runs;
  std::vector<Event> events;
};

// Writes `c` with the normal writer (which stores whatever it is given).
std::string Write(const std::string& name, const Contents& c) {
  const std::string path = TmpPath(name);
  auto w = TraceWriter::Create(path, TraceWriterOptions{});
  EXPECT_TRUE(w.ok()) << w.status();
  *(*w)->mutable_header() = c.header;
  for (const SnapshotRun& r : c.runs) EXPECT_TRUE((*w)->AddSnapshotRun(r).ok());
  for (const Event& e : c.events) EXPECT_TRUE((*w)->Add(e).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return path;
}

Event Alloc(uint64_t time_ns, uint64_t pfn, uint32_t order, int owner = trace::OWNER_ANON) {
  Event e;
  e.kind = trace::EVENT_ALLOC;
  e.time_ns = time_ns;
  e.pfn = pfn;
  e.order = order;
  e.owner = static_cast<OwnerType>(owner);
  return e;
}

void PutU32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t Crc(uint32_t crc, const std::string& b) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size())));
}

// A trace framed by hand (uncompressed chunks), for contents the writer refuses to produce.
std::string WriteRaw(const std::string& name, const trace::SnapshotChunk& snapshot, uint32_t runs,
                     const trace::TraceHeader& trace_header = {}) {
  std::string out(tf::kMagic, 8);
  PutU32(&out, tf::kFormatVersion);
  const std::string header = trace_header.SerializeAsString();
  PutU32(&out, static_cast<uint32_t>(header.size()));
  out += header;
  PutU32(&out, Crc(0, out));
  auto chunk = [&](tf::ChunkType type, const std::string& payload, uint32_t records) {
    std::string h(tf::kChunkMagic, 4);
    h.push_back(static_cast<char>(type));
    h.append(3, '\0');  // no compression, reserved
    PutU32(&h, static_cast<uint32_t>(payload.size()));
    PutU32(&h, static_cast<uint32_t>(payload.size()));
    PutU32(&h, records);
    PutU32(&h, Crc(Crc(0, h), payload));
    out += h + payload;
  };
  chunk(tf::ChunkType::kSnapshot, snapshot.SerializeAsString(), runs);
  trace::TraceFooter footer;
  footer.set_num_snapshot_runs(runs);
  footer.set_num_chunks(1);
  chunk(tf::ChunkType::kEnd, footer.SerializeAsString(), 0);
  const std::string path = TmpPath(name);
  std::ofstream(path, std::ios::binary) << out;
  return path;
}

// The header is 16 + its protobuf + 4 bytes; the first chunk follows it.
uint64_t FirstChunkOffset(const std::string& path) {
  auto r = TraceReader::Open(path);
  EXPECT_TRUE(r.ok());
  return (*r)->offset();
}

void ExpectLocated(const absl::Status& s, const std::string& path, uint64_t at,
                   const std::string& fragment) {
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(absl::StrCat(path, ": corrupt trace at byte ", at, ": ")),
            std::string::npos)
      << s;
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s;
}

TEST(TraceValueRangeTest, ValidTraceReads) {
  Contents c;
  c.header.set_num_cpus(2);
  c.runs = {SnapshotRun{0, 512, trace::OWNER_FREE, 9, 0},
            SnapshotRun{512, 4, trace::OWNER_ANON, 2}};
  c.events = {Alloc(100, 1024, 0), Alloc(90, 2048, tf::kMaxOrder)};  // time may step back
  c.events[1].cpu = 1;
  EXPECT_TRUE(ReadAllStatus(Write("ok.mtrace", c)).ok());
}

// The crafted trace that made `replay` write out of bounds: owner 32 (and above) was
// accepted and indexed per-owner arrays in phys_mem, descriptor_table, overhead_tracker.
TEST(TraceValueRangeTest, OwnerAbove31IsRejected) {
  Contents c;
  c.events = {Alloc(100, 1024, 0), Alloc(200, 2048, 0, 32)};
  const std::string path = Write("owner32.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "event 1 of the chunk: unknown owner type 32");
}

TEST(TraceValueRangeTest, OwnerJustAboveTheEnumIsRejected) {
  Contents c;
  c.events = {Alloc(100, 1024, 0, trace::OwnerType_MAX + 1)};
  const std::string path = Write("owner15.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "event 0 of the chunk: unknown owner type 15");
}

TEST(TraceValueRangeTest, SnapshotOwnerAboveTheEnumIsRejected) {
  Contents c;
  c.runs = {SnapshotRun{0, 1, static_cast<OwnerType>(40), 0, 0}};
  const std::string path = Write("snapowner.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "snapshot run 0 of the chunk: unknown owner type 40");
}

// `inspect` shifted by the order (order 93 is undefined behaviour in C++).
TEST(TraceValueRangeTest, InspectRejectsOrder93) {
  Contents c;
  c.events = {Alloc(100, 1024, 93)};
  const std::string path = Write("order93.mtrace", c);
  auto reader = TraceReader::Open(path);
  ASSERT_TRUE(reader.ok());
  auto summary = SummarizeTrace(**reader);
  ASSERT_FALSE(summary.ok());
  ExpectLocated(summary.status(), path, FirstChunkOffset(path),
                "event 0 of the chunk: order 93 exceeds 20");
}

TEST(TraceValueRangeTest, FreeOrderAboveMaxIsRejected) {
  Contents c;
  Event f;
  f.kind = trace::EVENT_FREE;
  f.pfn = 0;
  f.order = tf::kMaxOrder + 1;
  c.events = {f};
  const std::string path = Write("free21.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path), "order 21 exceeds 20");
}

TEST(TraceValueRangeTest, PfnPlusBlockPastTheLimitIsRejected) {
  Contents c;
  c.events = {Alloc(100, tf::kPfnLimit - 2, 1), Alloc(200, tf::kPfnLimit - 2, 2)};
  const std::string path = Write("pfnwrap.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                absl::StrCat("event 1 of the chunk: pfn ", tf::kPfnLimit - 2,
                             " + 2^2 pages reaches past 2^52"));
}

TEST(TraceValueRangeTest, MigrateDestinationPastTheLimitIsRejected) {
  Contents c;
  Event m;
  m.kind = trace::EVENT_MIGRATE;
  m.pfn = 0;
  m.end_pfn = ~uint64_t{0} - 3;
  m.order = 2;
  c.events = {m};
  const std::string path = Write("migrate.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path), "destination pfn");
}

TEST(TraceValueRangeTest, CpuAtTheHeadersNumCpusIsRejected) {
  Contents c;
  c.header.set_num_cpus(4);
  c.events = {Alloc(100, 1024, 0)};
  c.events[0].cpu = 4;
  const std::string path = Write("cpu4.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "event 0 of the chunk: cpu 4 is not below 4 (the header's num_cpus)");
}

TEST(TraceValueRangeTest, CpuAtTheLimitIsRejectedWithoutNumCpus) {
  Contents c;
  c.events = {Alloc(100, 1024, 0)};
  c.events[0].cpu = tf::kMaxCpus;
  const std::string path = Write("cpu8192.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path), "cpu 8192 is not below 8192");
}

TEST(TraceValueRangeTest, TimeWrappingBelowZeroIsRejected) {
  Contents c;
  c.events = {Alloc(100, 1024, 0), Alloc(200, 1024, 0)};
  // A time of 2^64 - 50 is stored as a delta of -150 from 100: the wrap the reader must catch.
  c.events[1].time_ns = ~uint64_t{0} - 49;
  const std::string written = Write("timewrap.mtrace", c);
  ExpectLocated(ReadAllStatus(written), written, FirstChunkOffset(written),
                "event 1 of the chunk: time delta -150 ns takes the time below 0 or past 2^63");
}

TEST(TraceValueRangeTest, TimePast2To63IsRejected) {
  Contents c;
  c.events = {Alloc(100, 1024, 0)};
  c.events[0].time_ns = tf::kMaxTimeNs + 1;
  const std::string path = Write("timebig.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path), "exceeds 2^63");
}

TEST(TraceValueRangeTest, HeaderNodeIdAboveTheLimitIsRejected) {
  Contents c;
  trace::NodeRange* n = c.header.add_nodes();
  n->set_node_id(tf::kMaxNodes);
  n->set_end_pfn(100);
  const std::string path = Write("node.mtrace", c);
  auto r = TraceReader::Open(path);
  ASSERT_FALSE(r.ok());
  ExpectLocated(r.status(), path, 16, "header: node 0 has id 1024 (ids are below 1024)");
}

TEST(TraceValueRangeTest, HeaderNodeRangeReversedIsRejected) {
  Contents c;
  trace::NodeRange* n = c.header.add_nodes();
  n->set_start_pfn(200);
  n->set_end_pfn(100);
  const std::string path = Write("noderev.mtrace", c);
  auto r = TraceReader::Open(path);
  ASSERT_FALSE(r.ok());
  ExpectLocated(r.status(), path, 16, "header: node 0 has pfn range [200, 100)");
}

TEST(TraceValueRangeTest, HeaderNumCpusAboveTheLimitIsRejected) {
  Contents c;
  c.header.set_num_cpus(tf::kMaxCpus + 1);
  const std::string path = Write("numcpus.mtrace", c);
  auto r = TraceReader::Open(path);
  ASSERT_FALSE(r.ok());
  ExpectLocated(r.status(), path, 16, "header: num_cpus 8193 exceeds 8192");
}

TEST(TraceValueRangeTest, OverlappingSnapshotRunsAreRejected) {
  trace::SnapshotChunk s;
  for (auto [delta, count] : {std::pair<int64_t, uint64_t>{0, 8}, {4, 4}}) {
    s.add_start_pfn_delta(delta);
    s.add_count(count);
    s.add_owner(trace::OWNER_FREE);
    s.add_order(0);
    s.add_flags(0);
  }
  const std::string path = WriteRaw("overlap.mtrace", s, 2);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "snapshot run 1 of the chunk: starts at pfn 4, before the previous run ends (8)");
}

TEST(TraceValueRangeTest, WriterStoresTheExtent) {
  Contents c;
  c.header.mutable_extent()->set_event_cpus(99);  // overwritten by the writer
  c.runs = {SnapshotRun{512, 4, trace::OWNER_ANON, 2}};
  Event scan;
  scan.kind = trace::EVENT_COMPACTION_SCAN;
  scan.pfn = 4096;
  scan.end_pfn = 4160;
  Event migrate;
  migrate.kind = trace::EVENT_MIGRATE;
  migrate.pfn = 1024;
  migrate.end_pfn = 8192;
  migrate.order = 9;
  migrate.cpu = 5;
  Event fault;  // names no pfn
  fault.kind = trace::EVENT_FAULT;
  fault.cpu = 6;
  c.events = {Alloc(100, 128, 2), scan, migrate, fault};
  auto r = TraceReader::Open(Write("extent.mtrace", c));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE((*r)->header().has_extent());
  EXPECT_EQ((*r)->header().extent().start_pfn(), 128u);       // the alloc
  EXPECT_EQ((*r)->header().extent().end_pfn(), 8192u + 512);  // the migration's destination
  EXPECT_EQ((*r)->header().extent().event_cpus(), 7u);
}

TEST(TraceValueRangeTest, WriterStoresAnEmptyExtentWithoutPfns) {
  Contents c;
  Event fault;
  fault.kind = trace::EVENT_FAULT;
  fault.cpu = 1;
  c.events = {fault};
  auto r = TraceReader::Open(Write("noextent.mtrace", c));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->header().extent().start_pfn(), 0u);
  EXPECT_EQ((*r)->header().extent().end_pfn(), 0u);
  EXPECT_EQ((*r)->header().extent().event_cpus(), 2u);
}

TEST(TraceValueRangeTest, RunOutsideTheHeadersExtentIsRejected) {
  trace::SnapshotChunk s;
  s.add_start_pfn_delta(512);
  s.add_count(4);
  s.add_owner(trace::OWNER_FREE);
  s.add_order(0);
  s.add_flags(0);
  trace::TraceHeader h;
  h.mutable_extent()->set_start_pfn(0);
  h.mutable_extent()->set_end_pfn(514);
  const std::string path = WriteRaw("outside.mtrace", s, 1, h);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "chunk names pfns [512, 516) or 0 CPUs, outside the header's extent [0, 514) and "
                "0 CPUs");
}

TEST(TraceValueRangeTest, HeaderExtentReversedIsRejected) {
  trace::TraceHeader h;
  h.mutable_extent()->set_start_pfn(10);
  h.mutable_extent()->set_end_pfn(5);
  const std::string path = WriteRaw("reversed.mtrace", trace::SnapshotChunk(), 0, h);
  auto r = TraceReader::Open(path);
  ASSERT_FALSE(r.ok());
  ExpectLocated(r.status(), path, 16, "header: extent [10, 5) with 0 CPUs");
}

TEST(TraceValueRangeTest, MisalignedSnapshotRunIsRejected) {
  Contents c;
  c.runs = {SnapshotRun{2, 8, trace::OWNER_FREE, 2, 0}};
  const std::string path = Write("misaligned.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path),
                "pfn 2 + 8 pages is not made of aligned order-2 blocks");
}

TEST(TraceValueRangeTest, UnknownMigrateReasonIsRejected) {
  Contents c;
  Event m;
  m.kind = trace::EVENT_MIGRATE_BATCH;
  m.reason = static_cast<MigrateReason>(12);
  c.events = {m};
  const std::string path = Write("reason.mtrace", c);
  ExpectLocated(ReadAllStatus(path), path, FirstChunkOffset(path), "unknown migrate reason 12");
}

TEST(TraceValueRangeTest, DirectoryIsNamed) {
  auto r = TraceReader::Open(test_util::ProcessTempDir().path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos) << r.status();
}

// The writer stores strings as UTF-8 (protobuf `string` fields must be), escaping each
// invalid byte as "\xHH": a trace with a Latin-1 host name or input path reads back.
TEST(TraceValueRangeTest, InvalidUtf8InTheHeaderIsEscaped) {
  Contents c;
  c.header.set_hostname("caf\xE9");
  c.header.set_produced_by("memsim import /tmp/caf\xE9.txt \xC3\xA9t\xC3");  // valid é kept
  (*c.header.mutable_attributes())["k\xFF"] = "v\xC0\xAF";  // overlong form: invalid
  const std::string path = Write("latin1.mtrace", c);
  auto r = TraceReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->header().hostname(), "caf\\xE9");
  EXPECT_EQ((*r)->header().produced_by(), "memsim import /tmp/caf\\xE9.txt \xC3\xA9t\\xC3");
  ASSERT_EQ((*r)->header().attributes().count("k\\xFF"), 1u);
  EXPECT_EQ((*r)->header().attributes().at("k\\xFF"), "v\\xC0\\xAF");
}

TEST(TraceValueRangeTest, InvalidUtf8InImportStatsIsEscaped) {
  const std::string path = TmpPath("stats.mtrace");
  auto w = TraceWriter::Create(path, TraceWriterOptions{});
  ASSERT_TRUE(w.ok());
  (*w)->SetImportStat("skipped_unknown_event:ev\xE9nt", 3);
  ASSERT_TRUE((*w)->Finish().ok());
  ASSERT_TRUE(ReadAllStatus(path).ok());
  auto r = TraceReader::Open(path);
  std::vector<Event> events;
  ASSERT_TRUE((*r)->NextEvents(&events).ok());
  EXPECT_EQ((*r)->footer().import_stats().at("skipped_unknown_event:ev\\xE9nt"), 3u);
}

}  // namespace
}  // namespace memsim
