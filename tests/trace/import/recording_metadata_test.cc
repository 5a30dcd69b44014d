// RecordingMetadata: tools/record's metadata.txt into the trace header, the rules that find it
// beside an input, and its errors.
#include "sim/trace/import/recording_metadata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "import_test_util.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using testing::SourcePath;

void Write(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

TEST(RecordingMetadata, ShippedMetadataFillsTheHeader) {
  absl::StatusOr<RecordingMetadata> m =
      RecordingMetadata::Read(SourcePath("traces/gcc-build-ftrace.metadata.txt"));
  ASSERT_TRUE(m.ok()) << m.status();
  trace::TraceHeader h;
  h.set_clock("local");
  (*h.mutable_attributes())["clock_assumed"] = "true";
  m->ApplyTo(&h, /*keep_clock=*/false);
  EXPECT_EQ(h.kernel_version(), "6.18.44-fc-v1045");
  EXPECT_EQ(h.hostname(), "vm");
  EXPECT_EQ(h.num_cpus(), 2u);
  EXPECT_EQ(h.page_size_bytes(), 4096u);
  EXPECT_EQ(h.clock(), "mono");
  EXPECT_FALSE(h.attributes().contains("clock_assumed"));
  ASSERT_EQ(h.nodes_size(), 1);
  EXPECT_EQ(h.nodes(0).node_id(), 0u);
  EXPECT_EQ(h.nodes(0).start_pfn(), 1u);
  EXPECT_EQ(h.nodes(0).end_pfn(), 6553600u);
  // node0_zone_DMA=1+4095/3998, DMA32=4096+1044480/782336, Normal=1048576+5505024/5505024.
  ASSERT_EQ(h.zones_size(), 3);
  EXPECT_EQ(h.zones(0).name(), "DMA");
  EXPECT_EQ(h.zones(0).start_pfn(), 1u);
  EXPECT_EQ(h.zones(0).spanned_pages(), 4095u);
  EXPECT_EQ(h.zones(0).present_pages(), 3998u);
  EXPECT_EQ(h.zones(0).managed_pages(), 3840u);
  EXPECT_EQ(h.zones(1).name(), "DMA32");
  EXPECT_EQ(h.zones(2).name(), "Normal");
  EXPECT_EQ(h.zones(2).start_pfn(), 1048576u);
  EXPECT_EQ(h.zones(2).managed_pages(), 1835008u);
  EXPECT_FALSE(h.truncated());
  EXPECT_EQ(h.lost_events(), 0u);
  EXPECT_EQ(h.attributes().at("recorded.command"),
            "g++ -O1 -c -o /tmp/perfrec/build/hello.o /tmp/perfrec/build/hello.cc");
  EXPECT_EQ(h.attributes().at("metadata"), SourcePath("traces/gcc-build-ftrace.metadata.txt"));
}

TEST(RecordingMetadata, WhatTheInputSaysWins) {
  absl::StatusOr<RecordingMetadata> m =
      RecordingMetadata::Read(SourcePath("traces/thp-anon.metadata.txt"));
  ASSERT_TRUE(m.ok()) << m.status();
  trace::TraceHeader h;
  h.set_kernel_version("5.15.0");
  h.set_clock("global");
  m->ApplyTo(&h, /*keep_clock=*/false);
  EXPECT_EQ(h.kernel_version(), "5.15.0");
  EXPECT_EQ(h.clock(), "global");
  trace::TraceHeader flagged;
  m->ApplyTo(&flagged, /*keep_clock=*/true);
  EXPECT_EQ(flagged.clock(), "");
}

TEST(RecordingMetadata, TruncatedAndLost) {
  test_util::ScopedTempDir dir;
  const std::string path = dir.path() + "/metadata.txt";
  Write(path, "# c\nkernel=6.1\ntruncated=1\nlost_events=12\ninterrupted=0\n");
  absl::StatusOr<RecordingMetadata> m = RecordingMetadata::Read(path);
  ASSERT_TRUE(m.ok()) << m.status();
  trace::TraceHeader h;
  m->ApplyTo(&h, false);
  EXPECT_TRUE(h.truncated());
  EXPECT_EQ(h.lost_events(), 12u);
  Write(path, "interrupted=1\n");
  m = RecordingMetadata::Read(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->truncated());
}

TEST(RecordingMetadata, ErrorsNameFileAndLine) {
  test_util::ScopedTempDir dir;
  const std::string path = dir.path() + "/metadata.txt";
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"kernel=6.1\nno equals sign\n", "metadata.txt:2: expected key=value, got 'no equals sign'"},
      {"nproc=two\n", "metadata.txt:1: nproc 'two' is not a non-negative integer"},
      {"node0_pfn_range=9-3\n", "metadata.txt:1: node0_pfn_range '9-3' is not START-END"},
      {"\n\nnode0_zone_DMA=1+4095\n", "metadata.txt:3: node0_zone_DMA '1+4095' is not"},
      {"page_size=4095\n", "metadata.txt:1: page_size 4095 is not a power of two"},
  };
  for (const auto& c : cases) {
    Write(path, c.text);
    absl::StatusOr<RecordingMetadata> m = RecordingMetadata::Read(path);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.message), std::string::npos) << m.status();
  }
}

