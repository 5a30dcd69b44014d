// BuildResult's described-memory overhead, the rule for undescribed memory, event coverage
// and warnings, on tiny traces replayed on tests/replay/testdata/tiny-2s.textproto (two
// nodes of 262144 pages) and checked by hand (docs/results.md, "overhead", "Uncertainty").
#include "sim/replay/result_builder.h"

#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::Replay;
using testing::WriteTrace;

Event FreeOf(uint64_t t, uint64_t pfn, uint32_t order = 0) {
  Event e;
  e.kind = trace::EVENT_FREE;
  e.time_ns = t;
  e.pfn = pfn;
  e.order = order;
  return e;
}

// The trace of Replayer.OverheadByOwnerType under memdesc (an 8-byte word per page): the
// snapshot describes 4 anon pages at 100, an anon THP at 512 and an order-1 slab at 2048,
// an event allocates a file page at 3000 and frees pfn 100. Described: 515 anon + 1 file +
// 2 slab + 1 free = 519 pages, all on node 0; 523769 undescribed (261625 on node 0, 262144
// on node 1). Descriptors: 5 anon folios (80 B) + 1 file folio - the freed one = 5 folios,
// 400 B, and one struct slab (64 B): 464 B live, in one 4 KiB slab page per cache (the model
// keeps one per owner type: anon, file, slab): 12288 B of slabs from the first event on
// (snapshot descriptors and the file folio, both at 2000 ns), so peak = mean = final.
class DescribedOverheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = WriteTrace("described",
                        {SnapshotRun{100, 4, trace::OWNER_ANON, 0, 0},
                         SnapshotRun{512, 512, trace::OWNER_ANON, 9, 0},
                         SnapshotRun{2048, 2, trace::OWNER_SLAB, 1, 0}},
                        {Alloc(2000, 0, 3000, 0, trace::OWNER_FILE), FreeOf(3000, 100)});
  }
  void TearDown() override { unlink(trace_.c_str()); }
  std::string trace_;
};

TEST_F(DescribedOverheadTest, DescribedMemoryHoldsItsArrayShareAndEveryDescriptor) {
  Replay replay(trace_, "memdesc");
  const result::Result r = replay.Run();
  const result::Overhead& o = r.overhead();
  // As replayed: 4 MiB of array + 12 KiB of slabs.
  ASSERT_EQ(o.machine().static_bytes(), 8u * 524288);
  ASSERT_EQ(o.machine().final_bytes(), 8u * 524288 + 12288);
  EXPECT_EQ(o.machine().pages(), 524288u);
  EXPECT_EQ(o.undescribed_pages(), 523769u);
  // Described: 519 pages (2125824 B of RAM), 8 B of array each (4152 B) + 12288 B of slabs.
  const result::OverheadFigures& d = o.described();
  EXPECT_EQ(d.pages(), 519u);
  EXPECT_EQ(d.ram_bytes(), 519u * 4096);
  EXPECT_EQ(d.static_bytes(), 4152u);
  EXPECT_EQ(d.descriptor_live_bytes(), 464u);
  EXPECT_EQ(d.slab_bytes(), 12288u);
  EXPECT_EQ(d.slab_waste_bytes(), 12288u - 464);
  EXPECT_EQ(d.final_bytes(), 16440u);
  EXPECT_EQ(d.peak_bytes(), 16440u);
  EXPECT_EQ(d.mean_bytes(), 16440.0);
  EXPECT_EQ(d.final_bytes_per_page(), 16440.0 / 519);  // 31.7 B
  EXPECT_EQ(d.final_percent_of_ram(), 100.0 * 16440 / (519 * 4096));
  // Per node: all of it on node 0; node 1 describes nothing and holds no descriptor.
  ASSERT_EQ(o.nodes_size(), 2);
  EXPECT_EQ(o.nodes(0).described().pages(), 519u);
  EXPECT_EQ(o.nodes(0).described().final_bytes(), 16440u);
  EXPECT_EQ(o.nodes(0).undescribed_pages(), 261625u);
  EXPECT_EQ(o.nodes(1).described().pages(), 0u);
  EXPECT_EQ(o.nodes(1).described().final_bytes(), 0u);
  EXPECT_EQ(o.nodes(1).described().final_bytes_per_page(), 0.0);
  EXPECT_EQ(o.nodes(1).undescribed_pages(), 262144u);
  // By owner: array share + descriptors per page: anon (4120 + 320) / 515, file 88 B.
  for (const auto& ow : o.owners()) {
    if (ow.owner() == "anon") {
      EXPECT_EQ(ow.final_bytes(), 4440u);
      EXPECT_EQ(ow.bytes_per_page(), 4440.0 / 515);
    } else if (ow.owner() == "file") {
      EXPECT_EQ(ow.final_bytes(), 88u);
      EXPECT_EQ(ow.bytes_per_page(), 88.0);
    } else if (ow.owner() == "state_unknown") {
      EXPECT_EQ(ow.bytes_per_page(), 8.0);
    }
  }
}

