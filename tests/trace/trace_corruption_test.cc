// Every truncation and every single-byte corruption of a trace must be detected, with an
// error naming the file and the byte offset of the damaged header or chunk.
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/trace/trace_format.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/trace/trace_test_util.h"

namespace memsim {
namespace {

using ::memsim::testing::RandomEvents;
using ::memsim::testing::ReadAllStatus;
using ::memsim::testing::TempPath;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

uint32_t U32At(const std::string& b, size_t at) {
  const auto* u = reinterpret_cast<const unsigned char*>(b.data() + at);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

class TraceCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("corrupt_src.mtrace");
    bad_ = TempPath("corrupt_bad.mtrace");
    TraceWriterOptions opts;
    opts.events_per_chunk = 40;
    opts.snapshot_runs_per_chunk = 4;
    auto w = TraceWriter::Create(path_, opts);
    ASSERT_TRUE(w.ok());
    (*w)->mutable_header()->set_source("corruption-test");
    for (uint64_t i = 0; i < 6; ++i) {
      ASSERT_TRUE((*w)->AddSnapshotRun(SnapshotRun{i * 512, 512, trace::OWNER_FREE, 9, 0}).ok());
    }
    for (const Event& e : RandomEvents(120, 11)) ASSERT_TRUE((*w)->Add(e).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    bytes_ = ReadBytes(path_);
    // Chunk offsets from the framing in trace_format.h.
    size_t at = 16 + U32At(bytes_, 12) + 4;
    while (at < bytes_.size()) {
      chunk_offsets_.push_back(at);
      at += trace_format::kChunkHeaderBytes + U32At(bytes_, at + 8);
    }
    ASSERT_EQ(at, bytes_.size());
  }
  void TearDown() override {
    unlink(path_.c_str());
    unlink(bad_.c_str());
  }

  std::string path_, bad_, bytes_;
  std::vector<size_t> chunk_offsets_;
};

TEST_F(TraceCorruptionTest, LayoutIsAsDocumented) {
  // 2 snapshot chunks (4 + 2 runs), 3 event chunks (40 each), END.
  ASSERT_EQ(chunk_offsets_.size(), 6u);
  EXPECT_EQ(bytes_[chunk_offsets_[0] + 4], 1);  // kSnapshot
  EXPECT_EQ(bytes_[chunk_offsets_[2] + 4], 2);  // kEvents
  EXPECT_EQ(bytes_[chunk_offsets_[5] + 4], 3);  // kEnd
  EXPECT_TRUE(ReadAllStatus(path_).ok());
}

TEST_F(TraceCorruptionTest, EveryTruncationIsDetected) {
  for (size_t len = 0; len < bytes_.size(); ++len) {
    WriteBytes(bad_, bytes_.substr(0, len));
    absl::Status s = ReadAllStatus(bad_);
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << "truncated to " << len << ": " << s;
    ASSERT_NE(s.message().find(bad_), std::string::npos) << s;
  }
}

TEST_F(TraceCorruptionTest, TruncationAtChunkBoundaryNamesTheMissingEnd) {
  WriteBytes(bad_, bytes_.substr(0, chunk_offsets_[5]));
  absl::Status s = ReadAllStatus(bad_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(absl::StrCat("at byte ", chunk_offsets_[5])), std::string::npos) << s;
  EXPECT_NE(s.message().find("without an END chunk"), std::string::npos) << s;
}

TEST_F(TraceCorruptionTest, EveryByteFlipIsDetected) {
  for (size_t i = 0; i < bytes_.size(); ++i) {
    std::string b = bytes_;
    b[i] ^= 0x20;
    WriteBytes(bad_, b);
    absl::Status s = ReadAllStatus(bad_);
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << "flip at " << i << ": " << s;
  }
}

TEST_F(TraceCorruptionTest, FlipInAChunkPayloadNamesThatChunk) {
  for (size_t c = 0; c + 1 < chunk_offsets_.size(); ++c) {
    std::string b = bytes_;
    b[chunk_offsets_[c] + trace_format::kChunkHeaderBytes + 3] ^= 0x01;
    WriteBytes(bad_, b);
    absl::Status s = ReadAllStatus(bad_);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(s.message().find(absl::StrCat("corrupt trace at byte ", chunk_offsets_[c], ": ",
                                            "chunk checksum mismatch")),
              std::string::npos)
        << "chunk " << c << ": " << s;
  }
}

TEST_F(TraceCorruptionTest, BadMagicSaysNotATrace) {
  WriteBytes(bad_, "#### this is ftrace text, not a trace ####\n");
  absl::Status s = ReadAllStatus(bad_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("not an .mtrace file"), std::string::npos) << s;
}

TEST_F(TraceCorruptionTest, TrailingBytesAfterEndAreReported) {
  WriteBytes(bad_, bytes_ + "xyz");
  absl::Status s = ReadAllStatus(bad_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(absl::StrCat("at byte ", bytes_.size(),
                                          ": 3 unexpected bytes after the END chunk")),
            std::string::npos)
      << s;
}

TEST_F(TraceCorruptionTest, DroppedChunkIsCaughtByTheFooter) {
  // Remove the second event chunk entirely: every remaining chunk is intact.
  std::string b = bytes_.substr(0, chunk_offsets_[3]) + bytes_.substr(chunk_offsets_[4]);
  WriteBytes(bad_, b);
  absl::Status s = ReadAllStatus(bad_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("footer totals"), std::string::npos) << s;
}

// Found by replay_fuzzer (a 716-byte input that took 2.6 s of CPU): a zstd chunk whose
// header claims a raw length its frame does not hold, checksum intact. The reader must say so
// before allocating the claimed 200 MB.
TEST_F(TraceCorruptionTest, RawLengthBeyondTheZstdFrameIsRejectedUpFront) {
  const size_t at = chunk_offsets_[0];
  ASSERT_EQ(bytes_[at + 5], 1);  // Compression::kZstd
  const uint32_t raw = U32At(bytes_, at + 12);
  std::string b = bytes_;
  const uint32_t claimed = 200'000'000;
  for (int i = 0; i < 4; ++i) b[at + 12 + i] = static_cast<char>(claimed >> (8 * i));
  const uint32_t stored = U32At(b, at + 8);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(b.data() + at), 20);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(b.data() + at + 24), stored);
  for (int i = 0; i < 4; ++i) b[at + 20 + i] = static_cast<char>(crc >> (8 * i));
  WriteBytes(bad_, b);
  absl::Status s = ReadAllStatus(bad_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(absl::StrCat("corrupt trace at byte ", at,
                                          ": chunk does not decompress to 200000000 bytes: "
                                          "its zstd frame holds ",
                                          raw)),
            std::string::npos)
      << s;
}

TEST_F(TraceCorruptionTest, MissingFileIsNotFound) {
  auto r = TraceReader::Open("/nonexistent/x.mtrace");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/x.mtrace"), std::string::npos);
}

}  // namespace
}  // namespace memsim
