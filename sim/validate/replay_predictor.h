// What the replay engine predicts for one kernel operation on a machine with a memmap model:
// a synthetic trace of that operation alone, replayed through replay::Replay exactly as a
// recorded trace is (so whatever the timing model does with scans and migrations applies),
// for the second half of the validation (docs/validation.md, "The kernel's own timing").
//
//  * PredictScan: `blocks` consecutive pageblocks of 512 in-use, unmovable order-0 pages
//    (a snapshot run of OWNER_KERNEL pages), each scanned by one migrate-scanner
//    EVENT_COMPACTION_SCAN with nr_taken=0, ascending, 1 ms apart: what the kernel's
//    isolate_migratepages_block() does for a block it cannot isolate from, reading every
//    struct page (the cold walk of the memmap the kernel's scanner makes).
//  * PredictMigration: `pages` order-0 anonymous pages migrated one by one (EVENT_MIGRATE,
//    reason compaction) to a region the snapshot leaves unknown, 1 ms apart: metadata plus
//    the 4 KiB copy (the uncontended analytic copier).
// Both run on core 0 at pfns of core 0's home node, starting one pageblock in.
#ifndef MEMSIM_SIM_VALIDATE_REPLAY_PREDICTOR_H_
#define MEMSIM_SIM_VALIDATE_REPLAY_PREDICTOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "proto/memmap.pb.h"

namespace memsim::validate {

// Latency of one replayed event kind, per event (ns), and per page.
struct OperationPrediction {
  std::string model;  // the memmap model's name
  uint64_t events = 0;
  uint64_t pages_per_event = 0;  // 512 pfns per scan; 1 page per migration
  double mean_ns = 0;
  double p10_ns = 0;  // from the replay's latency histogram (within 0.4 %)
  double p50_ns = 0;
  double p90_ns = 0;

  double per_page(double ns) const { return ns / static_cast<double>(pages_per_event); }
};

class ReplayPredictor {
 public:
  // `machine` must be validated (LoadMachine); `machine` and `model` must outlive the
  // predictor. `scratch_dir` holds the synthetic trace for the duration of a call (in a
  // private subdirectory, removed afterwards, and on a fatal signal).
  ReplayPredictor(const config::Machine& machine, const config::MemmapModelConfig& model,
                  std::string scratch_dir);

  // Errors: `blocks` is 0 or does not fit core 0's home node; the scratch directory cannot
  // be written; the replay fails.
  absl::StatusOr<OperationPrediction> PredictScan(uint32_t blocks) const;
  absl::StatusOr<OperationPrediction> PredictMigration(uint32_t pages) const;

 private:
  const config::Machine& machine_;
  const config::MemmapModelConfig& model_;
  std::string scratch_dir_;
};

}  // namespace memsim::validate

#endif  // MEMSIM_SIM_VALIDATE_REPLAY_PREDICTOR_H_
