#include "sim/workload/anon_workload.h"

#include "gtest/gtest.h"
#include "sim/workload/gfp.h"
#include "tests/workload/workload_test_util.h"

namespace memsim::workload {
namespace {

using testing::CheckStream;
using testing::Generate;
using testing::MachineOf;
using testing::StreamStats;

// One node of 4 MiB, one CPU, a 2 MiB footprint: every action is hand-computable.
WorkloadParams Tiny(double thp_share, uint64_t events) {
  WorkloadParams p;
  p.nodes = 1;
  p.node_mem_bytes = 4 << 20;
  p.cpus = 1;
  p.footprint_bytes = 2 << 20;
  p.thp_share = thp_share;
  p.events = events;
  return p;
}

TEST(AnonWorkload, AllThpExactSequence) {
  auto out = Generate("anon", Tiny(1.0, 10));
  ASSERT_EQ(out.runs.size(), 1u);
  EXPECT_EQ(out.runs[0], (SnapshotRun{0, 1024, trace::OWNER_FREE, 10, 1u << 10}));
  // Region 1: FAULT + ALLOC; then each new region first unmaps the old one: FREE, FAULT,
  // ALLOC. 2 + 3 + 3 + 3 = 11 >= 10.
  const std::vector<EventKind> want = {trace::EVENT_FAULT, trace::EVENT_ALLOC, trace::EVENT_FREE,
                                       trace::EVENT_FAULT, trace::EVENT_ALLOC, trace::EVENT_FREE,
                                       trace::EVENT_FAULT, trace::EVENT_ALLOC, trace::EVENT_FREE,
                                       trace::EVENT_FAULT, trace::EVENT_ALLOC};
  ASSERT_EQ(out.events.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out.events[i].kind, want[i]) << i;
  const Event& fault = out.events[0];
  EXPECT_EQ(fault.error_code, 6u);  // user write to a not-present page
  EXPECT_GE(fault.address, 0x7effffe00000u);
  EXPECT_LT(fault.address, 0x7f0000000000u);
  EXPECT_EQ(fault.pfn, (fault.address >> 12) & 511);  // the THP's subpage mapping the address
  const Event& alloc = out.events[1];
  EXPECT_EQ(alloc.pfn, 0u);
  EXPECT_EQ(alloc.order, 9u);
  EXPECT_EQ(alloc.migratetype, 1);
  EXPECT_EQ(alloc.owner, trace::OWNER_ANON);
  EXPECT_EQ(alloc.gfp_flags, gfp::kTransHugeLight);
  EXPECT_TRUE(alloc.gfp_flags & trace::GFP_BIT_COMP);
  EXPECT_EQ(out.events[2].pfn, 0u);
  EXPECT_EQ(out.events[2].order, 9u);
  // The second region lies 2 MiB below the first.
  EXPECT_GE(out.events[3].address, 0x7effffc00000u);
  EXPECT_LT(out.events[3].address, 0x7effffe00000u);
  for (size_t i = 1; i < out.events.size(); ++i) {
    EXPECT_GT(out.events[i].time_ns, out.events[i - 1].time_ns);
  }
}

TEST(AnonWorkload, BasePagesExactCounts) {
  // 512 faults fill the region (1024 events); the next region unmaps it (512 batched frees)
  // and takes its first fault: 1024 + 512 + 2 = 1538 events.
  auto out = Generate("anon", Tiny(0.0, 1030));
  StreamStats stats;
  ASSERT_TRUE(CheckStream(MachineOf(Tiny(0, 1)), out.runs, out.events, &stats).ok());
  EXPECT_EQ(out.events.size(), 1538u);
  EXPECT_EQ(stats.count(trace::EVENT_FAULT), 513u);
  EXPECT_EQ(stats.count(trace::EVENT_ALLOC), 513u);
  EXPECT_EQ(stats.count(trace::EVENT_FREE), 512u);
  EXPECT_EQ(stats.live_pages_at_end, 1u);
  for (const Event& e : out.events) {
    if (e.kind == trace::EVENT_FREE) {
      EXPECT_TRUE(e.batched);
    }
    if (e.kind == trace::EVENT_ALLOC) {
      EXPECT_EQ(e.order, 0u);
      EXPECT_EQ(e.gfp_flags, gfp::kAnonPage);
    }
  }
  // Pages are handed out lowest first: the first region maps pfns 0..511 in order.
  EXPECT_EQ(out.events[1].pfn, 0u);
  EXPECT_EQ(out.events[1023].pfn, 511u);
}

TEST(AnonWorkload, InvariantsOnTwoNodes) {
  WorkloadParams p;
  p.node_mem_bytes = 64 << 20;
  p.cpus = 4;
  p.footprint_bytes = 32 << 20;
  p.thp_share = 0.3;
  p.events = 100000;
  auto out = Generate("anon", p);
  StreamStats stats;
  absl::Status s = CheckStream(MachineOf(p), out.runs, out.events, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GE(out.events.size(), 100000u);
  EXPECT_LT(out.events.size(), 100000u + 600);  // one action at most past the target
  EXPECT_GT(stats.count(trace::EVENT_FREE), 0u);
  EXPECT_EQ(stats.count(trace::EVENT_FAULT), stats.count(trace::EVENT_ALLOC));
  // Local allocation: memory is small enough that nothing falls back to the other node.
  MachineDesc m = MachineOf(p);
  for (const Event& e : out.events) {
    if (e.kind == trace::EVENT_ALLOC) {
      EXPECT_EQ(m.NodeOfPfn(e.pfn), m.cpu_node[e.cpu]);
    }
  }
}

// Counts anon pages by order without keeping the events (2 M events).
class ThpCounter : public EventSink {
 public:
  absl::Status AddSnapshotRun(const SnapshotRun&) override { return absl::OkStatus(); }
  absl::Status Add(const Event& e) override {
    if (e.kind == trace::EVENT_ALLOC) {
      pages += uint64_t{1} << e.order;
      if (e.order == 9) thp_pages += 512;
    }
    return absl::OkStatus();
  }
  uint64_t pages = 0, thp_pages = 0;
};

TEST(AnonWorkload, ThpShareHonoured) {
  // Regions are THP with probability --thp_share; over ~1700 regions the page share has a
  // standard deviation near 0.011, so 0.04 is a tolerance of about 4 sigma (the result is
  // deterministic for the seed; the tolerance states how close any seed gets).
  for (double share : {0.0, 0.25, 0.75, 1.0}) {
    WorkloadParams p;
    p.node_mem_bytes = 256 << 20;
    p.cpus = 4;
    p.footprint_bytes = 64 << 20;
    p.thp_share = share;
    p.events = share == 1.0 ? 20000 : 2000000;
    auto w = AnonWorkload::Create(p);
    ASSERT_TRUE(w.ok());
    ThpCounter counter;
    ASSERT_TRUE((*w)->Generate(&counter).ok());
    double got = static_cast<double>(counter.thp_pages) / counter.pages;
    EXPECT_NEAR(got, share, 0.04) << "thp_share " << share;
  }
}

TEST(AnonWorkload, BadParameters) {
  WorkloadParams p;
  p.thp_share = 1.5;
  auto w = AnonWorkload::Create(p);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.status().message(), "--thp_share must be in [0, 1], got 1.5");
  p = WorkloadParams();
  p.footprint_bytes = 1 << 20;
  EXPECT_NE(AnonWorkload::Create(p).status().message().find("at least 2MiB"), std::string::npos);
  p = Tiny(0.5, 10);
  p.cpus = 2;  // 2 MiB footprint + 2 regions in flight > 4 MiB
  EXPECT_NE(AnonWorkload::Create(p).status().message().find(
                "--footprint (2MiB) plus one 2MiB region per CPU (2) is more memory than the "
                "machine has (4MiB)"),
            std::string::npos);
  p = WorkloadParams();
  p.footprint_bytes = uint64_t{16} << 30;
  EXPECT_NE(AnonWorkload::Create(p).status().message().find("more memory than the machine has"),
            std::string::npos);
}

}  // namespace
}  // namespace memsim::workload
