// Malformed trace.dat files: the header check catches the plain corruptions with a byte
// offset, and what makes libtracecmd/libtraceevent crash comes back as an error naming the
// file and the signal, because they run in a child process (sim/util/isolated_call.h).
// The inputs are the shipped capture with a few bytes changed, found by mutating it.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "sim/trace/import/importer.h"
#include "sim/trace/import/tracecmd_importer.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/input_file.h"
#include "sim/util/isolated_call.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using ::testing::HasSubstr;

// capture_6.18.dat decompressed: trace-cmd file version 7, zstd-compressed sections,
// 163291 bytes (tests/trace/import/testdata/README.md).
std::string Capture(const std::string& name = "capture_6.18.dat.zst") {
  auto in =
      InputFile::Open(std::string(MEMSIM_SOURCE_DIR) + "/tests/trace/import/testdata/" + name);
  EXPECT_TRUE(in.ok()) << in.status();
  if (!in.ok()) return "";
  std::string out;
  char buf[1 << 16];
  for (;;) {
    auto n = (*in)->Read(buf, sizeof buf);
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

std::string Write(const std::string& name, const std::string& bytes) {
  const std::string path = test_util::TmpPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The capture with `bytes` written over it at `offset` (little-endian values).
std::string Patched(uint64_t offset, const std::string& bytes) {
  std::string d = Capture();
  d.replace(offset, bytes.size(), bytes);
  return d;
}

std::string Le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

absl::Status Import(const std::string& path, const IsolationLimits& limits = IsolationLimits()) {
  auto writer = TraceWriter::Create(test_util::TmpPath("out.mtrace"));
  if (!writer.ok()) return writer.status();
  ImportStats stats;
  return NewTracecmdImporterWithLimits(limits)->Import(path, ImportOptions(), writer->get(),
                                                       &stats);
}

TEST(TracecmdMalformedTest, TheCaptureIsVersion7WithItsOptionsOffsetAtByte29) {
  const std::string d = Capture();
  ASSERT_EQ(d.size(), 163291u);
  EXPECT_EQ(d.substr(0, 12), std::string("\x17\x08\x44tracing7\0", 12));
  EXPECT_EQ(d.substr(18, 11), std::string("zstd\0"
                                          "1.5.4\0",
                                          11));
  EXPECT_EQ(d.substr(29, 8), Le64(0x1f139));
}

TEST(TracecmdMalformedTest, FileEndingInsideTheHeader) {
  const std::string path = Write("short.dat", Capture().substr(0, 15));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), path +
                             ": byte 12: file ends inside the header (not a valid trace-cmd "
                             "trace.dat file)");
}

TEST(TracecmdMalformedTest, UnknownFileVersion) {
  const std::string path = Write("v9.dat", Patched(10, "9"));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr(path + ": byte 10: file version 9; libtracecmd reads versions 6 and 7"));
}

TEST(TracecmdMalformedTest, ImplausiblePageSize) {
  const std::string path = Write("page.dat", Patched(14, std::string("\xb8\x0b\0\0", 4)));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ": byte 14: page size 3000 is not a power of two "
                                            "from 512 bytes to 1 MiB"));
}

TEST(TracecmdMalformedTest, OptionsOffsetPastTheEnd) {
  const std::string path = Write("options.dat", Patched(29, Le64(uint64_t{1} << 40)));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ": byte 29: options section offset 1099511627776 is "
                                            "outside the file (163291 bytes)"));
}

TEST(TracecmdMalformedTest, NotADatFileNamesTheMagic) {
  const std::string path = Write("text.dat", "this is not a trace.dat file\n");
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), path +
                             ": not a trace-cmd trace.dat file (no \\x17\\x08Dtracing magic "
                             "at byte 0)");
}

// An offset in the flyrecord section set to 2^40: libtracecmd cannot mmap there, falls back
// to read() and dereferences what it did not read (libtracecmd 3.1.6, Debian 12).
TEST(TracecmdMalformedTest, SegfaultInLibtracecmdIsALocatedError) {
  const std::string path = Write("segv.dat", Patched(133448, Le64(uint64_t{1} << 40)));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr(path + ": libtracecmd crashed with signal 11 (SIGSEGV: Segmentation "
                               "fault) while reading it"));
}

