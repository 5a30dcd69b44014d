// The machinery every workload shares: the machine, the allocator, the PRNG, the clock and
// one helper per event kind that stamps the event (time, cpu), keeps the allocator in step and
// hands it to the sink. Workloads hold one for the duration of Generate().
//
// Time: one global clock; every event advances it by a uniform random gap in
// [1, 2 * mean - 1] ns (mean = WorkloadParams::MeanEventGapNs()), so timestamps strictly
// increase, per CPU and globally, and the trace spans about --duration.
//
// Errors: the first sink error is kept; done() turns true and later emits are dropped, so a
// workload's loop needs no status check per event. Generate() returns status() at the end.
#ifndef MEMSIM_SIM_WORKLOAD_WORKLOAD_CONTEXT_H_
#define MEMSIM_SIM_WORKLOAD_WORKLOAD_CONTEXT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "sim/trace/event.h"
#include "sim/workload/event_sink.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/phys_allocator.h"
#include "sim/workload/rng.h"
#include "sim/workload/workload_params.h"

namespace memsim::workload {

// Kernel enum migrate_mode (include/linux/migrate_mode.h).
inline constexpr uint32_t kMigrateAsync = 0;
inline constexpr uint32_t kMigrateSyncLight = 1;
// Kernel MIGRATE_* (include/linux/mmzone.h).
inline constexpr int32_t kMigrateUnmovable = 0;
inline constexpr int32_t kMigrateMovable = 1;
inline constexpr int32_t kMigrateReclaimable = 2;
// x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h).
inline constexpr uint32_t kPfProt = 1;  // the page was present (protection fault)
inline constexpr uint32_t kPfWrite = 2;
inline constexpr uint32_t kPfUser = 4;

class WorkloadContext {
 public:
  // REQUIRES: params.ValidateCommon() is OK; machine built from it. `sink` not owned.
  WorkloadContext(const WorkloadParams& params, const MachineDesc& machine, EventSink* sink);

  const WorkloadParams& params() const { return params_; }
  const MachineDesc& machine() const { return machine_; }
  PhysAllocator& allocator() { return allocator_; }
  Rng& rng() { return rng_; }

  bool done() const { return emitted_ >= params_.events || !status_.ok(); }
  const absl::Status& status() const { return status_; }
  uint64_t events_emitted() const { return emitted_; }
  uint64_t now_ns() const { return clock_ns_; }

  uint32_t NodeOfCpu(uint32_t cpu) const { return machine_.cpu_node[cpu]; }
  uint32_t RandomCpu() { return static_cast<uint32_t>(rng_.Uniform(machine_.num_cpus)); }
  uint32_t RandomCpuOfNode(uint32_t node) {
    const auto& cpus = machine_.nodes[node].cpus;
    return cpus[rng_.Uniform(cpus.size())];
  }

  // Writes the allocator's current state as the trace's initial snapshot.
  void EmitSnapshot();

  // Allocates on `node`, else (if `fallback`) on the other nodes in zonelist order
  // (node+1, node+2, ... wrapping), and emits the ALLOC. Returns the pfn or kNoPfn (nothing
  // emitted) if no node has room.
  uint64_t Alloc(uint32_t cpu, uint32_t node, uint32_t order, PhysAllocator::Placement placement,
                 const BlockInfo& info, bool fallback = true);
  // Takes exactly [pfn, pfn + 2^order) and emits the ALLOC. Returns false if not free.
  bool AllocAt(uint32_t cpu, uint64_t pfn, uint32_t order, const BlockInfo& info);
  // A user page fault that allocates the page mapping `address` (do_anonymous_page(),
  // filemap faults): allocates like Alloc(), then emits the FAULT (its pfn is the page of the
  // block that maps `address`, the block being 2^order pages aligned in virtual memory) and the
  // ALLOC. Returns the block's pfn, or kNoPfn with nothing emitted.
  uint64_t FaultAlloc(uint32_t cpu, uint64_t address, uint64_t ip, uint32_t error_code,
                      uint32_t node, uint32_t order, PhysAllocator::Placement placement,
                      const BlockInfo& info);
  void Free(uint32_t cpu, uint64_t pfn, uint32_t order, bool batched = false);
  void Fault(uint32_t cpu, uint64_t address, uint64_t ip, uint32_t error_code, uint64_t pfn);
  // One migrated folio: the MIGRATE event only (callers emit the dst ALLOC before and the src
  // FREE after, in the order migrate_pages() does them).
  void Migrate(uint32_t cpu, uint64_t src_pfn, uint64_t dst_pfn, uint32_t order,
               MigrateReason reason);
  // trace_mm_migrate_pages at the end of one migrate_pages() call; counts are in base pages
  // (nr_succeeded) and folios (nr_thp_*), as the tracepoint reports them.
  void MigrateBatch(uint32_t cpu, uint64_t nr_succeeded, uint64_t nr_failed,
                    uint64_t nr_thp_succeeded, uint32_t mode, MigrateReason reason);
  void CompactionScan(uint32_t cpu, ScannerKind scanner, uint64_t start_pfn, uint64_t end_pfn,
                      uint64_t nr_scanned, uint64_t nr_taken);
  void CompactionBegin(uint32_t cpu, uint64_t zone_start, uint64_t zone_end, uint64_t migrate_pfn,
                       uint64_t free_pfn, bool sync);
  void CompactionEnd(uint32_t cpu, uint64_t zone_start, uint64_t zone_end, uint64_t migrate_pfn,
                     uint64_t free_pfn, bool sync, int32_t status);

 private:
  void Emit(uint32_t cpu, Event& e);
  void EmitAlloc(uint32_t cpu, uint64_t pfn, uint32_t order, const BlockInfo& info);

  const WorkloadParams& params_;
  const MachineDesc& machine_;
  EventSink* sink_;
  PhysAllocator allocator_;
  Rng rng_;
  uint64_t clock_ns_ = 0;
  uint64_t gap_span_ns_;  // 2 * mean - 1
  uint64_t emitted_ = 0;
  absl::Status status_;
};

}  // namespace memsim::workload

#endif  // MEMSIM_SIM_WORKLOAD_WORKLOAD_CONTEXT_H_
