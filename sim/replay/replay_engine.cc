#include "sim/replay/replay_engine.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/hw/machine_validator.h"
#include "sim/replay/access_sink.h"
#include "sim/trace/trace_extent_builder.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

namespace {

constexpr uint64_t kPageBytes = 4096;
// A block larger than a placement section could be split across nodes by the mapping.
constexpr uint32_t kMaxMappedOrder = 15;

// The machine's nodes with their memmap placement (docs/machine-model.md, "Where the
// memmap lives"; the model's layout decides what memmap_on_memory does at its page size).
std::vector<mm::NodeLayout> NodesOf(const config::Machine& machine) {
  std::vector<mm::NodeLayout> nodes;
  for (int i = 0; i < machine.node_size(); ++i) {
    const config::NumaNode& n = machine.node(i);
    mm::NodeLayout node{n.id(), n.start_pfn(), n.end_pfn() - n.start_pfn(), {}};
    using Kind = mm::MemmapRequest::Kind;
    switch (hw::ResolvedMemmapPlacement(n)) {
      case config::MEMMAP_HOTPLUG:
        node.memmap.kind = Kind::kHotplug;
        break;
      case config::MEMMAP_ON_MEMORY:
        node.memmap.kind = Kind::kOnMemory;
        break;
      case config::MEMMAP_ON_MEMORY_FORCE:
        node.memmap.kind = Kind::kOnMemoryForce;
        break;
      default:
        break;
    }
    const int host = hw::MemmapHostNode(machine, i);
    if (node.memmap.kind != Kind::kLocal && host < 0) node.memmap.kind = Kind::kLocal;
    node.memmap.host_node = host < 0 ? i : host;
    node.memmap.memory_block_pages = hw::MemoryBlockBytes(machine) / kPageBytes;
    node.memmap.vmemmap_alignment_bytes = hw::VmemmapAlignmentBytes(machine);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

// [start, end) of every pfn a trace names, and the number of CPUs it uses.
struct TraceSpan {
  uint64_t start = kNoPfn;
  uint64_t end = 0;
  uint32_t cpus = 0;
  void See(uint64_t pfn, uint64_t pages) {
    if (pfn == kNoPfn) return;
    start = std::min(start, pfn);
    end = std::max(end, pfn + pages);
  }
};

// The header's extent (TraceWriter writes it; the reader holds the file to it), or for a
// trace written before it existed, a first pass over the whole file.
absl::StatusOr<TraceExtentBuilder> TraceExtentOf(const TraceReader& opened,
                                                 const std::string& path) {
  if (opened.header().has_extent()) return TraceExtentBuilder::FromProto(opened.header().extent());
  TraceExtentBuilder x;
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(path));
  std::vector<SnapshotRun> runs;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextSnapshotRuns(&runs));
    if (!more) break;
    for (const auto& r : runs) x.SeeRun(r);
  }
  std::vector<Event> events;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextEvents(&events));
    if (!more) break;
    for (const Event& e : events) x.SeeEvent(e);
  }
  return x;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplayEngine>> ReplayEngine::Create(
    const config::MemmapModelConfig& model_config, const memmap::ModelRegistry& models,
    const std::string& trace_path, BulkCopier* copier, const ReplayOptions& options) {
  const hw::MachineTopology& topology = copier->topology();
  const config::Machine& machine = topology.machine();
  std::vector<mm::NodeLayout> nodes = NodesOf(machine);
  ASSIGN_OR_RETURN(mm::PhysMem mem, mm::PhysMem::Create(nodes));
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(trace_path));
  const trace::TraceHeader& h = reader->header();
  TraceSpan span;
  for (const auto& n : h.nodes()) span.See(n.start_pfn(), n.end_pfn() - n.start_pfn());
  span.cpus = h.num_cpus();
  if (span.start == kNoPfn || span.cpus == 0) {
    ASSIGN_OR_RETURN(TraceExtentBuilder scanned, TraceExtentOf(*reader, trace_path));
    if (span.start == kNoPfn) {
      span.start = scanned.start_pfn();
      span.end = scanned.end_pfn();
    }
    if (span.cpus == 0) span.cpus = scanned.event_cpus();
  }
  TraceLayout layout;
  layout.cpus = span.cpus;
  for (const auto& n : h.nodes()) layout.nodes.push_back({n.start_pfn(), n.end_pfn()});
  for (int32_t id : h.cpu_node()) {  // node ids -> indexes in layout.nodes
    int32_t index = -1;
    for (int i = 0; i < h.nodes_size(); ++i) {
      if (id >= 0 && h.nodes(i).node_id() == static_cast<uint32_t>(id)) index = i;
    }
    layout.cpu_node.push_back(index);
  }
  if (layout.nodes.empty() && span.start != kNoPfn) layout.nodes.push_back({span.start, span.end});
  auto mapping =
      TraceMapping::Create(options.pfn_placement, options.cpu_placement, layout, topology);
  if (!mapping.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(trace_path, " on machine ", machine.name(), ": ", mapping.status().message()));
  }
  ASSIGN_OR_RETURN(auto model, models.Create(model_config, nodes));
  auto memsys = std::make_unique<hw::MemorySystem>(topology);
  return std::unique_ptr<ReplayEngine>(new ReplayEngine(std::move(memsys), std::move(mem),
                                                        std::move(model), *std::move(mapping),
                                                        std::move(reader), copier, options));
}

