// ReplayEngine: the event loop behind replay::Replay (replayer.h). Internal to sim/replay:
// callers use Replay(); the result is built from the engine's figures by BuildResult
// (result_builder.h).
//
// The engine streams a trace, rebuilds physical memory (mm::PhysMem), asks the memmap
// model for each operation's metadata accesses, runs them through the machine's caches and
// DRAM (hw::MemorySystem), and moves migrated data between nodes (BulkCopier: SimGrid or
// analytic).
//
// Time: each simulated CPU (a machine core) has its own clock. An event runs on the core
// its trace CPU maps to (TraceMapping::CoreOf; a compaction scan or compaction migration on a
// core of the compacted node, ScanCoreOf; under replicate once per copy of the recording), starting
// at its trace time (paced, the default) or as soon as the core is free (back-to-back), and keeps
// the core busy for its latency: what MemorySystem::AccessBatch charges for its metadata accesses
// (serial, or overlapped under the machine's Timing), plus, for a migration, the data copy. Cores
// are synchronised in quanta of simulated time: copies started within a quantum are charged their
// uncontended time at once and, at the quantum's end, handed to the BulkCopier in one batch; the
// contended completion times then replace the estimates (event latencies, and the cores' clocks
// move later by any extra delay).
//
// Event -> operations (docs/replay.md):
//   alloc            PerCpuPages::Alloc (pcp list or PhysMem::Alloc) + MemmapModel::Alloc
//   free             PerCpuPages::Free (pcp list or PhysMem::Free) + MemmapModel::Free
//   fault (pfn known)  PhysMem::Lookup + MemmapModel::Lookup + MemmapModel::MapCount
//   fault (no pfn)   counted only (trace_pipe's page_fault_user carries no pfn)
//   migrate          PhysMem::Migrate (source freed by its own FREE event) +
//                    MemmapModel::Migrate + copy of 2^order pages src node -> dst node
//   compaction_scan  MemmapModel::CompactionScan over the mapped range, then
//                    MemmapModel::Isolate of the nr_taken pages the scan isolated
//   migrate_batch, compaction   counted only
#ifndef MEMSIM_SIM_REPLAY_REPLAY_ENGINE_H_
#define MEMSIM_SIM_REPLAY_REPLAY_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/hw/latency_source.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/memory_system.h"
#include "sim/memmap/memmap_model.h"
#include "sim/memmap/model_registry.h"
#include "sim/mm/per_cpu_pages.h"
#include "sim/mm/phys_mem.h"
#include "sim/replay/bulk_copier.h"
#include "sim/replay/latency_histogram.h"
#include "sim/replay/replayer.h"
#include "sim/replay/trace_mapping.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_reader.h"

namespace memsim::replay {

// What the engine tallies for each event kind.
struct KindStats {
  uint64_t count = 0;
  uint64_t pages = 0;  // allocated, freed, migrated or scanned
  uint64_t copy_bytes = 0;
  LatencyHistogram latency;
  hw::AccessCounts accesses;  // of the event's metadata accesses
  // The events' latency by source (docs/machine-model.md, "Where the time goes"): adds up
  // to latency.total_ns() to floating-point round-off.
  hw::LatencySplit sources;
};

// Events the engine could not replay in full, and its own bookkeeping.
struct EngineCounters {
  uint64_t unmapped_pfn_events = 0;  // events whose pfn fell outside the placement
  uint64_t unmapped_snapshot_pages = 0;
  uint64_t faults_without_pfn = 0;
  uint64_t scan_pages_examined = 0;
  uint64_t scan_descriptor_reads = 0;
  uint64_t isolated_pages = 0;         // pages the models isolated (MemmapModel::Isolate)
  uint64_t isolated_blocks = 0;        // folios / free blocks they were in
  uint64_t isolation_short_pages = 0;  // nr_taken pages the replayed state had no block for
  uint64_t quanta = 0;
  uint64_t copy_batches = 0;
  uint64_t copy_starts_clamped = 0;  // back-to-back copies that would start before their batch
};

class ReplayEngine {
 public:
  // Builds memory state, model and caches for the machine `copier` was built for (its
  // topology; validated). The trace's pfn span comes from its header's nodes, or, if it has
  // none, from its header's extent (TraceHeader.extent), or in a trace older than that from
  // a first pass over the trace. `copier` must outlive the engine.
  static absl::StatusOr<std::unique_ptr<ReplayEngine>> Create(
      const config::MemmapModelConfig& model_config, const memmap::ModelRegistry& models,
      const std::string& trace_path, BulkCopier* copier, const ReplayOptions& options);

