#include "sim/hw/line_directory.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace memsim::hw {
namespace {

TEST(LineDirectoryTest, StartsSmallAndGrowsToWhatIsHeld) {
  LineDirectory d(/*max_lines=*/uint64_t{1} << 22, /*sockets=*/8);
  EXPECT_EQ(d.capacity(), uint64_t{1} << 12);
  EXPECT_EQ(d.max_capacity(), uint64_t{1} << 23);  // 4 Mi lines at <= 3/4 load
  // 100000 lines, each with one copy in socket (line % 8); every 3rd also modified there.
  for (uint64_t line = 0; line < 100000; ++line) {
    LineDirectory::Entry e = d.FindOrInsert(line * 7);
    e.AddCopies(static_cast<int>(line % 8), 1);
    if (line % 3 == 0) e.set_modified_socket(static_cast<int>(line % 8));
  }
  EXPECT_EQ(d.size(), 100000u);
  EXPECT_EQ(d.capacity(), uint64_t{1} << 18);  // 100000 > 3/4 of 2^17
  for (uint64_t line = 0; line < 100000; ++line) {
    LineDirectory::Entry e = d.Find(line * 7);
    ASSERT_TRUE(e) << line;
    const int s = static_cast<int>(line % 8);
    EXPECT_EQ(e.copies(s), 1u);
    EXPECT_EQ(e.copies((s + 1) % 8), 0u);
    EXPECT_EQ(e.modified_socket(), line % 3 == 0 ? s : -1);
  }
  EXPECT_FALSE(d.Find(1));
  for (uint64_t line = 0; line < 100000; ++line) {
    d.RemoveCopy(line * 7, static_cast<int>(line % 8));
  }
  EXPECT_EQ(d.size(), 0u);
  EXPECT_FALSE(d.Find(0));
}

TEST(LineDirectoryTest, StopsGrowingAtTheMachinesCapacity) {
  LineDirectory d(/*max_lines=*/12, /*sockets=*/1);
  EXPECT_EQ(d.max_capacity(), 16u);
  EXPECT_EQ(d.capacity(), 16u);
  for (uint64_t line = 0; line < 14; ++line) d.AddCopies(line, 0, 1);  // past 3/4 transiently
  EXPECT_EQ(d.capacity(), 16u);
  EXPECT_EQ(d.size(), 14u);
  EXPECT_EQ(d.Find(13).copies(0), 1u);
}

TEST(LineDirectoryTest, ModifiedSocketSurvivesOtherCopiesAndClearsWithItsOwn) {
  LineDirectory d(1024, 8);
  d.AddCopies(5, 7, 2);
  d.AddCopies(5, 0, 1);
  d.Find(5).set_modified_socket(7);
  d.RemoveCopy(5, 0);
  EXPECT_EQ(d.Find(5).modified_socket(), 7);
  d.RemoveCopy(5, 7);
  EXPECT_EQ(d.Find(5).modified_socket(), 7);  // one copy left in socket 7
  d.Find(5).DropCopies(7, 0);
  d.AddCopies(5, 3, 1);
  d.RemoveCopy(5, 7);  // socket 7's last copy: written back
  EXPECT_EQ(d.Find(5).modified_socket(), -1);
  EXPECT_EQ(d.Find(5).copies(3), 1u);
}

}  // namespace
}  // namespace memsim::hw
