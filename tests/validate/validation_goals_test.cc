// Issue 11's goals on the shipped calibrated VM (configs/machines/host-vm-epyc-2vcpu.textproto)
// against recorded figures only — the calibration's measurements in that config and the
// kernel's timestamps in traces/host-vm-compaction.report.txt.zst — never a live measurement
// (docs/validation.md, "After the streamer"):
//  * the microbenchmark streams predicted within +-20 % of the measured ns/line, except the
//    8-B word stream, a known miss pinned here so that a change to it is deliberate;
//  * page64's per-pfn migrate-scan p50 within 1.5x of the capture's.
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
      // Missed: the model streams the lines at the core's bandwidth (2.27 ns / 8 words =
      // 0.28 ns/word plus the cold start) and charges L1 hits no issue slots, while the
      // measured loop runs at 0.39 ns (0.82 cycles) per load (docs/validation.md).
      EXPECT_NEAR(ratio, 0.74, 0.02) << s.name;
      continue;
    }
    EXPECT_LE(ratio, 1 + kStreamTolerance) << s.name << " predicted " << s.predicted_ns;
    EXPECT_GE(ratio, 1 - kStreamTolerance) << s.name << " predicted " << s.predicted_ns;
  }
}

TEST(ValidationGoals, ScanP50OnTheCalibratedVmWithinOneAndAHalf) {
  absl::StatusOr<config::Machine> m = hw::LoadMachine(kVm);
  ASSERT_TRUE(m.ok()) << m.status();
  absl::StatusOr<config::MemmapModelConfig> model =
      memmap::ResolveModelSpec("page64", memmap::BuiltinModels());
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<KernelTimings> k = KernelTimingReader::ReadFile(kCapture);
  ASSERT_TRUE(k.ok()) << k.status();
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

}  // namespace
}  // namespace memsim::validate