// Default rule, extrapolate: the 523769 undescribed pages hold 12288 / 519 B of slabs and
// 464 / 519 B of descriptors per page, on top of the whole array: slabs 12288 +
// floor(12288 * 523769 / 519) = 12288 + 12400912, descriptors 464 + 468263. Node 0 gets
// floor(12288 * 261625 / 519) = 6194312 more, node 1 floor(12288 * 262144 / 519) = 6206600.
TEST_F(DescribedOverheadTest, WholeMachineExtrapolatesTheDescribedMix) {
  Replay replay(trace_, "memdesc");
  const result::Result r = replay.Run();
  const result::Overhead& o = r.overhead();
  EXPECT_EQ(o.undescribed_rule(), "extrapolate");
  const result::OverheadFigures& w = o.whole();
  EXPECT_EQ(w.pages(), 524288u);
  EXPECT_EQ(w.static_bytes(), 8u * 524288);
  EXPECT_EQ(w.descriptor_live_bytes(), 464u + 468263);
  EXPECT_EQ(w.slab_bytes(), 12288u + 12400912);
  EXPECT_EQ(w.final_bytes(), 4194304u + 12288 + 12400912);
  EXPECT_EQ(w.peak_bytes(), 4194304u + 12288 + 12400912);
  EXPECT_EQ(w.mean_bytes(), 4194304.0 + 12288 + 12288.0 * 523769 / 519);
  // The whole machine costs what the described memory costs per page, but for rounding.
  EXPECT_EQ(w.final_bytes() / 524288, 31u);
  EXPECT_EQ(o.nodes(0).whole().slab_bytes(), 12288u + 6194312);
  EXPECT_EQ(o.nodes(1).whole().slab_bytes(), 6206600u);
  EXPECT_EQ(o.nodes(1).whole().final_bytes(), 8u * 262144 + 6206600);
  // free: the machine as replayed; applying a rule again replaces the figures.
  result::Result f = r;
  replay::ApplyUndescribedRule(replay::UndescribedRule::kFree, &f);
  EXPECT_EQ(f.overhead().undescribed_rule(), "free");
  EXPECT_EQ(f.overhead().whole().final_bytes(), 8u * 524288 + 12288);
  EXPECT_EQ(f.overhead().whole().SerializeAsString(), f.overhead().machine().SerializeAsString());
  EXPECT_EQ(f.overhead().nodes(1).whole().final_bytes(), 8u * 262144);
  replay::ApplyUndescribedRule(replay::UndescribedRule::kExtrapolate, &f);
  EXPECT_EQ(f.overhead().whole().SerializeAsString(), w.SerializeAsString());
}

// page64: every page costs 64 B whatever it holds, so both rules give the machine figures.
TEST_F(DescribedOverheadTest, Page64IsTheSameUnderEitherRule) {
  Replay replay(trace_, "page64");
  const result::Result r = replay.Run();
  EXPECT_EQ(r.overhead().described().static_bytes(), 64u * 519);
  EXPECT_EQ(r.overhead().described().final_bytes_per_page(), 64.0);
  EXPECT_EQ(r.overhead().whole().SerializeAsString(), r.overhead().machine().SerializeAsString());
}