TEST(RecordingMetadata, FoundBesideTheInput) {
  test_util::ScopedTempDir dir;
  const std::string d = dir.path();
  std::string skipped;
  // Nothing beside it.
  absl::StatusOr<std::optional<RecordingMetadata>> m =
      RecordingMetadata::FindBeside(d + "/trace.ftrace", &skipped);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
  // tools/record's directory: metadata.txt naming trace.ftrace, also when compressed.
  Write(d + "/metadata.txt", "trace_file=trace.ftrace\nkernel=a\n");
  m = RecordingMetadata::FindBeside(d + "/trace.ftrace.zst", &skipped);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->Get("kernel"), "a");
  // ... but not for another file of the directory.
  m = RecordingMetadata::FindBeside(d + "/other.perf", &skipped);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
  EXPECT_EQ(skipped, d + "/metadata.txt");
  // <stem>.metadata.txt before metadata.txt, and <input>.meta before both.
  Write(d + "/trace.metadata.txt", "kernel=b\n");
  m = RecordingMetadata::FindBeside(d + "/trace.ftrace.zst", &skipped);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->Get("kernel"), "b");
  Write(d + "/trace.ftrace.zst.meta", "kernel=c\n");
  m = RecordingMetadata::FindBeside(d + "/trace.ftrace.zst", &skipped);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->Get("kernel"), "c");
  // A broken file found beside the input is an error, not ignored.
  Write(d + "/trace.ftrace.zst.meta", "kernel\n");
  m = RecordingMetadata::FindBeside(d + "/trace.ftrace.zst", &skipped);
  EXPECT_FALSE(m.ok());
}

// Every importer gets the metadata the same way; the shipped captures have theirs beside them.
TEST(RecordingMetadata, ShippedCapturesFindTheirs) {
  for (const char* input : {"traces/mixed-compaction.ftrace.zst", "traces/thp-anon.dat.zst",
                            "traces/gcc-build-perf.perf.zst", "traces/gcc-build-ftrace.ftrace.zst",
                            "tests/trace/import/testdata/perf_workload.perf.zst"}) {
    std::string skipped;
    absl::StatusOr<std::optional<RecordingMetadata>> m =
        RecordingMetadata::FindBeside(SourcePath(input), &skipped);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(m->has_value()) << input;
    EXPECT_EQ((*m)->Get("trace_clock"), "mono") << input;
  }
  std::string skipped;
  absl::StatusOr<std::optional<RecordingMetadata>> m = RecordingMetadata::FindBeside(
      SourcePath("tests/trace/import/testdata/perf_workload.ftrace.zst"), &skipped);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());  // perf_workload.metadata.txt names the perf text
  EXPECT_EQ(skipped, SourcePath("tests/trace/import/testdata/perf_workload.metadata.txt"));
}

}  // namespace
}  // namespace memsim
