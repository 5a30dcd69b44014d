// Every shipped model config (configs/models/) replays the shipped capture on every shipped
// machine (configs/machines/), through the memsim binary as users run it: one `memsim
// compare` per machine with all model configs (one process, so the machine is built once).
// The capture is cut to its first 1000 lines of ftrace text (mixed-compaction: 1000 lines
// hold 846 events) to keep CI time low; the whole captures are replayed by the golden test
// and by the check in docs/memmap-models.md ("Checking every preset").
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> ShippedFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(MEMSIM_SOURCE_DIR) + dir)) {
    if (e.path().extension() == ".textproto") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ShippedModels : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedModels, EveryModelReplaysTheCaptureOnThisMachine) {
  const std::string src = MEMSIM_SOURCE_DIR;
  const std::string text = test_util::TmpPath(GetParam() + ".ftrace");
  const std::string trace = test_util::TmpPath(GetParam() + ".mtrace");
  ASSERT_EQ(
      test_util::Shell(absl::StrCat("zstd -dc ", src,
                                    "/traces/mixed-compaction.ftrace.zst | head -n 1000 > ", text))
          .exit_code,
      0);
  test_util::CmdResult import =
      test_util::Memsim(absl::StrCat("import --from=ftrace ", text, " -o ", trace));
  ASSERT_EQ(import.exit_code, 0) << import.out;
  std::vector<std::string> models;
  for (const std::string& m : ShippedFiles("/configs/models")) {
    models.push_back(absl::StrCat(src, "/configs/models/", m, ".textproto"));
  }
  test_util::CmdResult compare = test_util::Memsim(
      absl::StrCat("compare --trace=", trace, " --machine=", src, "/configs/machines/", GetParam(),
                   ".textproto --models=", absl::StrJoin(models, ",")));
  ASSERT_EQ(compare.exit_code, 0) << compare.out;
  EXPECT_THAT(compare.out, HasSubstr("events: 846 read"));
  for (const std::string& m : ShippedFiles("/configs/models")) {
    EXPECT_THAT(compare.out, HasSubstr(m)) << "no column for " << m;
  }
  std::filesystem::remove(text);
  std::filesystem::remove(trace);
}

INSTANTIATE_TEST_SUITE_P(Machines, ShippedModels,
                         ::testing::ValuesIn(ShippedFiles("/configs/machines")),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace memsim
