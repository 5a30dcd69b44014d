#include "sim/replay/trace_mapping.h"

#include "gtest/gtest.h"

namespace memsim::replay {
namespace {

constexpr uint64_t kSec = TraceMapping::kSectionPages;  // 32768 pages, 128 MiB

std::vector<mm::NodeLayout> TwoNodes() {
  // Node 0 starts mid-section: its placement base rounds up to the next section.
  return {mm::NodeLayout{0, 100, 8 * kSec, {}}, mm::NodeLayout{1, 16 * kSec, 8 * kSec, {}}};
}

TEST(TraceMapping, ProportionalKeepsContiguousPieces) {
  // Trace span: 8 sections from pfn 0 -> 4 sections per node.
  auto m = TraceMapping::Create(PfnPlacement::kProportional, 0, 8 * kSec, TwoNodes(),
                                CpuPlacement::kSpread, 2, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->MapPfn(0), kSec);                     // node 0 base: 100 rounded up
  EXPECT_EQ(m->MapPfn(4 * kSec - 1), 5 * kSec - 1);  // last pfn of piece 0
  EXPECT_EQ(m->MapPfn(4 * kSec), 16 * kSec);         // piece 1 -> node 1 base
  EXPECT_EQ(m->MapPfn(8 * kSec - 1), 20 * kSec - 1);
  EXPECT_EQ(m->MapPfn(8 * kSec), kNoPfn);
  // Natural alignment is kept: an order-9 block at trace pfn 512*k stays 512-aligned.
  EXPECT_EQ(m->MapPfn(3 * 512) % 512, 0u);
}

TEST(TraceMapping, InterleaveAlternatesSections) {
  auto m = TraceMapping::Create(PfnPlacement::kInterleave, 0, 4 * kSec, TwoNodes(),
                                CpuPlacement::kSpread, 2, 2);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->MapPfn(0), kSec);                  // section 0 -> node 0, local 0
  EXPECT_EQ(m->MapPfn(kSec + 5), 16 * kSec + 5);  // section 1 -> node 1, local 0
  EXPECT_EQ(m->MapPfn(2 * kSec), 2 * kSec);       // section 2 -> node 0, local 1
  EXPECT_EQ(m->MapPfn(3 * kSec), 17 * kSec);      // section 3 -> node 1, local 1
}

TEST(TraceMapping, TooLargeSpanNamesTheNode) {
  auto m = TraceMapping::Create(PfnPlacement::kProportional, 0, 40 * kSec, TwoNodes(),
                                CpuPlacement::kSpread, 2, 2);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("node 0 would need 2.5 GiB and has 0.9 GiB"),
            std::string::npos)
      << m.status();
}

TEST(TraceMapping, CpuPlacement) {
  auto spread =
      TraceMapping::Create(PfnPlacement::kIdentity, 0, 0, TwoNodes(), CpuPlacement::kSpread, 2, 36);
  ASSERT_TRUE(spread.ok());
  EXPECT_EQ(spread->CoreOf(0), 0);
  EXPECT_EQ(spread->CoreOf(1), 18);  // the second socket
  auto modulo = TraceMapping::Create(PfnPlacement::kIdentity, 0, 0, TwoNodes(),
                                     CpuPlacement::kModulo, 64, 36);
  ASSERT_TRUE(modulo.ok());
  EXPECT_EQ(modulo->CoreOf(40), 4);
}

TEST(TraceMapping, ParsesNames) {
  EXPECT_EQ(*ParsePfnPlacement("interleave"), PfnPlacement::kInterleave);
  EXPECT_EQ(ParsePfnPlacement("bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCpuPlacement("bogus").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memsim::replay
