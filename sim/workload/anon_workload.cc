#include "sim/workload/anon_workload.h"

#include <deque>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

constexpr uint64_t kRegionPages = uint64_t{1} << kPageblockOrder;  // one PMD: 2 MiB
constexpr uint64_t kRegionBytes = kRegionPages * kPageSizeBytes;
// mmap() places mappings top-down below the stack; each task's regions grow down from here.
constexpr uint64_t kMmapTop = 0x7f0000000000;
constexpr uint64_t kTextBase = 0x55d4a0000000;  // where each task's memset() loop lives

// One 2 MiB-aligned anonymous region of one task.
struct Region {
  uint32_t cpu = 0;
  uint64_t base = 0;
  bool thp = false;            // backed by one order-9 folio
  uint32_t faulted = 0;        // pages mapped so far (4 KiB regions)
  std::vector<uint64_t> pfns;  // order-0 pages, in fault order (4 KiB regions)
  uint64_t thp_pfn = kNoPfn;
};

const BlockInfo kAnonPage{trace::OWNER_ANON, kMigrateMovable, gfp::kAnonPage};
const BlockInfo kAnonThp{trace::OWNER_ANON, kMigrateMovable, gfp::kTransHugeLight};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> AnonWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  RETURN_IF_ERROR(CheckFraction(in.thp_share, 0.0, 1.0, "--thp_share"));
  WorkloadParams p = in;
  if (p.footprint_bytes == 0) p.footprint_bytes = p.total_mem_bytes() / 4;
  if (p.footprint_bytes < kRegionBytes) {
    return absl::InvalidArgumentError(absl::StrCat("--footprint (",
                                                   FormatByteSize(p.footprint_bytes),
                                                   ") must be at least 2MiB (one region)"));
  }
  // Each CPU may have one region half faulted on top of the footprint.
  uint64_t peak = p.footprint_bytes + uint64_t{p.cpus} * kRegionBytes;
  if (peak > p.total_mem_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--footprint (", FormatByteSize(p.footprint_bytes), ") plus one 2MiB region per CPU (",
        p.cpus, ") is more memory than the machine has (", FormatByteSize(p.total_mem_bytes()),
        ")"));
  }
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus));
  return std::unique_ptr<Workload>(new AnonWorkload(p, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> AnonWorkload::Attributes() const {
  return {{"footprint", FormatByteSize(params_.footprint_bytes)},
          {"thp_share", absl::StrCat(params_.thp_share)}};
}

absl::Status AnonWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  Rng& rng = ctx.rng();
  ctx.EmitSnapshot();

  const uint32_t cpus = machine_.num_cpus;
  std::vector<Region> current(cpus);  // the region each task is faulting in
  std::vector<bool> has_current(cpus, false);
  std::vector<uint64_t> next_base(cpus, kMmapTop);
  std::deque<Region> mapped;  // fully faulted regions, oldest first
  uint64_t live_bytes = 0;    // mapped + in progress, counted per started region

  auto unmap_oldest = [&]() {
    Region r = std::move(mapped.front());
    mapped.pop_front();
    if (r.thp) {
      ctx.Free(r.cpu, r.thp_pfn, kPageblockOrder);
    } else {
      // zap_pte_range() gathers the pages; free_unref_folios() frees them as a batch.
      for (uint64_t pfn : r.pfns) ctx.Free(r.cpu, pfn, 0, /*batched=*/true);
    }
    live_bytes -= kRegionBytes;
  };

  while (!ctx.done()) {
    const uint32_t cpu = ctx.RandomCpu();
    const uint32_t node = ctx.NodeOfCpu(cpu);
    const uint64_t ip = kTextBase + uint64_t{cpu} * 0x1000 + 0x1a4;
    if (!has_current[cpu]) {
      while (live_bytes + kRegionBytes > params_.footprint_bytes && !mapped.empty()) {
        unmap_oldest();
      }
      Region& r = current[cpu];
      r = Region{};
      r.cpu = cpu;
      next_base[cpu] -= kRegionBytes;
      r.base = next_base[cpu];
      r.thp = rng.Bernoulli(params_.thp_share);
      has_current[cpu] = true;
      live_bytes += kRegionBytes;
    }
    Region& r = current[cpu];
    // The first touch of each page writes (memset-like); the byte offset inside the page is
    // random, 8-byte aligned.
    uint64_t page_index = r.thp ? 0 : r.faulted;
    uint64_t address = r.base + page_index * kPageSizeBytes + (rng.Uniform(512) << 3);
    const uint32_t error_code = kPfUser | kPfWrite;
    if (r.thp) {
      r.thp_pfn = ctx.FaultAlloc(cpu, address, ip, error_code, node, kPageblockOrder,
                                 PhysAllocator::Placement::kLowest, kAnonThp);
      if (r.thp_pfn != kNoPfn) {
        mapped.push_back(std::move(r));
        has_current[cpu] = false;
        continue;
      }
      // No free 2 MiB block anywhere: the THP fault falls back to base pages.
      r.thp = false;
      r.pfns.reserve(kRegionPages);
    }
    uint64_t pfn = ctx.FaultAlloc(cpu, address, ip, error_code, node, 0,
                                  PhysAllocator::Placement::kLowest, kAnonPage);
    if (pfn == kNoPfn) {
      // Memory is full of in-progress regions: reclaim the oldest mapped one and retry.
      if (mapped.empty()) {
        return absl::ResourceExhaustedError("anon: out of memory with nothing to unmap");
      }
      unmap_oldest();
      continue;
    }
    r.pfns.push_back(pfn);
    if (++r.faulted == kRegionPages) {
      mapped.push_back(std::move(r));
      has_current[cpu] = false;
    }
  }
  return ctx.status();
}

}  // namespace memsim::workload