ReplayEngine::ReplayEngine(std::unique_ptr<hw::MemorySystem> memsys, mm::PhysMem mem,
                           std::unique_ptr<memmap::MemmapModel> model, TraceMapping mapping,
                           std::unique_ptr<TraceReader> reader, BulkCopier* copier,
                           ReplayOptions options)
    : memsys_(std::move(memsys)),
      mem_(std::move(mem)),
      model_(std::move(model)),
      mapping_(std::move(mapping)),
      reader_(std::move(reader)),
      copier_(copier),
      options_(std::move(options)),
      core_clock_ns_(memsys_->topology().cores(), 0.0) {
  if (options_.quantum_ns == 0) options_.quantum_ns = 1;
  std::vector<uint32_t> node_cpus(mem_.nodes().size(), 0);
  for (int c = 0; c < topology().cores(); ++c) {
    const int n = topology().home_node_of_core(c);
    if (n >= 0 && static_cast<size_t>(n) < node_cpus.size()) ++node_cpus[n];
  }
  pcp_ = std::make_unique<mm::PerCpuPages>(mem_, topology().cores(), node_cpus);
  const auto& m = topology().machine();
  link_bytes_.assign(m.link_size(), 0);
  const int s = topology().sockets();
  route_links_.assign(s * s, {});
  for (const auto& r : m.route()) {
    std::vector<int> idx;
    for (const auto& name : r.links()) {
      for (int i = 0; i < m.link_size(); ++i) {
        if (m.link(i).name() == name) idx.push_back(i);
      }
    }
    const int a = static_cast<int>(r.from_socket()), b = static_cast<int>(r.to_socket());
    if (a < s && b < s) {
      route_links_[a * s + b] = idx;
      if (route_links_[b * s + a].empty()) route_links_[b * s + a] = idx;
    }
  }
}

void ReplayEngine::ApplySnapshotRuns(const std::vector<SnapshotRun>& runs, int replica) {
  for (const SnapshotRun& r : runs) {
    // Cut at section boundaries: each piece lands on one node.
    uint64_t pfn = r.start_pfn, left = r.count;
    while (left > 0) {
      const uint64_t n = std::min(left, TraceMapping::PagesToSectionEnd(pfn));
      const uint64_t to = mapping_.MapPfn(pfn, replica);
      if (to == kNoPfn) {
        counters_.unmapped_snapshot_pages += n;
      } else {
        SnapshotRun piece = r;
        piece.start_pfn = to;
        piece.count = n;
        mapped_runs_.push_back(piece);
      }
      pfn += n;
      left -= n;
    }
  }
}

absl::Status ReplayEngine::Run() {
  std::vector<SnapshotRun> runs;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader_->NextSnapshotRuns(&runs));
    if (!more) break;
    for (int replica = 0; replica < mapping_.copies(); ++replica) ApplySnapshotRuns(runs, replica);
  }
  if (!mapped_runs_.empty()) {
    std::sort(mapped_runs_.begin(), mapped_runs_.end(),
              [](const SnapshotRun& a, const SnapshotRun& b) { return a.start_pfn < b.start_pfn; });
    mem_.ApplySnapshot(mapped_runs_);
    mem_.Compact();
    mapped_runs_.clear();
    mapped_runs_.shrink_to_fit();
  }
  std::vector<Event> events;
  uint64_t next_progress = uint64_t{1} << 20;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader_->NextEvents(&events));
    if (!more) break;
    for (const Event& e : events) {
      for (int replica = 0; replica < mapping_.copies(); ++replica) {
        RETURN_IF_ERROR(ReplayEvent(e, replica));
      }
    }
    if (options_.progress && events_ >= next_progress) {
      options_.progress(events_, reader_->offset(), reader_->file_size());
      next_progress = events_ + (uint64_t{1} << 20);
    }
  }
  if (!started_) model_->Seed(mem_, 0);
  RETURN_IF_ERROR(FlushQuantum());
  model_->Finish(last_time_ns_);
  return absl::OkStatus();
}

