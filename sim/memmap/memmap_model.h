// MemmapModel: one design of the kernel's page metadata (64-byte struct page, 8-byte
// memdesc words + descriptors, ...). For each kernel operation the model is told what
// happened to physical memory (by mm::PhysMem, which decides *which* operations happen)
// and emits the exact metadata accesses the operation performs in that design (*which
// bytes* are touched) into a caller-owned AccessBuffer, while keeping its overhead
// accounting (static memmap, live descriptors, slab pages, HVO savings).
//
// Contract shared by every method:
// - REQUIRES: calls follow the PhysMem operations in order, each result passed right
//   after PhysMem produced it (the model keeps per-block state such as descriptor
//   addresses keyed by head pfn).
// - Accesses are appended to `out` (never cleared by the model).
// - Inconsistent input has already been repaired by PhysMem; a model never fails.
// Each implementation documents, per emitted access, the kernel code path it stands for;
// docs/memmap-models.md collects them.
#ifndef MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_H_
#define MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_H_

#include <cstdint>
#include <string_view>

#include "proto/trace.pb.h"
#include "sim/memmap/metadata_access.h"
#include "sim/memmap/overhead_tracker.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/phys_mem.h"

namespace memsim::memmap {

struct OpContext {
  uint64_t time_ns = 0;
  uint32_t cpu_node = 0;  // node index of the CPU doing the operation
  uint32_t cpu = 0;
};

struct ScanResult {
  uint64_t pages_examined = 0;    // pfns whose metadata was read (the kernel's nr_scanned)
  uint64_t descriptor_reads = 0;  // of which needed a descriptor read
};

struct IsolationResult {
  uint64_t pages = 0;   // pages of the blocks isolated
  uint64_t blocks = 0;  // folios (migrate scanner) or free buddy blocks (free scanner)
};

class MemmapModel {
 public:
  virtual ~MemmapModel() = default;

  // Registered name ("page64", "memdesc", ...).
  virtual std::string_view name() const = 0;
  // Bytes of per-page metadata (struct page or word).
  virtual uint32_t per_page_bytes() const = 0;

  // Takes over the blocks already allocated in `mem` (from the initial snapshot):
  // descriptors are allocated, HVO applied, no access emitted.
  virtual void Seed(const mm::PhysMem& mem, uint64_t time_ns) = 0;

  // Page allocation (mm_page_alloc): buddy split + metadata init of the new block.
  virtual void Alloc(const mm::AllocResult& op, const OpContext& ctx, AccessBuffer& out) = 0;
  // Page free (mm_page_free): metadata teardown + buddy merging.
  virtual void Free(const mm::FreeResult& op, const OpContext& ctx, AccessBuffer& out) = 0;
  // pfn -> owner (page fault on a mapped page, memory failure). `block` = PhysMem::Lookup.
  virtual void Lookup(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                      AccessBuffer& out) = 0;
  // Map or unmap one page of `block` into a page table: refcount + mapcount atomics.
  virtual void MapCount(const mm::BlockInfo& block, uint64_t pfn, const OpContext& ctx,
                        AccessBuffer& out) = 0;
  // Folio migration src -> dst (result of PhysMem::Migrate).
  virtual void Migrate(const mm::MigrateResult& op, const OpContext& ctx, AccessBuffer& out) = 0;
  // Compaction scanner over [start_pfn, end_pfn): reads per-page metadata, skipping by
  // order where the metadata allows (isolate_migratepages_block / isolate_freepages_block).
  virtual ScanResult CompactionScan(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                                    trace::ScannerKind scanner, const OpContext& ctx,
                                    AccessBuffer& out) = 0;

  // The isolation work of that scan (after its CompactionScan): the first blocks holding
  // nr_taken pages that the scanner takes (IsolationTargets). Migrate scanner: folio_try_get,
  // folio_test_clear_lru, the lruvec lock, list_del from the LRU; free scanner: zone->lock,
  // __isolate_free_page (del_page_from_free_list), set_page_private(order), list_add_tail.
  // PhysMem is not changed.
  virtual IsolationResult Isolate(const mm::PhysMem& mem, uint64_t start_pfn, uint64_t end_pfn,
                                  trace::ScannerKind scanner, uint64_t nr_taken,
                                  const OpContext& ctx, AccessBuffer& out) = 0;

  virtual const OverheadTracker& overhead() const = 0;
  // Closes the time-weighted means at time_ns (end of the trace).
  virtual void Finish(uint64_t time_ns) = 0;
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_H_
