#include "sim/workload/tiering_workload.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

constexpr uint64_t kMmapTop = 0x7f0000000000;
constexpr uint64_t kTextBase = 0x55d4a0000000;
// SWAP_CLUSTER_MAX: folios shrink_folio_list() gathers per round, so per demote_folio_list().
constexpr uint32_t kDemoteBatch = 32;
// Shares of a task's actions: unmap one page and fault a new one; a hot page cools while a
// cold one warms; the rest touch a page (kColdTouchShare of them a cold one).
constexpr double kChurnShare = 0.05;
constexpr double kDriftShare = 0.05;
constexpr double kColdTouchShare = 0.1;
// Random picks before giving up on finding a page of a kind (hot, cold, cold on DRAM).
constexpr int kPickTries = 64;

// demote_folio_list() (mm/vmscan.c): (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_NOWARN |
// __GFP_NOMEMALLOC | GFP_NOWAIT, first tried on the target node alone (alloc_demote_folio()
// adds __GFP_THISNODE); large folios add __GFP_COMP.
constexpr uint64_t kDemoteDst = (gfp::kHighUserMovable & ~gfp::kReclaim) | trace::GFP_BIT_NOWARN |
                                trace::GFP_BIT_NOMEMALLOC | trace::GFP_BIT_KSWAPD_RECLAIM |
                                trace::GFP_BIT_THISNODE;

const BlockInfo kAnonPage{trace::OWNER_ANON, kMigrateMovable, gfp::kAnonPage};
const BlockInfo kAnonThp{trace::OWNER_ANON, kMigrateMovable, gfp::kTransHugeLight};

struct UserPage {
  uint64_t address;  // virtual address of the folio's first byte
  uint64_t pfn;
  uint32_t order;
  bool hot;
  bool on_cxl;
};

