#include "sim/workload/workload_context.h"

namespace memsim::workload {

WorkloadContext::WorkloadContext(const WorkloadParams& params, const MachineDesc& machine,
                                 EventSink* sink)
    : params_(params),
      machine_(machine),
      sink_(sink),
      allocator_(machine),
      rng_(params.seed),
      gap_span_ns_(2 * params.MeanEventGapNs() - 1) {}

void WorkloadContext::Emit(uint32_t cpu, Event& e) {
  if (!status_.ok()) return;
  clock_ns_ += 1 + rng_.Uniform(gap_span_ns_);
  e.time_ns = clock_ns_;
  e.cpu = cpu;
  status_ = sink_->Add(e);
  ++emitted_;
}

void WorkloadContext::EmitSnapshot() {
  for (const SnapshotRun& run : allocator_.SnapshotRuns()) {
    if (!status_.ok()) return;
    status_ = sink_->AddSnapshotRun(run);
  }
}

void WorkloadContext::EmitAlloc(uint32_t cpu, uint64_t pfn, uint32_t order, const BlockInfo& info) {
  Event e;
  e.kind = trace::EVENT_ALLOC;
  e.pfn = pfn;
  e.order = order;
  e.migratetype = info.migratetype;
  e.gfp_flags = info.gfp_flags;
  e.owner = info.owner;
  Emit(cpu, e);
}

uint64_t WorkloadContext::Alloc(uint32_t cpu, uint32_t node, uint32_t order,
                                PhysAllocator::Placement placement, const BlockInfo& info,
                                bool fallback) {
  const uint32_t n = static_cast<uint32_t>(machine_.nodes.size());
  for (uint32_t i = 0; i < (fallback ? n : 1); ++i) {
    uint64_t pfn = allocator_.Allocate((node + i) % n, order, placement, info);
    if (pfn != kNoPfn) {
      EmitAlloc(cpu, pfn, order, info);
      return pfn;
    }
  }
  return kNoPfn;
}

uint64_t WorkloadContext::FaultAlloc(uint32_t cpu, uint64_t address, uint64_t ip,
                                     uint32_t error_code, uint32_t node, uint32_t order,
                                     PhysAllocator::Placement placement, const BlockInfo& info) {
  const uint32_t n = static_cast<uint32_t>(machine_.nodes.size());
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t pfn = allocator_.Allocate((node + i) % n, order, placement, info);
    if (pfn == kNoPfn) continue;
    uint64_t page_in_block = (address / kPageSizeBytes) & ((uint64_t{1} << order) - 1);
    Fault(cpu, address, ip, error_code, pfn + page_in_block);
    EmitAlloc(cpu, pfn, order, info);
    return pfn;
  }
  return kNoPfn;
}

bool WorkloadContext::AllocAt(uint32_t cpu, uint64_t pfn, uint32_t order, const BlockInfo& info) {
  if (!allocator_.AllocateAt(pfn, order, info)) return false;
  EmitAlloc(cpu, pfn, order, info);
  return true;
}

void WorkloadContext::Free(uint32_t cpu, uint64_t pfn, uint32_t order, bool batched) {
  allocator_.Free(pfn, order);
  Event e;
  e.kind = trace::EVENT_FREE;
  e.pfn = pfn;
  e.order = order;
  e.batched = batched;
  Emit(cpu, e);
}

void WorkloadContext::Fault(uint32_t cpu, uint64_t address, uint64_t ip, uint32_t error_code,
                            uint64_t pfn) {
  Event e;
  e.kind = trace::EVENT_FAULT;
  e.address = address;
  e.ip = ip;
  e.error_code = error_code;
  e.pfn = pfn;
  Emit(cpu, e);
}

void WorkloadContext::Migrate(uint32_t cpu, uint64_t src_pfn, uint64_t dst_pfn, uint32_t order,
                              MigrateReason reason) {
  Event e;
  e.kind = trace::EVENT_MIGRATE;
  e.pfn = src_pfn;
  e.end_pfn = dst_pfn;
  e.order = order;
  e.reason = reason;
  Emit(cpu, e);
}

void WorkloadContext::MigrateBatch(uint32_t cpu, uint64_t nr_succeeded, uint64_t nr_failed,
                                   uint64_t nr_thp_succeeded, uint32_t mode, MigrateReason reason) {
  Event e;
  e.kind = trace::EVENT_MIGRATE_BATCH;
  e.nr_succeeded = nr_succeeded;
  e.nr_failed = nr_failed;
  e.nr_thp_succeeded = nr_thp_succeeded;
  e.mode = mode;
  e.reason = reason;
  Emit(cpu, e);
}

void WorkloadContext::CompactionScan(uint32_t cpu, ScannerKind scanner, uint64_t start_pfn,
                                     uint64_t end_pfn, uint64_t nr_scanned, uint64_t nr_taken) {
  Event e;
  e.kind = trace::EVENT_COMPACTION_SCAN;
  e.scanner = scanner;
  e.pfn = start_pfn;
  e.end_pfn = end_pfn;
  e.nr_scanned = nr_scanned;
  e.nr_taken = nr_taken;
  Emit(cpu, e);
}

void WorkloadContext::CompactionBegin(uint32_t cpu, uint64_t zone_start, uint64_t zone_end,
                                      uint64_t migrate_pfn, uint64_t free_pfn, bool sync) {
  Event e;
  e.kind = trace::EVENT_COMPACTION;
  e.compaction_end = false;
  e.zone_start = zone_start;
  e.zone_end = zone_end;
  e.migrate_pfn = migrate_pfn;
  e.free_pfn = free_pfn;
  e.sync = sync;
  Emit(cpu, e);
}

void WorkloadContext::CompactionEnd(uint32_t cpu, uint64_t zone_start, uint64_t zone_end,
                                    uint64_t migrate_pfn, uint64_t free_pfn, bool sync,
                                    int32_t status) {
  Event e;
  e.kind = trace::EVENT_COMPACTION;
  e.compaction_end = true;
  e.zone_start = zone_start;
  e.zone_end = zone_end;
  e.migrate_pfn = migrate_pfn;
  e.free_pfn = free_pfn;
  e.sync = sync;
  e.status = status;
  Emit(cpu, e);
}

}  // namespace memsim::workload
