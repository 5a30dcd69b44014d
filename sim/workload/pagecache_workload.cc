#include "sim/workload/pagecache_workload.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

// Default read_ahead_kb = 128: a readahead window of 32 pages.
constexpr uint64_t kReadaheadPages = 32;
// SWAP_CLUSTER_MAX: reclaim works in batches of 32 pages.
constexpr uint64_t kReclaimBatchPages = 32;

struct CachedFolio {
  uint64_t pfn;
  uint32_t order;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> PagecacheWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  WorkloadParams p = in;
  if (p.folio_order > kPageblockOrder) {
    return absl::InvalidArgumentError(
        absl::StrCat("--folio_order must be in [0, ", kPageblockOrder, "], got ", p.folio_order));
  }
  const uint64_t folio_bytes = kPageSizeBytes << p.folio_order;
  if (p.file_size_bytes == 0) return absl::InvalidArgumentError("--file_size must be positive");
  if (p.file_size_bytes % folio_bytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--file_size (", p.file_size_bytes, " bytes) must be a multiple of the folio size (",
        FormatByteSize(folio_bytes), " for --folio_order=", p.folio_order, ")"));
  }
  if (p.footprint_bytes == 0) p.footprint_bytes = p.total_mem_bytes() / 2;
  const uint64_t window_pages = std::max(kReadaheadPages, uint64_t{1} << p.folio_order);
  const uint64_t per_node_pages = p.footprint_bytes / kPageSizeBytes / p.nodes;
  if (per_node_pages < 2 * window_pages) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (the page-cache limit, ", FormatByteSize(p.footprint_bytes),
                     ") must give each node at least two readahead windows (",
                     FormatByteSize(2 * window_pages * kPageSizeBytes * p.nodes), " in all)"));
  }
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus));
  return std::unique_ptr<Workload>(new PagecacheWorkload(p, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> PagecacheWorkload::Attributes() const {
  return {{"footprint", FormatByteSize(params_.footprint_bytes)},
          {"file_size", FormatByteSize(params_.file_size_bytes)},
          {"folio_order", absl::StrCat(params_.folio_order)}};
}

absl::Status PagecacheWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  ctx.EmitSnapshot();

  const uint32_t order = params_.folio_order;
  const uint64_t folio_pages = uint64_t{1} << order;
  const uint64_t window_pages = std::max(kReadaheadPages, folio_pages);
  const uint64_t file_pages = params_.file_size_bytes / kPageSizeBytes;
  const uint64_t limit_pages = params_.footprint_bytes / kPageSizeBytes / machine_.nodes.size();
  BlockInfo info{trace::OWNER_FILE, kMigrateMovable, gfp::kReadahead};
  if (order > 0) info.gfp_flags |= trace::GFP_BIT_COMP;

  const size_t num_nodes = machine_.nodes.size();
  std::vector<std::deque<CachedFolio>> lru(num_nodes);  // inactive file LRU, oldest first
  std::vector<uint64_t> cached_pages(num_nodes, 0);
  std::vector<uint64_t> file_offset(machine_.num_cpus, 0);  // pages read of the current file

  // kswapd of `node` shrinks its LRU until `want_free` more pages fit under the limit.
  auto reclaim = [&](uint32_t node, uint64_t want_free) {
    const uint32_t kswapd_cpu = ctx.RandomCpuOfNode(node);
    while (cached_pages[node] + want_free > limit_pages && !lru[node].empty()) {
      uint64_t freed = 0;
      while (freed < kReclaimBatchPages && !lru[node].empty()) {
        CachedFolio f = lru[node].front();
        lru[node].pop_front();
        ctx.Free(kswapd_cpu, f.pfn, f.order, /*batched=*/f.order == 0);
        freed += uint64_t{1} << f.order;
      }
      cached_pages[node] -= freed;
    }
  };

  while (!ctx.done()) {
    const uint32_t cpu = ctx.RandomCpu();
    const uint32_t node = ctx.NodeOfCpu(cpu);
    const uint64_t batch = std::min(window_pages, file_pages - file_offset[cpu]);
    reclaim(node, batch);
    for (uint64_t done = 0; done < batch; done += folio_pages) {
      uint64_t pfn = ctx.Alloc(cpu, node, order, PhysAllocator::Placement::kLowest, info,
                               /*fallback=*/false);
      if (pfn == kNoPfn) {
        return absl::ResourceExhaustedError(
            absl::StrCat("pagecache: node ", node, " has no free order-", order,
                         " block under the page-cache limit; lower --footprint or --folio_order"));
      }
      lru[node].push_back({pfn, order});
      cached_pages[node] += folio_pages;
    }
    file_offset[cpu] += batch;
    if (file_offset[cpu] == file_pages) file_offset[cpu] = 0;  // on to the next file
  }
  return ctx.status();
}

}  // namespace memsim::workload
