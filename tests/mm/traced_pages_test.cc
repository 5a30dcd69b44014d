// TracedPages: marks and counts pfn ranges across bitmap words and windows.
#include "sim/mm/traced_pages.h"

#include "gtest/gtest.h"

namespace memsim::mm {
namespace {

TEST(TracedPagesTest, CountsMarkedPagesAcrossWordsAndWindows) {
  TracedPages t;
  EXPECT_EQ(t.CountMarked(0, 1 << 20), 0u);
  EXPECT_EQ(t.windows(), 0u);  // counting allocates nothing
  t.Mark(60, 130);             // words 0 (4 bits), 1 (64), 2 (2)
  EXPECT_EQ(t.CountMarked(0, 4096), 70u);
  EXPECT_EQ(t.CountMarked(64, 128), 64u);
  EXPECT_EQ(t.CountMarked(129, 131), 1u);
  EXPECT_EQ(t.CountMarked(0, 60), 0u);
  t.Mark(4090, 4100);  // two windows
  EXPECT_EQ(t.windows(), 2u);
  EXPECT_EQ(t.CountMarked(4000, 5000), 10u);
  t.Mark(4095, 4096);  // already marked: counted once
  EXPECT_EQ(t.CountMarked(0, 8192), 80u);
  t.Mark(8192, 8192 + 4096);  // one whole window
  EXPECT_EQ(t.CountMarked(8192, 8192 + 4096), 4096u);
  EXPECT_EQ(t.windows(), 3u);
}

}  // namespace
}  // namespace memsim::mm