TEST(UndescribedRule, NamesParseAndOthersAreErrors) {
  EXPECT_EQ(*replay::ParseUndescribedRule("free"), replay::UndescribedRule::kFree);
  EXPECT_EQ(*replay::ParseUndescribedRule("extrapolate"), replay::UndescribedRule::kExtrapolate);
  const auto bad = replay::ParseUndescribedRule("snapshot");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'snapshot' (expected extrapolate or free)"),
            std::string::npos)
      << bad.status();
}

// Coverage: 1024 free pages from the snapshot; events: a misaligned alloc (not applied), a
// fault without a pfn, an alloc and a free of pfn 10, a second free of it (a double free
// of pages the trace itself freed: missing events), an alloc of pfn 20. 6 events, 2
// dropped (33.3 %); alloc/free operations applied: 4, of which 1 contradicts (25 %). Both
// past the 10 % thresholds: two warnings.
TEST(Coverage, DroppedEventsAndContradictionsWithWarnings) {
  Event fault;
  fault.kind = trace::EVENT_FAULT;
  fault.time_ns = 1500;
  const std::string trace = WriteTrace(
      "coverage", {SnapshotRun{0, 1024, trace::OWNER_FREE, 0, 0}},
      {Alloc(1000, 0, 1, 1, trace::OWNER_ANON), fault, Alloc(2000, 0, 10, 0, trace::OWNER_ANON),
       FreeOf(3000, 10), FreeOf(4000, 10), Alloc(5000, 0, 20, 0, trace::OWNER_ANON)});
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  const result::EventCoverage& c = r.coverage();
  EXPECT_EQ(c.events(), 6u);
  EXPECT_EQ(c.dropped_unmapped_pfn(), 0u);
  EXPECT_EQ(c.dropped_fault_without_pfn(), 1u);
  EXPECT_EQ(c.dropped_not_applied(), 1u);
  EXPECT_EQ(c.dropped(), 2u);
  EXPECT_EQ(c.modelled(), 4u);
  EXPECT_EQ(c.dropped_percent(), 100.0 * 2 / 6);
  EXPECT_EQ(c.state_ops(), 4u);
  EXPECT_EQ(c.contradictions(), 1u);
  EXPECT_EQ(c.contradictions_percent(), 25.0);
  ASSERT_EQ(r.warnings_size(), 2);
  EXPECT_EQ(r.warnings(0),
            "2 of 6 events (33.3 %) dropped (0 unmapped pfn, 1 faults without pfn, 1 not "
            "applied): the figures leave them out");
  EXPECT_EQ(r.warnings(1),
            "1 of 4 alloc/free/migrate operations (25.0 %) contradict the replayed state "
            "(repaired; by cause: inconsistency_causes)");
  unlink(trace.c_str());
}

// At the thresholds exactly (10 %), no warning: 10 events, 1 fault without a pfn.
TEST(Coverage, NoWarningAtTheThreshold) {
  std::vector<Event> events;
  Event fault;
  fault.kind = trace::EVENT_FAULT;
  fault.time_ns = 500;
  events.push_back(fault);
  for (uint64_t i = 0; i < 9; ++i) {
    events.push_back(Alloc(1000 + i, 0, 16 * i, 0, trace::OWNER_ANON));
  }
  const std::string trace =
      WriteTrace("threshold", {SnapshotRun{0, 1024, trace::OWNER_FREE, 0, 0}}, events);
  Replay replay(trace, "page64");
  const result::Result r = replay.Run();
  EXPECT_EQ(r.coverage().dropped_percent(), 10.0);
  EXPECT_EQ(r.coverage().contradictions(), 0u);
  EXPECT_EQ(r.warnings_size(), 0);
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
