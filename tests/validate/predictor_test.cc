// StreamPredictor and ReplayPredictor on testdata/tiny-calibrated.textproto: 1 GHz, L1 4
// cycles, DRAM 100 ns and no `timing`, so the serial model prices every access at its full
// latency one after another — exact, hand-computed figures that stay so when the timing
// model lands (it keeps the serial model for machines without `timing`).
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/validate/replay_predictor.h"
#include "sim/validate/stream_predictor.h"
#include "tests/testing/temp_dir.h"

namespace memsim::validate {
namespace {

using ::testing::HasSubstr;

constexpr char kTiny[] = "tests/validate/testdata/tiny-calibrated.textproto";

TEST(StreamPredictor, SerialModelOnTheTinyMachine) {
  absl::StatusOr<config::Machine> m = hw::LoadMachine(kTiny);
  ASSERT_TRUE(m.ok()) << m.status();
  StreamPredictor::Options o;
  o.lines = 1024;
  absl::StatusOr<std::vector<StreamPrediction>> p = StreamPredictor::Predict(*m, o);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 4u);
  // Every line a cold DRAM access (100 ns); a word stream adds 7 L1 hits (4 ns) per line.
  EXPECT_EQ((*p)[0].name, "sequential_line");
  EXPECT_EQ((*p)[0].accesses, 1024u);
  EXPECT_DOUBLE_EQ((*p)[0].predicted_ns, 100.0);
  EXPECT_EQ((*p)[0].measured_ns, 5.0);
  EXPECT_EQ((*p)[1].name, "sequential_word");
  EXPECT_EQ((*p)[1].unit, "ns/word");
  EXPECT_EQ((*p)[1].accesses, 8192u);
  EXPECT_DOUBLE_EQ((*p)[1].predicted_ns, (100.0 + 7 * 4.0) / 8);
  EXPECT_EQ((*p)[2].name, "independent_line");
  EXPECT_DOUBLE_EQ((*p)[2].predicted_ns, 100.0);
  EXPECT_EQ((*p)[2].measured_ns, 20.0);
  EXPECT_EQ((*p)[3].name, "dependent_line");
  EXPECT_DOUBLE_EQ((*p)[3].predicted_ns, 100.0);
  EXPECT_EQ((*p)[3].measured_ns, 100.0);
}

TEST(StreamPredictor, RefusesAStreamLargerThanTheNode) {
  absl::StatusOr<config::Machine> m = hw::LoadMachine(kTiny);
  ASSERT_TRUE(m.ok()) << m.status();
  StreamPredictor::Options o;
  o.lines = (1u << 24) + 1;  // the node has 1 GiB = 2^24 lines
  absl::StatusOr<std::vector<StreamPrediction>> p = StreamPredictor::Predict(*m, o);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("does not fit node 0"));
  o.lines = 0;
  EXPECT_EQ(StreamPredictor::Predict(*m, o).status().code(), absl::StatusCode::kInvalidArgument);
}

class ReplayPredictorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<config::Machine> m = hw::LoadMachine(kTiny);
    ASSERT_TRUE(m.ok()) << m.status();
    machine_ = *m;
    absl::StatusOr<config::MemmapModelConfig> model =
        memmap::ResolveModelSpec("page64", memmap::BuiltinModels());
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *model;
  }
  config::Machine machine_;
  config::MemmapModelConfig model_;
  test_util::ScopedTempDir dir_;
};

// page64 reads each of the 512 struct pages of a block (one 64-B line each, cold): 512 x
// 100 ns per pageblock, 100 ns per pfn.
TEST_F(ReplayPredictorTest, ScanOfInUsePageblocks) {
  ReplayPredictor p(machine_, model_, dir_.path());
  absl::StatusOr<OperationPrediction> scan = p.PredictScan(4);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(scan->model, "page64");
  EXPECT_EQ(scan->events, 4u);
  EXPECT_EQ(scan->pages_per_event, 512u);
  EXPECT_DOUBLE_EQ(scan->mean_ns, 51200.0);
  EXPECT_DOUBLE_EQ(scan->per_page(scan->mean_ns), 100.0);
  EXPECT_EQ(test_util::DirEntries(dir_.path()).size(), 0u) << "scratch trace left behind";
}

// Per page: the copy (100 ns + 4096 B at 100 GB/s = 140.96 ns) and page64's metadata
// accesses of one order-0 migration (StructPageModel::Migrate: the source and destination
// struct pages cold, 2 x 100 ns, then three L1 hits, 3 x 4 ns: 212 ns).
TEST_F(ReplayPredictorTest, MigrationOfSinglePages) {
  ReplayPredictor p(machine_, model_, dir_.path());
  absl::StatusOr<OperationPrediction> m = p.PredictMigration(4);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->events, 4u);
  EXPECT_EQ(m->pages_per_event, 1u);
  EXPECT_NEAR(m->mean_ns, 352.96, 1e-9);
}

// Timing.cycles_per_migrated_page is charged once per migrated base page, on top of the
// same metadata and copy (a timing block with no outstanding misses keeps every access
// serial): 352.96 + 1000 cycles at 1 GHz.
TEST_F(ReplayPredictorTest, MigrationChargesCyclesPerMigratedPage) {
  machine_.mutable_timing()->set_cycles_per_migrated_page(1000);
  ReplayPredictor p(machine_, model_, dir_.path());
  absl::StatusOr<OperationPrediction> m = p.PredictMigration(4);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_NEAR(m->mean_ns, 1352.96, 1e-9);
}

TEST_F(ReplayPredictorTest, RefusesWhatDoesNotFitTheNode) {
  ReplayPredictor p(machine_, model_, dir_.path());
  EXPECT_EQ(p.PredictScan(0).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<OperationPrediction> big = p.PredictScan(1024);  // 512 Ki pfns > 256 Ki
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(), HasSubstr("do not fit"));
  ReplayPredictor nowhere(machine_, model_, dir_.path() + "/no/such/dir");
  EXPECT_EQ(nowhere.PredictScan(1).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace memsim::validate
