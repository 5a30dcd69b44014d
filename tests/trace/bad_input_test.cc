// The hand-made corpus of bad inputs (tests/trace/testdata/bad, written by make_bad.py, and a
// few cases made here: directories, a file without newlines) run through the memsim binary
// as a user would. Every case must end in a non-zero exit (never a signal) with a message
// naming the file and, where one applies, the line or byte offset. docs/input-errors.md
// lists the same cases and messages.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using ::memsim::test_util::Memsim;
using ::memsim::test_util::TmpPath;
using ::testing::HasSubstr;

constexpr char kBad[] = "tests/trace/testdata/bad";
constexpr char kTiny[] = "tests/replay/testdata/tiny-2s.textproto";
constexpr char kGood[] = "tests/fuzz/corpus/mtrace_reader_fuzzer/gen-anon.mtrace";

struct Case {
  std::string command;  // memsim arguments; {in} is the input, {out} a scratch output
  std::string input;    // relative to kBad, or absolute
  std::string message;  // expected fragment, after the input path
};

std::string Expand(std::string s, const std::string& in, const std::string& out) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{in}", in}, {"{out}", out}}) {
    for (size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  }
  return s;
}

void ExpectLocatedError(const Case& c) {
  const std::string in = c.input[0] == '/' ? c.input : std::string(kBad) + "/" + c.input;
  const std::string out = TmpPath("out");
  const test_util::CmdResult r = Memsim(Expand(c.command, "'" + in + "'", out));
  SCOPED_TRACE(c.command + " on " + c.input);
  EXPECT_EQ(r.exit_code, 1) << "a bad input file is a data error (-1 would be a signal)\n" << r.out;
  EXPECT_THAT(r.out, HasSubstr(in + c.message));
}

const char kInspect[] = "inspect {in}";
const char kImportFtrace[] = "import --from=ftrace {in} -o {out}.mtrace";
const char kImportKpf[] = "import --from=kpageflags {in} -o {out}.mtrace";
const char kMachine[] = "machine show {in}";

TEST(BadInputTest, Mtrace) {
  const std::string replay =
      std::string("replay --trace={in} --machine=") + kTiny + " --model=page64 --out={out}.json";
  for (const Case& c : std::vector<Case>{
           {kInspect, "mtrace/empty.mtrace",
            ": corrupt trace at byte 0: file of 0 bytes is too short"},
           {kInspect, "mtrace/truncated.mtrace",
            ": corrupt trace at byte 12: header length 320 exceeds the file (300 bytes)"},
           {kInspect, "mtrace/flipped.mtrace", ": corrupt trace at byte 0: header checksum"},
           {kInspect, "mtrace/wrong-magic.mtrace", ": corrupt trace at byte 0: bad magic"},
           {kInspect, "mtrace/non-utf8-header.mtrace",
            ": corrupt trace at byte 16: header does not parse as TraceHeader"},
           {kInspect, "mtrace/order93.mtrace",
            ": corrupt trace at byte 20: event 0 of the chunk: order 93 exceeds 20"},
           {kInspect, "mtrace/cpu-huge.mtrace",
            ": corrupt trace at byte 20: event 0 of the chunk: cpu 4000000000 is not below 8192"},
           {kInspect, "mtrace/time-wrap.mtrace",
            ": corrupt trace at byte 20: event 1 of the chunk: time delta -2000 ns"},
           {replay, "mtrace/owner40.mtrace",
            ": corrupt trace at byte 20: event 1 of the chunk: unknown owner type 40"},
           {replay, "mtrace/order93.mtrace", ": corrupt trace at byte 20: event 0 of the chunk"},
           {kInspect, "mtrace", ": is a directory"},
       }) {
    ExpectLocatedError(c);
  }
}

