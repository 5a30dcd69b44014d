// `memsim validate`: help, usage and data errors, and the table and JSON on the tiny
// calibrated machine with the hand-made capture (figures as in kernel_timing_reader_test and
// predictor_test).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using ::testing::HasSubstr;

const std::string kTiny = "--machine=tests/validate/testdata/tiny-calibrated.textproto";
const std::string kSmall = " --stream_lines=1024 --scan_blocks=4 --migrate_pages=4 ";
constexpr char kCapture[] = "tests/validate/testdata/scan.ftrace";

TEST(ValidateCli, HelpDescribesTheMethod) {
  test_util::CmdResult r = test_util::Memsim("validate --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("memsim validate --machine MACHINE [CAPTURE.ftrace ...]"));
  EXPECT_THAT(r.out, HasSubstr("nr_taken=0"));
  EXPECT_THAT(r.out, HasSubstr("--scan_blocks"));
}

TEST(ValidateCli, UsageErrorsExit2) {
  test_util::CmdResult r = test_util::Memsim("validate");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--machine is required"));
  r = test_util::Memsim("validate " + kTiny + " --scan_blocks=0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--scan_blocks=0 is outside 1..4096"));
  r = test_util::Memsim("validate " + kTiny + " --model=nosuchmodel");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("nosuchmodel"));
}

TEST(ValidateCli, BadCaptureNamesFileAndLine) {
  const std::string path = test_util::TmpPath("bad.ftrace");
  test_util::Shell("printf ' w-1 [000] ..... 1.000000: mm_migrate_pages: nr_succeeded=x\\n' > " +
                   path);
  test_util::CmdResult r = test_util::Memsim("validate " + kTiny + kSmall + path);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(path + ":1: malformed mm_migrate_pages"));
  r = test_util::Memsim("validate --machine=" + path + kSmall);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(path));
}

TEST(ValidateCli, TableOnTheTinyMachine) {
  test_util::CmdResult r = test_util::Memsim("validate " + kTiny + kSmall + kCapture);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* want : {
           "memsim validate: machine tiny-calibrated",
           "timing: none in the machine (the serial model",
           "  sequential_line   ns/line        5.00     100.00     20.00x  missed\n",
           "  sequential_word   ns/word        1.00      16.00     16.00x  missed\n",
           "  dependent_line    ns/line      100.00     100.00      1.00x  met\n",
           "predicted: 4 pageblocks of 512 in-use pfns, cold, replayed with page64",
           "    recorded         1.95       3.91      11.72       6.35\n",
           "    predicted / recorded p50: 25.60x (goal missed)\n",
           "note: 3 events lost",
           "1 batches, 4 pages (1 batches moved none)",
           "    recorded      2500.00    2500.00    2500.00    2500.00\n",
       }) {
    EXPECT_THAT(r.out, HasSubstr(want));
  }
}

TEST(ValidateCli, JsonToAFile) {
  const std::string out = test_util::TmpPath("validate.json");
  test_util::CmdResult r =
      test_util::Memsim("validate --json -o " + out + " " + kTiny + kSmall + kCapture);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string json = test_util::Slurp(out);
  for (const char* want : {
           "\"name\": \"tiny-calibrated\"",
           "\"scan_p50_factor\": 1.5",
           "\"name\": \"independent_line\"",
           "\"ratio\": 5,",
           "\"pfns_per_pageblock\": 512",
           "\"p50\": 3.90625",
           "\"p90\": 11.71875",
           "\"p50_ratio\": 25.6",
           "\"batches_without_pages\": 1",
       }) {
    EXPECT_THAT(json, HasSubstr(want));
  }
  // Validating onto one of its inputs is refused before anything runs.
  r = test_util::Memsim("validate -o " + std::string(kCapture) + " " + kTiny + " " + kCapture);
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

}  // namespace
}  // namespace memsim