  // Replays the whole trace (snapshot, then events). Trace corruption is returned as is.
  absl::Status Run();

  // Figures for the result (REQUIRES: Run() returned OK).
  const hw::MachineTopology& topology() const { return memsys_->topology(); }
  const mm::PhysMem& memory() const { return mem_; }
  const mm::PerCpuPages& pcp() const { return *pcp_; }
  const memmap::MemmapModel& model() const { return *model_; }
  const std::array<KindStats, kNumEventKinds>& kinds() const { return kinds_; }
  const EngineCounters& counters() const { return counters_; }
  // Bytes carried by each Machine.link (index as in the machine config).
  const std::vector<uint64_t>& link_bytes() const { return link_bytes_; }
  // When the last core became free, ns after the first event.
  double simulated_time_ns() const;
  uint64_t events() const { return events_; }
  const TraceMapping& mapping() const { return mapping_; }
  const trace::TraceHeader& trace_header() const { return reader_->header(); }

 private:
  struct PendingCopy {
    Copy copy;
    int core = 0;
    double metadata_ns = 0;  // the event's metadata latency
    double estimate_ns = 0;  // uncontended copy time already charged
  };

  ReplayEngine(std::unique_ptr<hw::MemorySystem> memsys, mm::PhysMem mem,
               std::unique_ptr<memmap::MemmapModel> model, TraceMapping mapping,
               std::unique_ptr<TraceReader> reader, BulkCopier* copier, ReplayOptions options);

  // Replays `e` for copy `replica` of the recording (TraceMapping::copies()).
  absl::Status ReplayEvent(const Event& e, int replica);
  // The core `e` runs on: its CPU's, or for a compaction scan or compaction migration one of
  // the compacted node's (TraceMapping::ScanCoreOf).
  int CoreFor(const Event& e, int replica) const;
  absl::Status FlushQuantum();
  void ApplySnapshotRuns(const std::vector<SnapshotRun>& runs, int replica);

  std::unique_ptr<hw::MemorySystem> memsys_;
  mm::PhysMem mem_;
  std::unique_ptr<mm::PerCpuPages> pcp_;  // per simulated core
  std::unique_ptr<memmap::MemmapModel> model_;
  TraceMapping mapping_;
  std::unique_ptr<TraceReader> reader_;
  BulkCopier* copier_;
  ReplayOptions options_;

  memmap::AccessBuffer buffer_;
  mm::AllocResult alloc_result_;
  mm::FreeResult free_result_;
  mm::MigrateResult migrate_result_;
  std::vector<SnapshotRun> mapped_runs_;

  std::vector<double> core_clock_ns_;  // when each core is next free
  std::array<KindStats, kNumEventKinds> kinds_;
  EngineCounters counters_;
  std::vector<PendingCopy> pending_;
  std::vector<uint64_t> link_bytes_;           // per Machine.link
  std::vector<std::vector<int>> route_links_;  // [from_socket * sockets + to] -> link indices
  bool started_ = false;
  uint64_t trace_start_ns_ = 0;
  uint64_t last_time_ns_ = 0;
  double quantum_end_ns_ = 0;
  double quantum_start_ns_ = 0;
  uint64_t events_ = 0;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_REPLAY_ENGINE_H_