absl::Status ReplayEngine::FlushQuantum() {
  ++counters_.quanta;
  if (pending_.empty()) return absl::OkStatus();
  std::vector<Copy> copies;
  copies.reserve(pending_.size());
  for (const PendingCopy& p : pending_) copies.push_back(p.copy);
  ASSIGN_OR_RETURN(std::vector<double> done, copier_->Run(copies));
  ++counters_.copy_batches;
  const hw::MachineTopology& topology = memsys_->topology();
  const int s = topology.sockets();
  for (size_t i = 0; i < pending_.size(); ++i) {
    const PendingCopy& p = pending_[i];
    const double actual = std::max(0.0, done[i] - p.copy.start_ns);
    kinds_[trace::EVENT_MIGRATE].latency.Add(p.metadata_ns + actual);
    kinds_[trace::EVENT_MIGRATE].sources[hw::LatencySource::kCopy] += actual;
    if (actual > p.estimate_ns) core_clock_ns_[p.core] += actual - p.estimate_ns;
    const int sf = topology.socket_of_node(p.copy.from_node);
    const int st = topology.socket_of_node(p.copy.to_node);
    if (sf != st) {
      for (int l : route_links_[sf * s + st]) link_bytes_[l] += p.copy.bytes;
    }
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status ReplayEngine::ReplayEvent(const Event& e, int replica) {
  if (!started_) {
    started_ = true;
    trace_start_ns_ = e.time_ns;
    model_->Seed(mem_, e.time_ns);
    quantum_start_ns_ = 0;
    quantum_end_ns_ = static_cast<double>(options_.quantum_ns);
  }
  ++events_;
  last_time_ns_ = std::max(last_time_ns_, e.time_ns);
  const int k = e.kind;
  KindStats& ks = kinds_[k];
  ++ks.count;
  const int core = CoreFor(e, replica);
  // Per-CPU buffers interleave: a timestamp may precede the first one slightly.
  const double t_rel =
      e.time_ns > trace_start_ns_ ? static_cast<double>(e.time_ns - trace_start_ns_) : 0.0;
  const double start =
      options_.paced ? std::max(t_rel, core_clock_ns_[core]) : core_clock_ns_[core];
  // Quanta follow trace time when paced: every event starts at or after its trace time, so
  // a copy never starts before its quantum. Back-to-back, they follow the cores' clocks, and
  // a lagging core's copy may be clamped to its batch's start (counted).
  const double progress = options_.paced ? t_rel : start;
  if (progress >= quantum_end_ns_) {
    RETURN_IF_ERROR(FlushQuantum());
    const double q = static_cast<double>(options_.quantum_ns);
    quantum_start_ns_ = std::floor(progress / q) * q;
    quantum_end_ns_ = quantum_start_ns_ + q;
  }
  const memmap::OpContext ctx{e.time_ns,
                              static_cast<uint32_t>(memsys_->topology().home_node_of_core(core)),
                              static_cast<uint32_t>(core)};
  const hw::AccessCounts before = memsys_->stats();
  buffer_.Clear();
  bool copy = false;
  Copy c;
  uint64_t scanned_pfns = 0;    // for the timing model's non-memory work
  uint64_t migrated_pages = 0;  // likewise
  switch (k) {
    case trace::EVENT_ALLOC:
    case trace::EVENT_FREE: {
      const uint64_t pfn = e.order <= kMaxMappedOrder ? mapping_.MapPfn(e.pfn, replica) : kNoPfn;
      if (pfn == kNoPfn) {
        ++counters_.unmapped_pfn_events;
        break;
      }
      ks.pages += uint64_t{1} << e.order;
      if (k == trace::EVENT_ALLOC) {
        pcp_->Alloc(mem_, core, pfn, e.order, e.owner, &alloc_result_);
        if (alloc_result_.applied) model_->Alloc(alloc_result_, ctx, buffer_);
      } else {
        pcp_->Free(mem_, core, pfn, e.order, &free_result_);
        if (free_result_.applied) model_->Free(free_result_, ctx, buffer_);
      }
      break;
    }
    case trace::EVENT_FAULT: {
      if (e.pfn == kNoPfn) {
        ++counters_.faults_without_pfn;
        break;
      }
      const uint64_t pfn = mapping_.MapPfn(e.pfn, replica);
      if (pfn == kNoPfn) {
        ++counters_.unmapped_pfn_events;
        break;
      }
      const mm::BlockInfo block = mem_.LookupCounted(pfn);
      model_->Lookup(block, pfn, ctx, buffer_);
      model_->MapCount(block, pfn, ctx, buffer_);
      ks.pages += 1;
      break;
    }
    case trace::EVENT_MIGRATE: {
      const bool ok = e.order <= kMaxMappedOrder;
      const uint64_t src = ok ? mapping_.MapPfn(e.pfn, replica) : kNoPfn;
      const uint64_t dst = ok ? mapping_.MapPfn(e.end_pfn, replica) : kNoPfn;
      if (src == kNoPfn || dst == kNoPfn) {
        ++counters_.unmapped_pfn_events;
        break;
      }
      // Untraced drains of pcp blocks under either end (PerCpuPages::DrainRange).
      pcp_->DrainRange(mem_, src, src + (uint64_t{1} << e.order));
      pcp_->DrainRange(mem_, dst, dst + (uint64_t{1} << e.order));
      mem_.Migrate(src, dst, e.order, /*free_source=*/false, &migrate_result_);
      if (!migrate_result_.applied) break;
      model_->Migrate(migrate_result_, ctx, buffer_);
      ks.pages += uint64_t{1} << e.order;
      migrated_pages = uint64_t{1} << e.order;
      const int from = mem_.NodeOf(src), to = mem_.NodeOf(dst);
      if (from >= 0 && to >= 0) {
        copy = true;
        c = Copy{from, to, kPageBytes << e.order, 0};
        ks.copy_bytes += c.bytes;
      }
      break;
    }
    case trace::EVENT_COMPACTION_SCAN: {
      const uint64_t start_pfn = mapping_.MapPfn(e.pfn, replica);
      if (start_pfn == kNoPfn || e.end_pfn <= e.pfn) {
        if (start_pfn == kNoPfn) ++counters_.unmapped_pfn_events;
        break;
      }
      const uint64_t len = std::min(e.end_pfn - e.pfn, TraceMapping::PagesToSectionEnd(e.pfn));
      const memmap::ScanResult r =
          model_->CompactionScan(mem_, start_pfn, start_pfn + len, e.scanner, ctx, buffer_);
      ks.pages += r.pages_examined;
      scanned_pfns = r.pages_examined;
      counters_.scan_pages_examined += r.pages_examined;
      counters_.scan_descriptor_reads += r.descriptor_reads;
      if (e.nr_taken > 0) {
        const memmap::IsolationResult iso =
            model_->Isolate(mem_, start_pfn, start_pfn + len, e.scanner, e.nr_taken, ctx, buffer_);
        counters_.isolated_pages += iso.pages;
        counters_.isolated_blocks += iso.blocks;
        counters_.isolation_short_pages += e.nr_taken - std::min(e.nr_taken, iso.pages);
      }
      break;
    }
    default:
      break;
  }
  // One batch per event lets MemorySystem prefetch the host state of the lines ahead; with
  // a timing model the batch is one operation whose accesses overlap, plus its non-memory
  // work (0 without one).
  memsys_->SyncCore(core, start);
  double latency = memsys_->AccessBatch(buffer_.data(), buffer_.size(), core, nullptr);
  ks.sources += memsys_->batch_sources();
  if (!buffer_.empty() || scanned_pfns > 0 || migrated_pages > 0) {
    const double compute_ns = memsys_->NonMemoryNs(scanned_pfns, migrated_pages);
    latency += compute_ns;
    ks.sources[hw::LatencySource::kCompute] += compute_ns;
  }
  if (options_.access_sink != nullptr && !buffer_.empty()) {
    options_.access_sink->Write(start, core, e.kind, buffer_.data(), buffer_.size());
  }
  ks.accesses += memsys_->stats();
  ks.accesses -= before;
  if (copy) {
    const double estimate = copier_->AloneNs(c);
    c.cpu = core;
    c.start_ns = start + latency - quantum_start_ns_;
    if (c.start_ns < 0) {
      ++counters_.copy_starts_clamped;
      c.start_ns = 0;
    }
    pending_.push_back(PendingCopy{c, core, latency, estimate});
    core_clock_ns_[core] = start + latency + estimate;
  } else {
    ks.latency.Add(latency);
    core_clock_ns_[core] = start + latency;
  }
  return absl::OkStatus();
}

int ReplayEngine::CoreFor(const Event& e, int replica) const {
  const int core = mapping_.CoreOf(e.cpu, replica);
  // A compaction run's scans and migrations run on a core of the compacted node (the
  // kcompactd rule, docs/replay.md).
  const bool compaction_work = e.kind == trace::EVENT_COMPACTION_SCAN ||
                               (e.kind == trace::EVENT_MIGRATE && e.reason == trace::MR_COMPACTION);
  if (!compaction_work) return core;
  const uint64_t pfn = mapping_.MapPfn(e.pfn, replica);
  return mapping_.ScanCoreOf(core, pfn == kNoPfn ? -1 : mem_.NodeOf(pfn), e.cpu);
}

double ReplayEngine::simulated_time_ns() const {
  return *std::max_element(core_clock_ns_.begin(), core_clock_ns_.end());
}

}  // namespace memsim::replay