struct Task {
  uint32_t cpu = 0;
  uint32_t node = 0;
  std::vector<UserPage> pages;
  uint64_t next_address = kMmapTop;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> TieringWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  if (in.cxl_mem_bytes == 0) {
    return absl::InvalidArgumentError(
        "tiering needs --cxl_mem: the CPU-less (CXL) node cold pages are demoted to");
  }
  RETURN_IF_ERROR(CheckFraction(in.thp_share, 0.0, 1.0, "--thp_share"));
  if (!(in.hot_share > 0.0 && in.hot_share < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--hot_share must be in (0, 1), got ", in.hot_share));
  }
  RETURN_IF_ERROR(CheckFraction(in.demote_watermark, 0.05, 0.95, "--demote_watermark"));
  if (in.demote_watermark <= in.hot_share) {
    return absl::InvalidArgumentError(absl::StrCat("--demote_watermark (", in.demote_watermark,
                                                   ") must be above --hot_share (", in.hot_share,
                                                   "): the hot pages must fit in DRAM"));
  }
  WorkloadParams p = in;
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus));
  RETURN_IF_ERROR(machine.AddCpuLessNode(p.cxl_mem_bytes));
  const uint64_t dram_bytes = p.total_mem_bytes();
  if (p.footprint_bytes == 0) p.footprint_bytes = dram_bytes / 16;
  const uint64_t min_bytes = uint64_t{p.cpus} * (kPageSizeBytes << kPageblockOrder);
  if (p.footprint_bytes < min_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (", FormatByteSize(p.footprint_bytes), ") must give each of the ",
                     p.cpus, " tasks at least 2MiB (", FormatByteSize(min_bytes), " in all)"));
  }
  // The DRAM part of the busiest node, and the cold rest, with room for fragmentation.
  if (p.footprint_bytes * p.demote_watermark > 0.75 * static_cast<double>(dram_bytes) ||
      p.footprint_bytes * (1.0 - p.demote_watermark) >
          0.75 * static_cast<double>(p.cxl_mem_bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (", FormatByteSize(p.footprint_bytes),
                     ") must fit: --demote_watermark of it in 3/4 of the DRAM nodes (",
                     FormatByteSize(dram_bytes), ") and the rest in 3/4 of --cxl_mem (",
                     FormatByteSize(p.cxl_mem_bytes), ")"));
  }
  return std::unique_ptr<Workload>(new TieringWorkload(p, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> TieringWorkload::Attributes() const {
  return {{"cxl_mem", FormatByteSize(params_.cxl_mem_bytes)},
          {"footprint", FormatByteSize(params_.footprint_bytes)},
          {"hot_share", absl::StrCat(params_.hot_share)},
          {"demote_watermark", absl::StrCat(params_.demote_watermark)},
          {"thp_share", absl::StrCat(params_.thp_share)}};
}

absl::Status TieringWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  Rng& rng = ctx.rng();
  PhysAllocator& alloc = ctx.allocator();
  const uint32_t num_tasks = machine_.num_cpus;
  const uint32_t cxl = static_cast<uint32_t>(machine_.nodes.size() - 1);
  const uint32_t dram_nodes = cxl;
  const uint64_t thp_pages = uint64_t{1} << kPageblockOrder;

  std::vector<Task> tasks(num_tasks);
  std::vector<std::vector<uint32_t>> node_tasks(dram_nodes);
  const uint64_t task_pages = params_.footprint_bytes / kPageSizeBytes / num_tasks;
  for (uint32_t t = 0; t < num_tasks; ++t) {
    tasks[t].cpu = t;
    tasks[t].node = ctx.NodeOfCpu(t);
    node_tasks[tasks[t].node].push_back(t);
  }
  // A DRAM node may hold demote_watermark of its tasks' pages before kswapd demotes.
  std::vector<uint64_t> budget(dram_nodes, 0), dram_used(dram_nodes, 0);
  for (uint32_t n = 0; n < dram_nodes; ++n) {
    budget[n] = static_cast<uint64_t>(params_.demote_watermark *
                                      static_cast<double>(task_pages * node_tasks[n].size()));
  }

  // The steady state the trace starts in: hot pages on the task's node, then the cold ones
  // there up to the watermark (round robin over the tasks), the rest on the CXL node.
  const uint64_t hot_pages = static_cast<uint64_t>(params_.hot_share * task_pages);
  auto place = [&](Task& task, uint64_t want, bool hot, uint64_t* placed) -> absl::Status {
    const bool thp = want >= thp_pages && rng.Bernoulli(params_.thp_share);
    const uint64_t chunk = thp ? thp_pages : std::min(thp_pages, want);
    task.next_address -= thp_pages * kPageSizeBytes;  // one 2 MiB region at a time
    for (uint64_t i = 0; i < chunk; i += thp ? thp_pages : 1) {
      const uint32_t order = thp ? kPageblockOrder : 0;
      const uint64_t pages = uint64_t{1} << order;
      const bool dram = dram_used[task.node] + pages <= budget[task.node] || hot;
      uint64_t pfn = alloc.Allocate(dram ? task.node : cxl, order,
                                    PhysAllocator::Placement::kLowest, thp ? kAnonThp : kAnonPage);
      if (pfn == kNoPfn) return absl::InternalError("tiering: initial placement does not fit");
      if (dram) dram_used[task.node] += pages;
      task.pages.push_back({task.next_address + i * kPageSizeBytes, pfn, order, hot, !dram});
    }
    *placed += chunk;
    return absl::OkStatus();
  };
  for (Task& task : tasks) {
    for (uint64_t placed = 0; placed < hot_pages;) {
      RETURN_IF_ERROR(place(task, hot_pages - placed, true, &placed));
    }
  }
  std::vector<uint64_t> cold_placed(num_tasks, 0);
  for (bool more = true; more;) {
    more = false;
    for (uint32_t t = 0; t < num_tasks; ++t) {
      const uint64_t want = task_pages - hot_pages - cold_placed[t];
      if (want == 0) continue;
      RETURN_IF_ERROR(place(tasks[t], want, false, &cold_placed[t]));
      more = true;
    }
  }
  // Only the allocated memory is described: free memory stays unknown, so that a replay
  // extrapolates the mix to the whole machine (docs/workloads.md).
  for (const SnapshotRun& run : alloc.SnapshotRuns()) {
    if (run.owner == trace::OWNER_FREE) continue;
    RETURN_IF_ERROR(sink->AddSnapshotRun(run));
  }

  auto pick = [&](Task& task, auto&& ok) -> UserPage* {
    for (int i = 0; i < kPickTries; ++i) {
      UserPage& p = task.pages[rng.Uniform(task.pages.size())];
      if (ok(p)) return &p;
    }
    return nullptr;
  };
  // One migrate_pages() call moving `page` to `node` (dst ALLOC, MIGRATE, src FREE).
  auto migrate = [&](uint32_t cpu, UserPage& page, uint32_t node, uint64_t gfp,
                     MigrateReason reason) -> bool {
    BlockInfo info = alloc.FindLive(page.pfn)->info;
    info.gfp_flags = gfp | (page.order > 0 ? trace::GFP_BIT_COMP : 0);
    const uint64_t dst = ctx.Alloc(cpu, node, page.order, PhysAllocator::Placement::kLowest, info,
                                   /*fallback=*/false);
    if (dst == kNoPfn) return false;
    ctx.Migrate(cpu, page.pfn, dst, page.order, reason);
    ctx.Free(cpu, page.pfn, page.order);
    page.pfn = dst;
    return true;
  };
  // kswapd of a DRAM node above its watermark: batches of cold folios to the CXL node.
  auto demote = [&](uint32_t node) {
    while (dram_used[node] > budget[node] && !ctx.done()) {
      const uint32_t kswapd_cpu = ctx.RandomCpuOfNode(node);
      uint64_t pages = 0, thps = 0;
      for (uint32_t f = 0; f < kDemoteBatch && dram_used[node] > budget[node]; ++f) {
        Task& owner = tasks[node_tasks[node][rng.Uniform(node_tasks[node].size())]];
        UserPage* p = pick(owner, [](const UserPage& u) { return !u.hot && !u.on_cxl; });
        if (p == nullptr || !migrate(kswapd_cpu, *p, cxl, kDemoteDst, trace::MR_DEMOTION)) break;
        p->on_cxl = true;
        dram_used[node] -= uint64_t{1} << p->order;
        pages += uint64_t{1} << p->order;
        thps += p->order > 0 ? 1 : 0;
      }
      if (pages == 0) return;  // nothing cold left to demote, or the CXL node is full
      ctx.MigrateBatch(kswapd_cpu, pages, 0, thps, kMigrateAsync, trace::MR_DEMOTION);
    }
  };

  while (!ctx.done()) {
    Task& task = tasks[rng.Uniform(num_tasks)];
    const uint32_t cpu = task.cpu;
    const uint64_t ip = kTextBase + uint64_t{cpu} * 0x1000 + 0x3a4;
    const double r = rng.UniformDouble();
    if (r < kChurnShare) {
      // munmap() of one folio and a fresh fault on the task's node, as hot as the old one.
      UserPage& page = task.pages[rng.Uniform(task.pages.size())];
      ctx.Free(cpu, page.pfn, page.order);
      if (!page.on_cxl) dram_used[task.node] -= uint64_t{1} << page.order;
      task.next_address -= thp_pages * kPageSizeBytes;
      const uint64_t address = task.next_address + (rng.Uniform(512) << 3);
      uint32_t order = page.order;
      uint64_t pfn =
          ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, task.node, order,
                         PhysAllocator::Placement::kLowest, order > 0 ? kAnonThp : kAnonPage);
      if (pfn == kNoPfn && order > 0) {
        order = 0;
        pfn = ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, task.node, 0,
                             PhysAllocator::Placement::kLowest, kAnonPage);
      }
      if (pfn == kNoPfn) return absl::ResourceExhaustedError("tiering: out of memory");
      const bool on_cxl = machine_.NodeOfPfn(pfn) == cxl;
      page = {task.next_address, pfn, order, page.hot, on_cxl};
      if (!on_cxl) dram_used[task.node] += uint64_t{1} << order;
    } else if (r < kChurnShare + kDriftShare) {
      // The working set moves: a hot page cools, a cold one warms.
      UserPage* hot = pick(task, [](const UserPage& u) { return u.hot; });
      UserPage* cold = pick(task, [](const UserPage& u) { return !u.hot; });
      if (hot != nullptr && cold != nullptr) {
        hot->hot = false;
        cold->hot = true;
      }
    } else {
      // A touch. Only pages off the top tier are unmapped for NUMA hinting faults.
      const bool want_hot = !rng.Bernoulli(kColdTouchShare);
      UserPage* page = pick(task, [&](const UserPage& u) { return u.hot == want_hot; });
      if (page == nullptr || !page->on_cxl) continue;
      const uint64_t offset = rng.Uniform((kPageSizeBytes << page->order) / 8) * 8;
      const uint32_t error_code = kPfUser | kPfProt | (rng.Bernoulli(0.5) ? kPfWrite : 0);
      ctx.Fault(cpu, page->address + offset, ip, error_code, page->pfn + offset / kPageSizeBytes);
      // A cold page fails the hot-page threshold (should_numa_migrate_memory()) and stays.
      if (!page->hot) continue;
      const uint64_t gfp = page->order > 0 ? gfp::kMisplacedDstThp : gfp::kMisplacedDst;
      if (!migrate(cpu, *page, task.node, gfp, trace::MR_NUMA_MISPLACED)) continue;
      page->on_cxl = false;
      dram_used[task.node] += uint64_t{1} << page->order;
      ctx.MigrateBatch(cpu, uint64_t{1} << page->order, 0, page->order > 0 ? 1 : 0, kMigrateAsync,
                       trace::MR_NUMA_MISPLACED);
    }
    demote(task.node);
  }
  return ctx.status();
}

}  // namespace memsim::workload
