#include "sim/workload/slab_workload.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"
#include "sim/workload/gfp.h"
#include "sim/workload/workload_context.h"

namespace memsim::workload {

namespace {

// SLUB's kmem_cache->min_partial is clamped to [5, 10] (MIN_PARTIAL, MAX_PARTIAL).
constexpr size_t kMinPartial = 5;
constexpr uint32_t kDead = ~uint32_t{0};

struct Slab {
  uint64_t pfn = kNoPfn;
  uint32_t inuse = 0;
  uint32_t partial_index = kDead;  // position in its partial list, kDead if full
};

// Live objects of one cache on one node in allocation order (each entry: its slab id).
// Frees of random objects leave kDead holes that the oldest-first frees skip.
struct ObjectQueue {
  std::vector<uint32_t> slab_of;
  size_t head = 0;
  size_t live = 0;

  void Push(uint32_t slab) {
    slab_of.push_back(slab);
    ++live;
  }
  uint32_t PopOldest() {
    while (slab_of[head] == kDead) ++head;
    uint32_t s = slab_of[head];
    slab_of[head++] = kDead;
    --live;
    Compact();
    return s;
  }
  uint32_t PopRandom(Rng& rng) {
    // Rejection sampling: Compact() keeps at least about half the window alive, so this takes
    // two draws on average (probing forward instead would crawl through the long dead runs
    // that random frees leave among the oldest objects).
    size_t i;
    do {
      i = head + rng.Uniform(slab_of.size() - head);
    } while (slab_of[i] == kDead);
    uint32_t s = slab_of[i];
    slab_of[i] = kDead;
    --live;
    Compact();
    return s;
  }
  // Keeps dead entries at most about half the window, so that a random pick finds a live
  // object within two probes on average, and drops the consumed prefix.
  void Compact() {
    while (head < slab_of.size() && slab_of[head] == kDead) ++head;
    const size_t window = slab_of.size() - head;
    if (window - live > live + 64) {
      size_t out = 0;
      for (size_t i = head; i < slab_of.size(); ++i) {
        if (slab_of[i] != kDead) slab_of[out++] = slab_of[i];
      }
      slab_of.resize(out);
      head = 0;
    } else if (head > 4096 && head * 2 > slab_of.size()) {
      slab_of.erase(slab_of.begin(), slab_of.begin() + static_cast<ptrdiff_t>(head));
      head = 0;
    }
  }
};

struct CacheNode {
  std::vector<uint32_t> partial;  // slabs with a free object (empty ones included)
  ObjectQueue objects;
  bool shrinking = false;  // in a shrink phase (memory pressure) rather than a growth phase
};

// Growth phases run up to the cache's target; shrink phases (a shrinker or a burst of frees
// after a file tree walk) run down to this share of it. A random walk around a fixed target
// would refill each partial slab as soon as it frees an object and never return a page.
constexpr double kShrinkToShare = 0.25;
constexpr double kGrowAllocProbability = 0.95;
constexpr double kShrinkAllocProbability = 0.05;
// Actions without any event after which the generator reports a stall (a bug, not input).
constexpr uint64_t kStallActions = 100'000'000;

}  // namespace

const std::vector<SlabCacheDesc>& SlabWorkload::Caches() {
  static const std::vector<SlabCacheDesc>* caches = new std::vector<SlabCacheDesc>{
      {"dentry", 192, 21, 0, true, 0.25},
      {"buffer_head", 104, 39, 0, true, 0.15},
      {"ext4_inode_cache", 1184, 27, 3, true, 0.10},
      {"radix_tree_node", 576, 28, 2, true, 0.10},
      {"kmalloc-64", 64, 64, 0, false, 0.20},
      {"kmalloc-256", 256, 32, 1, false, 0.10},
      {"kmalloc-1k", 1024, 32, 3, false, 0.06},
      {"kmalloc-4k", 4096, 8, 3, false, 0.04},
  };
  return *caches;
}

absl::StatusOr<std::unique_ptr<Workload>> SlabWorkload::Create(const WorkloadParams& in) {
  RETURN_IF_ERROR(in.ValidateCommon());
  RETURN_IF_ERROR(CheckFraction(in.slab_random_free, 0.0, 1.0, "--slab_random_free"));
  WorkloadParams p = in;
  if (p.footprint_bytes == 0) p.footprint_bytes = p.total_mem_bytes() / 16;
  // Partially used slabs can hold far more pages than their objects need: keep room.
  if (p.footprint_bytes > p.total_mem_bytes() / 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--footprint (", FormatByteSize(p.footprint_bytes),
                     ") must be at most half the machine's memory for slab (",
                     FormatByteSize(p.total_mem_bytes() / 2), "): partial slabs need headroom"));
  }
  if (p.footprint_bytes < (uint64_t{1} << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--footprint (", FormatByteSize(p.footprint_bytes), ") must be at least 1MiB for slab"));
  }
  ASSIGN_OR_RETURN(MachineDesc machine, MachineDesc::Uniform(p.nodes, p.node_mem_bytes, p.cpus));
  return std::unique_ptr<Workload>(new SlabWorkload(p, std::move(machine)));
}

std::vector<std::pair<std::string, std::string>> SlabWorkload::Attributes() const {
  return {{"footprint", FormatByteSize(params_.footprint_bytes)},
          {"slab_random_free", absl::StrCat(params_.slab_random_free)}};
}

absl::Status SlabWorkload::Generate(EventSink* sink) {
  WorkloadContext ctx(params_, machine_, sink);
  Rng& rng = ctx.rng();
  ctx.EmitSnapshot();

  const std::vector<SlabCacheDesc>& caches = Caches();
  const size_t num_nodes = machine_.nodes.size();
  // Cumulative weights for picking a cache; per-node object targets from the footprint.
  std::vector<double> cumulative;
  std::vector<double> target_objects;  // per cache per node
  std::vector<BlockInfo> info;
  double sum = 0;
  for (const SlabCacheDesc& c : caches) {
    sum += c.weight;
    cumulative.push_back(sum);
    double slab_bytes = static_cast<double>(kPageSizeBytes << c.order);
    double bytes = static_cast<double>(params_.footprint_bytes) * c.weight / num_nodes;
    target_objects.push_back(bytes / slab_bytes * c.objects_per_slab);
    uint64_t gfp = gfp::kKernel;
    if (c.reclaimable) gfp |= trace::GFP_BIT_RECLAIMABLE;
    if (c.order > 0) gfp |= gfp::kSlabHighOrderExtra;
    info.push_back(
        BlockInfo{trace::OWNER_SLAB, c.reclaimable ? kMigrateReclaimable : kMigrateUnmovable, gfp});
  }

  std::vector<CacheNode> state(caches.size() * num_nodes);
  std::vector<Slab> slabs;
  std::vector<uint32_t> free_slab_ids;

  auto remove_partial = [&](CacheNode& cn, uint32_t id) {
    uint32_t idx = slabs[id].partial_index;
    uint32_t last = cn.partial.back();
    cn.partial[idx] = last;
    slabs[last].partial_index = idx;
    cn.partial.pop_back();
    slabs[id].partial_index = kDead;
  };

  uint64_t events_before = 0;
  uint64_t quiet_actions = 0;
  while (!ctx.done()) {
    const uint32_t cpu = ctx.RandomCpu();
    const uint32_t node = ctx.NodeOfCpu(cpu);
    double pick = rng.UniformDouble() * sum;
    size_t ci = static_cast<size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), pick) -
                                    cumulative.begin());
    if (ci >= caches.size()) ci = caches.size() - 1;
    const SlabCacheDesc& cache = caches[ci];
    CacheNode& cn = state[ci * num_nodes + node];
    const double live = static_cast<double>(cn.objects.live);
    if (!cn.shrinking && live >= target_objects[ci]) cn.shrinking = true;
    if (cn.shrinking && live <= kShrinkToShare * target_objects[ci]) cn.shrinking = false;
    if (ctx.events_emitted() != events_before) {
      events_before = ctx.events_emitted();
      quiet_actions = 0;
    } else if (++quiet_actions > kStallActions) {
      return absl::InternalError(
          "slab: no slab page allocated or freed for 10^8 object "
          "operations (a bug in the workload)");
    }
    const double p_alloc = cn.shrinking ? kShrinkAllocProbability : kGrowAllocProbability;
    if (cn.objects.live == 0 || rng.Bernoulli(p_alloc)) {
      if (cn.partial.empty()) {
        uint64_t pfn =
            ctx.Alloc(cpu, node, cache.order, PhysAllocator::Placement::kHighest, info[ci]);
        if (pfn == kNoPfn) {
          return absl::ResourceExhaustedError(
              absl::StrCat("slab: out of memory allocating a ", cache.name, " slab"));
        }
        uint32_t id;
        if (free_slab_ids.empty()) {
          id = static_cast<uint32_t>(slabs.size());
          slabs.emplace_back();
        } else {
          id = free_slab_ids.back();
          free_slab_ids.pop_back();
        }
        slabs[id] = Slab{pfn, 0, static_cast<uint32_t>(cn.partial.size())};
        cn.partial.push_back(id);
      }
      uint32_t id = cn.partial.back();
      cn.objects.Push(id);
      if (++slabs[id].inuse == cache.objects_per_slab) remove_partial(cn, id);
    } else {
      uint32_t id = rng.Bernoulli(params_.slab_random_free) ? cn.objects.PopRandom(rng)
                                                            : cn.objects.PopOldest();
      Slab& s = slabs[id];
      if (s.partial_index == kDead) {  // was full: back on the partial list
        s.partial_index = static_cast<uint32_t>(cn.partial.size());
        cn.partial.push_back(id);
      }
      if (--s.inuse == 0 && cn.partial.size() > kMinPartial) {
        remove_partial(cn, id);
        ctx.Free(cpu, s.pfn, cache.order);
        s.pfn = kNoPfn;
        free_slab_ids.push_back(id);
      }
    }
  }
  return ctx.status();
}

}  // namespace memsim::workload
