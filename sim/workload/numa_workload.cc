#include "sim/workload/numa_workload.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

constexpr uint64_t kMmapTop = 0x7f0000000000;
constexpr uint64_t kTextBase = 0x55d4a0000000;
// Pages one task_numa_work() pass marks: numa_balancing_scan_size_mb = 256 MiB by default.
constexpr uint64_t kScanWindowPages = (uint64_t{256} << 20) / kPageSizeBytes;
// Share of actions in which a task unmaps one of its pages and faults a new one.
constexpr double kChurnShare = 0.2;

struct UserPage {
  uint64_t address;  // virtual address of the folio's first byte
  uint64_t pfn;
  uint32_t order;
};

struct Task {
  uint32_t cpu = 0;
  std::vector<UserPage> pages;
  uint64_t next_address = 0;
  uint64_t scan_cursor = 0;     // next page index task_numa_work() marks
  uint64_t scan_remaining = 0;  // hinting faults left in this epoch's window
};

const BlockInfo kAnonPage{trace::OWNER_ANON, kMigrateMovable, gfp::kAnonPage};
const BlockInfo kAnonThp{trace::OWNER_ANON, kMigrateMovable, gfp::kTransHugeLight};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> NumaWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  if (in.nodes < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("numa needs --nodes >= 2 to migrate between nodes, got ", in.nodes));
  }
  RETURN_IF_ERROR(CheckFraction(in.imbalance, 0.0, 1.0, "--imbalance"));
  RETURN_IF_ERROR(CheckFraction(in.thp_share, 0.0, 1.0, "--thp_share"));
  WorkloadParams p = in;
  if (p.footprint_bytes == 0) p.footprint_bytes = p.total_mem_bytes() / 4;
  // The balancer may gather every task's memory on one node.
  if (p.footprint_bytes > p.node_mem_bytes * 3 / 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (", FormatByteSize(p.footprint_bytes),
                     ") must fit in 3/4 of one node (--node_mem ", FormatByteSize(p.node_mem_bytes),
                     "): NUMA balancing can pull all of it onto one node"));
  }
  uint64_t min_bytes = uint64_t{p.cpus} * (kPageSizeBytes << kPageblockOrder);
  if (p.footprint_bytes < min_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (", FormatByteSize(p.footprint_bytes), ") must give each of the ",
                     p.cpus, " tasks at least 2MiB (", FormatByteSize(min_bytes), " in all)"));
  }
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus));
  return std::unique_ptr<Workload>(new NumaWorkload(p, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> NumaWorkload::Attributes() const {
  return {{"footprint", FormatByteSize(params_.footprint_bytes)},
          {"imbalance", absl::StrCat(params_.imbalance)},
          {"thp_share", absl::StrCat(params_.thp_share)}};
}

absl::Status NumaWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  Rng& rng = ctx.rng();
  PhysAllocator& alloc = ctx.allocator();
  const uint32_t num_tasks = machine_.num_cpus;
  const uint64_t thp_pages = uint64_t{1} << kPageblockOrder;

  // Before the trace starts every task has faulted its share on its home node: that memory is
  // the snapshot, not events (the recording began with the tasks already running).
  std::vector<Task> tasks(num_tasks);
  const uint64_t task_pages = params_.footprint_bytes / kPageSizeBytes / num_tasks;
  for (uint32_t t = 0; t < num_tasks; ++t) {
    Task& task = tasks[t];
    task.cpu = t;
    task.next_address = kMmapTop;
    const uint32_t node = ctx.NodeOfCpu(t);
    uint64_t pages = 0;
    while (pages < task_pages) {
      bool thp = pages + thp_pages <= task_pages && rng.Bernoulli(params_.thp_share);
      uint64_t chunk = thp ? thp_pages : std::min(thp_pages, task_pages - pages);
      task.next_address -= thp_pages * kPageSizeBytes;  // one 2 MiB region at a time
      for (uint64_t i = 0; i < chunk; i += thp ? thp_pages : 1) {
        uint32_t order = thp ? kPageblockOrder : 0;
        uint64_t pfn = alloc.Allocate(node, order, PhysAllocator::Placement::kLowest,
                                      thp ? kAnonThp : kAnonPage);
        if (pfn == kNoPfn) return absl::InternalError("numa: initial placement does not fit");
        task.pages.push_back({task.next_address + i * kPageSizeBytes, pfn, order});
      }
      pages += chunk;
    }
  }
  ctx.EmitSnapshot();

  auto task_node = [&](const Task& t) { return ctx.NodeOfCpu(t.cpu); };
  auto start_epoch = [&]() {
    // The load balancer moves tasks across nodes: swap the CPUs of pairs on different nodes.
    uint64_t swaps = static_cast<uint64_t>(std::ceil(params_.imbalance * num_tasks / 2.0));
    for (uint64_t s = 0; s < swaps; ++s) {
      Task& a = tasks[rng.Uniform(num_tasks)];
      for (int attempt = 0; attempt < 16; ++attempt) {
        Task& b = tasks[rng.Uniform(num_tasks)];
        if (task_node(a) != task_node(b)) {
          std::swap(a.cpu, b.cpu);
          break;
        }
      }
    }
    for (Task& t : tasks) t.scan_remaining = std::min<uint64_t>(kScanWindowPages, t.pages.size());
  };
  start_epoch();
  std::vector<uint32_t> scanning;  // tasks with hinting faults left this epoch

  while (!ctx.done()) {
    scanning.clear();
    for (uint32_t t = 0; t < num_tasks; ++t) {
      if (tasks[t].scan_remaining > 0) scanning.push_back(t);
    }
    if (scanning.empty()) {
      start_epoch();
      continue;
    }
    Task& task = tasks[scanning[rng.Uniform(scanning.size())]];
    const uint32_t cpu = task.cpu;
    const uint32_t node = task_node(task);
    const uint64_t ip = kTextBase + uint64_t{cpu} * 0x1000 + 0x2c8;

    if (rng.Bernoulli(kChurnShare)) {
      // munmap() of one page (or THP) and a fresh fault elsewhere, on the task's node.
      size_t victim = rng.Uniform(task.pages.size());
      UserPage old = task.pages[victim];
      ctx.Free(cpu, old.pfn, old.order);
      bool thp = old.order > 0;
      task.next_address -= thp_pages * kPageSizeBytes;
      uint64_t address = task.next_address + (rng.Uniform(512) << 3);
      uint32_t order = thp ? kPageblockOrder : 0;
      uint64_t pfn = ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, node, order,
                                    PhysAllocator::Placement::kLowest, thp ? kAnonThp : kAnonPage);
      if (pfn == kNoPfn && thp) {
        order = 0;
        pfn = ctx.FaultAlloc(cpu, address, ip, kPfUser | kPfWrite, node, 0,
                             PhysAllocator::Placement::kLowest, kAnonPage);
      }
      if (pfn == kNoPfn) return absl::ResourceExhaustedError("numa: out of memory");
      task.pages[victim] = {task.next_address, pfn, order};
      continue;
    }

    // One NUMA hinting fault: the PTE is present but PROT_NONE.
    --task.scan_remaining;
    UserPage& page = task.pages[task.scan_cursor];
    task.scan_cursor = (task.scan_cursor + 1) % task.pages.size();
    uint64_t offset = rng.Uniform((kPageSizeBytes << page.order) / 8) * 8;
    uint32_t error_code = kPfUser | kPfProt | (rng.Bernoulli(0.5) ? kPfWrite : 0);
    ctx.Fault(cpu, page.address + offset, ip, error_code, page.pfn + offset / kPageSizeBytes);
    const uint32_t page_node = machine_.NodeOfPfn(page.pfn);
    if (page_node == node) continue;
    // migrate_misplaced_folio(): dst on the task's node only (__GFP_THISNODE); if the node
    // has no room the folio stays where it is (no migrate_pages() call, no events).
    const LiveBlock* src = alloc.FindLive(page.pfn);
    BlockInfo dst_info = src->info;
    dst_info.gfp_flags = page.order > 0 ? gfp::kMisplacedDstThp : gfp::kMisplacedDst;
    uint64_t dst = ctx.Alloc(cpu, node, page.order, PhysAllocator::Placement::kLowest, dst_info,
                             /*fallback=*/false);
    if (dst == kNoPfn) continue;
    ctx.Migrate(cpu, page.pfn, dst, page.order, trace::MR_NUMA_MISPLACED);
    ctx.Free(cpu, page.pfn, page.order);
    ctx.MigrateBatch(cpu, uint64_t{1} << page.order, 0, page.order > 0 ? 1 : 0, kMigrateAsync,
                     trace::MR_NUMA_MISPLACED);
    page.pfn = dst;
  }
  return ctx.status();
}

}  // namespace memsim::workload