// Eight zero bytes inside the first compressed section: a division by zero in the library.
TEST(TracecmdMalformedTest, DivisionByZeroInTheLibraryIsALocatedError) {
  const std::string path = Write("fpe.dat", Patched(2198, std::string(8, '\0')));
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ": libtracecmd crashed with signal 8 (SIGFPE: "
                                            "Floating point exception) while reading it"));
}

// Truncations of the capture: the header check answers while the cut is before the
// options section (byte 127289), libtracecmd after it.
TEST(TracecmdMalformedTest, TruncationsGiveLocatedErrors) {
  const std::string d = Capture();
  const std::pair<uint64_t, std::string> cases[] = {
      {16, "byte 12: file ends inside the header"},
      {37, "byte 29: options section offset 127289 is outside the file (37 bytes)"},
      {4096, "byte 29: options section offset 127289 is outside the file (4096 bytes)"},
      {127289, "byte 29: options section offset 127289 is outside the file (127289 bytes)"},
      {133449, "not a trace-cmd trace.dat file (libtracecmd cannot open it)"},
  };
  for (const auto& [cut, message] : cases) {
    const std::string path = Write("cut.dat", d.substr(0, cut));
    absl::Status s = Import(path);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << cut;
    EXPECT_THAT(s.message(), HasSubstr(path + ": " + message)) << cut;
  }
}

// One byte of the flyrecord section inverted: another segfault in the library.
TEST(TracecmdMalformedTest, FlippedByteCrashIsALocatedError) {
  std::string d = Capture();
  d[135063] = static_cast<char>(d[135063] ^ 0xff);
  const std::string path = Write("flip.dat", d);
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ": libtracecmd crashed with signal 11 (SIGSEGV"));
}

// The import child reads the fields of a record itself, at the offsets the file's event format
// gives (the file's byte order is the host's). A format that puts a field past the end of its
// records (mm_page_alloc's gfp_flags moved from offset 24 to 99 in a 40-byte record) is a
// malformed record at the record's byte offset, not a read of the bytes after it. The
// capture is in file version 6 here, whose formats are plain text.
TEST(TracecmdMalformedTest, FieldPastTheEndOfItsRecordIsAMalformedRecord) {
  std::string d = Capture("capture_6.18.v6.dat.zst");
  const size_t event = d.find("name: mm_page_alloc\n");
  ASSERT_NE(event, std::string::npos);
  const size_t field = d.find("offset:24;\tsize:8;", event);
  ASSERT_NE(field, std::string::npos);
  ASSERT_EQ(Import(Write("v6.dat", d)), absl::OkStatus());
  d.replace(field, 10, "offset:99;");
  const std::string path = Write("past.dat", d);
  absl::Status s = Import(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ": record at byte offset "));
  EXPECT_THAT(s.message(), HasSubstr("malformed mm_page_alloc: cannot read field 'gfp_flags' past "
                                     "the end of its record"));
}

TEST(TracecmdMalformedTest, CliExitsNonZeroWithTheLocatedError) {
  const std::string path = Write("segv.dat", Patched(133448, Le64(uint64_t{1} << 40)));
  const std::string out = test_util::TmpPath("segv.mtrace");
  test_util::CmdResult r = test_util::Memsim("import --from=tracecmd " + path + " -o " + out);
  EXPECT_EQ(r.exit_code, 1);  // a data error
  EXPECT_THAT(r.out, HasSubstr(path + ": libtracecmd crashed with signal 11 (SIGSEGV"));
  EXPECT_FALSE(test_util::Exists(out));
}

// The child's address space is limited: with 1 MiB beyond what it inherits, libtracecmd
// cannot even open the capture, and the import fails with an error naming the file.
TEST(TracecmdMalformedTest, MemoryLimitOfTheChildIsEnforced) {
  if (!IsolationCanLimitMemory()) GTEST_SKIP() << "sanitizer build: no RLIMIT_AS";
  const std::string path = Write("capture.dat", Capture());
  IsolationLimits limits;
  limits.memory_bytes = 1 << 20;
  absl::Status s = Import(path, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(s.message(), HasSubstr(path + ": libtracecmd could not allocate memory to open it "
                                            "(limit 1 MiB beyond memsim's own)"));
}

}  // namespace
}  // namespace memsim