TEST(BadInputTest, FtraceText) {
  const std::string no_newline = TmpPath("no-newline.txt");
  {
    std::string big(3 << 20, 'x');
    FILE* f = fopen(no_newline.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fwrite(big.data(), 1, big.size(), f);
    fclose(f);
  }
  for (const Case& c : std::vector<Case>{
           {kImportFtrace, "ftrace/empty.txt", ": empty file: no ftrace event lines"},
           {kImportFtrace, "ftrace/truncated.txt",
            ":4: malformed mm_page_alloc: missing field 'order'"},
           {kImportFtrace, "ftrace/flipped.txt", ":2: malformed mm_page_alloc: bad value '0x1g10'"},
           {kImportFtrace, "ftrace/wrong-magic.txt", ": no ftrace event lines in 21 lines"},
           {kImportFtrace, "ftrace/order93.txt",
            ":4: malformed mm_page_alloc: order 93 is outside 0..20"},
           {kImportFtrace, "ftrace/cpu-huge.txt",
            ":4: malformed mm_page_alloc: cpu 4294967297 is not below 8192"},
           {kImportFtrace, "ftrace/timestamp-wrap.txt",
            ":4: malformed mm_page_alloc: bad timestamp '18446744074.000004'"},
           {kImportFtrace, "ftrace/pfn-huge.txt",
            ":4: malformed mm_page_alloc: pfn 72057594037927920 + 2^0 pages reaches past 2^52"},
           {kImportFtrace, no_newline, ":1: line longer than 1048576 bytes"},
           {kImportFtrace, "ftrace", ": is a directory"},
       }) {
    ExpectLocatedError(c);
  }
}

TEST(BadInputTest, MachineTextproto) {
  for (const Case& c : std::vector<Case>{
           {kMachine, "machine/empty.textproto", ": name: must not be empty"},
           {kMachine, "machine/truncated.textproto",
            ":13:41: Message type \"memsim.config.NumaNode\" has no field named \"memo\""},
           {kMachine, "machine/flipped.textproto", ":6:11: Expected identifier, got: }"},
           {kMachine, "machine/wrong-magic.textproto", ":2:11: byte 0x80 is not UTF-8"},
           {kMachine, "machine/llc-1pib.textproto",
            ": llc.size_bytes: 1125899906842624 exceeds the supported maximum"},
           {kMachine, "machine/node-overflow.textproto",
            ": node[1].end_pfn: 0x10000000040000 is above the supported maximum 2^40"},
           {kMachine, "machine/non-utf8.textproto", ":4:11: byte 0xe9 is not UTF-8"},
           {kMachine, "machine", ": is a directory"},
       }) {
    ExpectLocatedError(c);
  }
}

TEST(BadInputTest, ModelTextproto) {
  const std::string replay = std::string("replay --trace=") + kGood + " --machine=" + kTiny +
                             " --model={in} --out={out}.json";
  for (const Case& c : std::vector<Case>{
           {replay, "model/empty.textproto", ": model: none of page64, page32"},
           {replay, "model/truncated.textproto", ":12:1: Expected identifier"},
           {replay, "model/flipped.textproto", ":6:8: Expected \"{\", found \"[\""},
           {replay, "model/wrong-magic.textproto", ":2:11: byte 0x80 is not UTF-8"},
           {replay, "model/non-utf8.textproto", ":5:12: byte 0xe9 is not UTF-8"},
           {replay, "model", ": is a directory"},
       }) {
    ExpectLocatedError(c);
  }
}

TEST(BadInputTest, Kpageflags) {
  for (const Case& c : std::vector<Case>{
           {kImportKpf, "kpageflags/empty.kpf", ": empty kpageflags dump"},
           {kImportKpf, "kpageflags/truncated.kpf", ": dump holds 255 pfns (2040 bytes) but "},
           {kImportKpf, "kpageflags/flipped.kpf",
            ": truncated kpageflags dump: 7 trailing byte(s) at byte offset 2040"},
           {kImportKpf, "kpageflags/wrong-magic.kpf",
            ": truncated kpageflags dump: 1 trailing byte(s) at byte offset 320"},
           {kImportKpf, "kpageflags/start-pfn-huge.kpf",
            ".meta:1: start_pfn 1152921504606846976 is not below 2^52"},
           {kImportKpf, "kpageflags/node-id-huge.kpf",
            ".meta:5: bad node id in 'node4096_pfn_range'"},
           {kImportKpf, "kpageflags", ": is a directory"},
       }) {
    ExpectLocatedError(c);
  }
}

// Not UTF-8 in what import stores (an event name, a .meta field, the input's own path, a
// Latin-1 file name): the import succeeds and its output reads back, the bytes escaped.
TEST(BadInputTest, NonUtf8InImportedStringsReadsBack) {
  const std::string latin1_dir = TmpPath("caf\xE9");
  ASSERT_EQ(Memsim("--version").exit_code, 0);
  ASSERT_EQ(system(("mkdir -p '" + latin1_dir + "'").c_str()), 0);
  const std::string latin1_input = latin1_dir + "/tr\xE8s.txt";
  ASSERT_EQ(
      system(
          ("cp " + std::string(kBad) + "/ftrace/latin1-event.txt '" + latin1_input + "'").c_str()),
      0);
  const std::string out = latin1_dir + "/out.mtrace";
  test_util::CmdResult r = Memsim("import --from=ftrace '" + latin1_input + "' -o '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = Memsim("inspect --json '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("unknown_event.caf\\\\xE9_event"));  // JSON-escaped backslash
  EXPECT_THAT(r.out, HasSubstr("caf\\\\xE9/tr\\\\xE8s.txt"));       // produced_by

  const std::string kpf_out = TmpPath("kpf.mtrace");
  r = Memsim(std::string("import --from=kpageflags ") + kBad + "/kpageflags/latin1-meta.kpf -o " +
             kpf_out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = Memsim("inspect --json " + kpf_out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"hostname\": \"caf\\\\xE9\""));
}

}  // namespace
}  // namespace memsim
