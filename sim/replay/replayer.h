// The replay engine: streams a trace, rebuilds physical memory (mm::PhysMem), asks the
// memmap model for each operation's metadata accesses, runs them through the machine's
// caches and DRAM (hw::MemorySystem), and moves migrated data between nodes (BulkCopier:
// SimGrid or analytic). Produces a result::Result.
//
// Time: each simulated CPU (a machine core) has its own clock. An event runs on the core
// its trace CPU maps to, starting at its trace time (paced, the default) or as soon as the
// core is free (back-to-back), and keeps the core busy for its latency: the sum of its
// metadata accesses' latencies (no memory-level parallelism), plus, for a migration, the
// data copy. Cores are synchronised in quanta of simulated time: copies started within a
// quantum are charged their uncontended time at once and, at the quantum's end, handed to
// the BulkCopier in one batch; the contended completion times then replace the estimates
// (event latencies, and the cores' clocks move later by any extra delay).
//
// Event -> operations (docs/replay.md):
//   alloc            PhysMem::Alloc + MemmapModel::Alloc
//   free             PhysMem::Free + MemmapModel::Free
//   fault (pfn known)  PhysMem::Lookup + MemmapModel::Lookup + MemmapModel::MapCount
//   fault (no pfn)   counted only (trace_pipe's page_fault_user carries no pfn)
//   migrate          PhysMem::Migrate (source freed by its own FREE event) +
//                    MemmapModel::Migrate + copy of 2^order pages src node -> dst node
//   compaction_scan  MemmapModel::CompactionScan over the mapped range
//   migrate_batch, compaction   counted only
#ifndef MEMSIM_SIM_REPLAY_REPLAYER_H_
#define MEMSIM_SIM_REPLAY_REPLAYER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "proto/memmap.pb.h"
#include "proto/result.pb.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/memory_system.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/model_registry.h"
#include "sim/mm/phys_mem.h"
#include "sim/replay/bulk_copier.h"
#include "sim/replay/latency_histogram.h"
#include "sim/replay/trace_mapping.h"
#include "sim/trace/trace_reader.h"

namespace memsim::replay {

struct ReplayOptions {
  PfnPlacement pfn_placement = PfnPlacement::kProportional;
  CpuPlacement cpu_placement = CpuPlacement::kSpread;
  bool paced = true;
  uint64_t quantum_ns = 1'000'000;  // 1 ms of simulated time
  // Called about every 2^20 events with (events done, trace bytes read, trace bytes total).
  std::function<void(uint64_t, uint64_t, uint64_t)> progress;
};

class Replayer {
 public:
  // Builds memory state, model and caches for `machine` (validated). The trace's pfn span
  // comes from its header's nodes, or, if it has none, from a first pass over the trace.
  // `copier` must outlive the replayer.
  static absl::StatusOr<std::unique_ptr<Replayer>> Create(
      const config::Machine& machine, const config::MemmapModelConfig& model_config,
      const memmap::ModelRegistry& models, const std::string& trace_path, BulkCopier* copier,
      const ReplayOptions& options);

  // Replays the whole trace (snapshot, then events). Trace corruption is returned as is.
  absl::Status Run();

  // The result; run metadata (paths, wall time) is filled in by the caller.
  result::Result BuildResult() const;
  // Overhead by owner type (docs/results.md) into out->owners.
  void FillOwners(result::Overhead* out) const;

  const mm::PhysMem& memory() const { return mem_; }
  const hw::MemorySystem& memory_system() const { return *memsys_; }

 private:
  static constexpr int kKinds = 8;  // indexed by EventKind
  struct Counts {
    uint64_t accesses = 0, line_accesses = 0, reads = 0, writes = 0, atomics = 0;
    uint64_t l1_misses = 0, l2_misses = 0, llc_misses = 0;
    uint64_t dram_local = 0, dram_remote_node = 0, dram_remote_socket = 0;
    uint64_t hitm = 0, remote_invalidations = 0;
  };
  struct KindStats {
    uint64_t count = 0;
    uint64_t pages = 0;
    uint64_t copy_bytes = 0;
    LatencyHistogram latency;
    Counts counts;
  };
  struct PendingCopy {
    Copy copy;
    int core = 0;
    double metadata_ns = 0;  // the event's metadata latency
    double estimate_ns = 0;  // uncontended copy time already charged
  };

  Replayer(const hw::MachineTopology& topology, std::unique_ptr<hw::MemorySystem> memsys,
           mm::PhysMem mem, std::unique_ptr<memmap::MemmapModel> model, TraceMapping mapping,
           std::unique_ptr<TraceReader> reader, BulkCopier* copier, ReplayOptions options);

  absl::Status ReplayEvent(const Event& e);
  // Runs the accesses in buffer_ on `core`; returns their total latency in ns.
  double RunAccesses(int core);
  absl::Status FlushQuantum();
  static Counts Snapshot(const hw::AccessStats& s);
  static void AddDelta(const Counts& before, const Counts& after, Counts* into);
  void ApplySnapshotRuns(const std::vector<SnapshotRun>& runs);

  hw::MachineTopology topology_;
  std::unique_ptr<hw::MemorySystem> memsys_;
  mm::PhysMem mem_;
  std::unique_ptr<memmap::MemmapModel> model_;
  TraceMapping mapping_;
  std::unique_ptr<TraceReader> reader_;
  BulkCopier* copier_;
  ReplayOptions options_;

  memmap::AccessBuffer buffer_;
  std::vector<hw::MemoryAccess> batch_;
  mm::AllocResult alloc_result_;
  mm::FreeResult free_result_;
  mm::MigrateResult migrate_result_;
  std::vector<SnapshotRun> mapped_runs_;

  std::vector<double> core_clock_ns_;  // when each core is next free
  std::array<KindStats, kKinds> kinds_;
  std::vector<PendingCopy> pending_;
  std::vector<uint64_t> link_bytes_;           // per Machine.link
  std::vector<std::vector<int>> route_links_;  // [from_socket * sockets + to] -> link indices
  bool started_ = false;
  uint64_t trace_start_ns_ = 0;
  uint64_t last_time_ns_ = 0;
  double quantum_end_ns_ = 0;
  double quantum_start_ns_ = 0;
  uint64_t events_ = 0;
  uint64_t unmapped_pfns_ = 0;  // events whose pfn fell outside the placement
  uint64_t unmapped_snapshot_pages_ = 0;
  uint64_t faults_without_pfn_ = 0;
  uint64_t scan_pages_examined_ = 0;
  uint64_t scan_descriptor_reads_ = 0;
  uint64_t quanta_ = 0;
  uint64_t copier_batches_ = 0;
  uint64_t copies_clamped_ = 0;  // back-to-back copies that would start before their batch
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_REPLAYER_H_
