#include "sim/util/output_file.h"

#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

TEST(OutputFile, AppearsOnlyOnCommit) {
  std::string path = test_util::TmpPath("out");
  {
    auto f = OutputFile::Create(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("hello").ok());
    EXPECT_NE(access(path.c_str(), F_OK), 0);
    ASSERT_TRUE((*f)->Commit().ok());
  }
  auto s = ReadFileToString(path);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "hello");
  unlink(path.c_str());
}

TEST(OutputFile, AbandonedFileLeavesNothing) {
  std::string path = test_util::TmpPath("out2");
  {
    auto f = OutputFile::Create(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK), 0);
}

TEST(OutputFile, UnwritableDirectoryIsAnError) {
  auto f = OutputFile::Create("/nonexistent/dir/out.json");
  EXPECT_EQ(f.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("/nonexistent/dir/out.json"), std::string::npos);
}

}  // namespace
}  // namespace memsim
