#include <unistd.h>

#include <vector>

#include "gtest/gtest.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/trace/trace_test_util.h"

namespace memsim {
namespace {

using ::memsim::testing::RandomEvents;
using ::memsim::testing::TempPath;

std::vector<Event> ReadAll(const std::string& path, std::vector<SnapshotRun>* runs = nullptr) {
  auto reader = TraceReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<SnapshotRun> batch;
  for (;;) {
    auto more = (*reader)->NextSnapshotRuns(&batch);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    if (runs) runs->insert(runs->end(), batch.begin(), batch.end());
  }
  std::vector<Event> all, chunk;
  for (;;) {
    auto more = (*reader)->NextEvents(&chunk);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
  return all;
}

TEST(TraceRoundTrip, EveryKindSurvivesAcrossManyChunks) {
  const std::string path = TempPath("roundtrip.mtrace");
  std::vector<Event> events = RandomEvents(50000, 7);
  TraceWriterOptions opts;
  opts.events_per_chunk = 1000;  // 50 chunks
  auto w = TraceWriter::Create(path, opts);
  ASSERT_TRUE(w.ok()) << w.status();
  (*w)->mutable_header()->set_source("test");
  (*w)->mutable_header()->set_num_cpus(64);
  for (const Event& e : events) ASSERT_TRUE((*w)->Add(e).ok());
  (*w)->SetImportStat("skipped", 3);
  ASSERT_TRUE((*w)->Finish().ok());

  std::vector<Event> back = ReadAll(path);
  ASSERT_EQ(back.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(back[i], events[i]) << "event " << i << ": " << DebugString(back[i]) << " vs "
                                  << DebugString(events[i]);
  }
  auto r = TraceReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->header().source(), "test");
  EXPECT_EQ((*r)->header().num_cpus(), 64u);
  std::vector<Event> chunk;
  while (*(*r)->NextEvents(&chunk)) {
  }
  EXPECT_EQ((*r)->footer().num_events(), 50000u);
  EXPECT_EQ((*r)->footer().num_chunks(), 50u);
  EXPECT_EQ((*r)->footer().import_stats().at("skipped"), 3u);
  unlink(path.c_str());
}

TEST(TraceRoundTrip, SnapshotRunsComeBeforeEvents) {
  const std::string path = TempPath("snapshot.mtrace");
  TraceWriterOptions opts;
  opts.snapshot_runs_per_chunk = 3;
  auto w = TraceWriter::Create(path, opts);
  ASSERT_TRUE(w.ok());
  std::vector<SnapshotRun> runs;
  for (uint64_t i = 0; i < 10; ++i) {
    runs.push_back(SnapshotRun{i * 1024, 512, static_cast<OwnerType>(i % 5), 9, i});
  }
  for (const auto& r : runs) ASSERT_TRUE((*w)->AddSnapshotRun(r).ok());
  std::vector<Event> events = RandomEvents(10, 1);
  for (const Event& e : events) ASSERT_TRUE((*w)->Add(e).ok());
  // No snapshot after events.
  EXPECT_EQ((*w)->AddSnapshotRun(SnapshotRun{1 << 20, 1}).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*w)->Finish().ok());

  std::vector<SnapshotRun> back_runs;
  std::vector<Event> back = ReadAll(path, &back_runs);
  EXPECT_EQ(back_runs, runs);
  EXPECT_EQ(back, events);
  unlink(path.c_str());
}

TEST(TraceRoundTrip, OverlappingSnapshotRunIsRejected) {
  auto w = TraceWriter::Create(TempPath("overlap.mtrace"));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddSnapshotRun(SnapshotRun{100, 10}).ok());
  absl::Status s = (*w)->AddSnapshotRun(SnapshotRun{105, 10});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("overlaps"), std::string::npos) << s;
}

TEST(TraceRoundTrip, EmptyTraceIsValid) {
  const std::string path = TempPath("empty.mtrace");
  auto w = TraceWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_TRUE(ReadAll(path).empty());
  unlink(path.c_str());
}

TEST(TraceRoundTrip, UnfinishedWriterLeavesNoFile) {
  const std::string path = TempPath("unfinished.mtrace");
  {
    auto w = TraceWriter::Create(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Add(RandomEvents(1, 3)[0]).ok());
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace memsim
