// Issue 11's goals on the shipped calibrated VM (configs/machines/host-vm-epyc-2vcpu.textproto)
// against recorded figures only — the calibration's measurements in that config and the
// kernel's timestamps in traces/host-vm-compaction.report.txt.zst — never a live measurement
// (docs/validation.md, "Issue" and "Migration"):
//  * the microbenchmark streams predicted within +-20 % of the measured ns/line (the 8-B
//    word stream by its issue cost, Timing.cycles_per_access, measured over the L1d apart
//    from the stream);
//  * page64's per-pfn migrate-scan p50 within 1.5x of the capture's;
//  * page64's migration p50 per page against the capture's (Timing.cycles_per_migrated_page
//    from calibrate's PTE round trips): reported, not a goal, pinned so a change is
//    deliberate.
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/validate/kernel_timing_reader.h"
#include "sim/validate/replay_predictor.h"
#include "sim/validate/stream_predictor.h"
#include "sim/validate/validation_report.h"
#include "tests/testing/temp_dir.h"

namespace memsim::validate {
namespace {

constexpr char kVm[] = "configs/machines/host-vm-epyc-2vcpu.textproto";
constexpr char kCapture[] = "traces/host-vm-compaction.report.txt.zst";

TEST(ValidationGoals, StreamsOnTheCalibratedVm) {
  absl::StatusOr<config::Machine> m = hw::LoadMachine(kVm);
  ASSERT_TRUE(m.ok()) << m.status();
  absl::StatusOr<std::vector<StreamPrediction>> p =
      StreamPredictor::Predict(*m, StreamPredictor::Options());
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 4u);
  for (const StreamPrediction& s : *p) {
    ASSERT_GT(s.measured_ns, 0) << s.name;
    const double ratio = s.predicted_ns / s.measured_ns;
    if (s.name == "sequential_word") {
      // Issue-bound: 0.67 cycles / 2.1 GHz = 0.319 ns per word, above the lines' 2.28 / 8 =
      // 0.285 ns at the core's bandwidth; 0.319 / 0.39 = 0.82.
      EXPECT_NEAR(s.predicted_ns, 0.67 / 2.1, 0.002) << s.name;
    }
    EXPECT_LE(ratio, 1 + kStreamTolerance) << s.name << " predicted " << s.predicted_ns;
    EXPECT_GE(ratio, 1 - kStreamTolerance) << s.name << " predicted " << s.predicted_ns;
  }
}

// The calibrated VM config, page64 and the VM's capture: the inputs of the kernel-timing
// goals.
struct VmInputs {
  config::Machine machine;
  config::MemmapModelConfig model;
  KernelTimings capture;
};

void LoadVmInputs(VmInputs* in) {
  absl::StatusOr<config::Machine> m = hw::LoadMachine(kVm);
  ASSERT_TRUE(m.ok()) << m.status();
  absl::StatusOr<config::MemmapModelConfig> model =
      memmap::ResolveModelSpec("page64", memmap::BuiltinModels());
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<KernelTimings> k = KernelTimingReader::ReadFile(kCapture);
  ASSERT_TRUE(k.ok()) << k.status();
  in->machine = *std::move(m);
  in->model = *std::move(model);
  in->capture = *std::move(k);
}

TEST(ValidationGoals, ScanP50OnTheCalibratedVmWithinOneAndAHalf) {
  VmInputs in;
  ASSERT_NO_FATAL_FAILURE(LoadVmInputs(&in));
  const config::Machine* m = &in.machine;
  const config::MemmapModelConfig* model = &in.model;
  const KernelTimings* k = &in.capture;
  std::vector<double> per_pfn;
  for (const PageblockScan& s : k->scans) per_pfn.push_back(s.ns_per_pfn());
  const Distribution recorded = Summarise(per_pfn);
  EXPECT_EQ(recorded.count, 1563u);
  EXPECT_NEAR(recorded.p50, 3.50, 0.005);  // 1793 ns / 512 pfns

  test_util::ScopedTempDir dir;
  ReplayPredictor predictor(*m, *model, dir.path());
  absl::StatusOr<OperationPrediction> scan = predictor.PredictScan(64);
  ASSERT_TRUE(scan.ok()) << scan.status();
  const double ratio = scan->per_page(scan->p50_ns) / recorded.p50;
  EXPECT_LE(ratio, kScanP50Factor) << "predicted " << scan->per_page(scan->p50_ns) << " ns/pfn";
  EXPECT_GE(ratio, 1 / kScanP50Factor) << "predicted " << scan->per_page(scan->p50_ns);
}

TEST(ValidationGoals, MigrationP50OnTheCalibratedVmIsReported) {
  VmInputs in;
  ASSERT_NO_FATAL_FAILURE(LoadVmInputs(&in));
  const config::Machine* m = &in.machine;
  const config::MemmapModelConfig* model = &in.model;
  const KernelTimings* k = &in.capture;
  std::vector<double> per_page;
  for (const MigrationBatch& b : k->batches) per_page.push_back(b.ns_per_page());
  const Distribution recorded = Summarise(per_page);
  EXPECT_EQ(recorded.count, 76u);
  EXPECT_NEAR(recorded.p50, 4494.33, 0.005);

  test_util::ScopedTempDir dir;
  ReplayPredictor predictor(*m, *model, dir.path());
  absl::StatusOr<OperationPrediction> migration = predictor.PredictMigration(64);
  ASSERT_TRUE(migration.ok()) << migration.status();
  // The metadata and the copy (640 ns) plus the PTE work: 10667.39 cycles / 2.1 GHz =
  // 5079.71 ns (553.70 per page + a 144832.32-ns flush over a 32-page batch).
  const double predicted = migration->per_page(migration->p50_ns);
  EXPECT_NEAR(predicted, 5720, 25);
  EXPECT_NEAR(predicted / recorded.p50, 1.27, 0.01);
}

}  // namespace
}  // namespace memsim::validate
