#include "sim/util/input_file.h"

#include <unistd.h>
#include <zstd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

std::string Tmp(const std::string& name) { return test_util::TmpPath(name); }

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string Zstd(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}

std::vector<std::string> Lines(const std::string& path, size_t block = 1 << 20) {
  auto f = InputFile::Open(path);
  EXPECT_TRUE(f.ok()) << f.status();
  LineReader r(std::move(*f), block);
  std::vector<std::string> out;
  std::string_view line;
  for (;;) {
    auto more = r.Next(&line);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    out.emplace_back(line);
    EXPECT_EQ(r.line_number(), out.size());
  }
  return out;
}

TEST(InputFile, PlainAndZstdGiveTheSameLines) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + "\r\n";
  text += "last line without newline";
  Write(Tmp("plain.txt"), text);
  Write(Tmp("comp.txt.zst"), Zstd(text));
  auto plain = Lines(Tmp("plain.txt"), 64);  // tiny block: lines straddle refills
  auto comp = Lines(Tmp("comp.txt.zst"));
  ASSERT_EQ(plain.size(), 5001u);
  EXPECT_EQ(plain[4999], "line 4999");
  EXPECT_EQ(plain[5000], "last line without newline");
  EXPECT_EQ(plain, comp);
  auto f = InputFile::Open(Tmp("comp.txt.zst"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->compressed());
  unlink(Tmp("plain.txt").c_str());
  unlink(Tmp("comp.txt.zst").c_str());
}

TEST(InputFile, TruncatedZstdIsAnError) {
  std::string text(100000, 'x');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string z = Zstd(text);
  Write(Tmp("trunc.zst"), z.substr(0, z.size() / 2));
  auto f = InputFile::Open(Tmp("trunc.zst"));
  ASSERT_TRUE(f.ok());
  char buf[4096];
  absl::Status status;
  for (;;) {
    auto n = (*f)->Read(buf, sizeof buf);
    if (!n.ok()) {
      status = n.status();
      break;
    }
    ASSERT_NE(*n, 0u) << "truncated stream read to a clean end";
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("truncated zstd stream"), std::string::npos) << status;
  unlink(Tmp("trunc.zst").c_str());
}

TEST(InputFile, MissingFileNamesThePath) {
  auto f = InputFile::Open("/nonexistent/trace.txt");
  EXPECT_EQ(f.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("/nonexistent/trace.txt"), std::string::npos);
}

TEST(InputFile, EmptyFileHasNoLines) {
  Write(Tmp("empty"), "");
  EXPECT_TRUE(Lines(Tmp("empty")).empty());
  unlink(Tmp("empty").c_str());
}

}  // namespace
}  // namespace memsim
