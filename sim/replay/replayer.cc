#include "sim/replay/replayer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

namespace {

constexpr uint64_t kPageBytes = 4096;
// A block larger than a placement section could be split across nodes by the mapping.
constexpr uint32_t kMaxMappedOrder = 15;

std::vector<mm::NodeLayout> NodesOf(const config::Machine& machine) {
  std::vector<mm::NodeLayout> nodes;
  for (const auto& n : machine.node()) {
    nodes.push_back(mm::NodeLayout{n.id(), n.start_pfn(), n.end_pfn() - n.start_pfn(), {}});
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

absl::StatusOr<TraceSpan> ScanTraceSpan(const std::string& path) {
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(path));
  TraceSpan span;
  std::vector<SnapshotRun> runs;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextSnapshotRuns(&runs));
    if (!more) break;
    for (const auto& r : runs) span.See(r.start_pfn, r.count);
  }
  std::vector<Event> events;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextEvents(&events));
    if (!more) break;
    for (const Event& e : events) {
      span.cpus = std::max(span.cpus, e.cpu + 1);
      switch (e.kind) {
        case trace::EVENT_ALLOC:
        case trace::EVENT_FREE:
          span.See(e.pfn, uint64_t{1} << std::min(e.order, 30u));
          break;
        case trace::EVENT_FAULT:
          span.See(e.pfn, 1);
          break;
        case trace::EVENT_MIGRATE:
          span.See(e.pfn, uint64_t{1} << std::min(e.order, 30u));
          span.See(e.end_pfn, uint64_t{1} << std::min(e.order, 30u));
          break;
        case trace::EVENT_COMPACTION_SCAN:
          span.See(e.pfn, std::max<uint64_t>(1, e.end_pfn - e.pfn));
          break;
        default:
          break;
      }
    }
  }
  return span;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Replayer>> Replayer::Create(
    const config::Machine& machine, const config::MemmapModelConfig& model_config,
    const memmap::ModelRegistry& models, const std::string& trace_path, BulkCopier* copier,
    const ReplayOptions& options) {
  ASSIGN_OR_RETURN(hw::MachineTopology topology, hw::MachineTopology::Create(machine));
  std::vector<mm::NodeLayout> nodes = NodesOf(machine);
  ASSIGN_OR_RETURN(mm::PhysMem mem, mm::PhysMem::Create(nodes));
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(trace_path));
  const trace::TraceHeader& h = reader->header();
  TraceSpan span;
  for (const auto& n : h.nodes()) span.See(n.start_pfn(), n.end_pfn() - n.start_pfn());
  span.cpus = h.num_cpus();
  if (span.start == kNoPfn || span.cpus == 0) {
    ASSIGN_OR_RETURN(TraceSpan scanned, ScanTraceSpan(trace_path));
    if (span.start == kNoPfn) {
      span.start = scanned.start;
      span.end = scanned.end;
    }
    if (span.cpus == 0) span.cpus = scanned.cpus;
  }
  TraceMapping mapping;
  if (span.start == kNoPfn) {
    // No pfn anywhere (e.g. only faults without pfn): any mapping will do.
    ASSIGN_OR_RETURN(
        mapping, TraceMapping::Create(PfnPlacement::kIdentity, 0, 0, nodes, options.cpu_placement,
                                      span.cpus, topology.cores()));
  } else {
    auto m = TraceMapping::Create(options.pfn_placement, span.start, span.end, nodes,
                                  options.cpu_placement, span.cpus, topology.cores());
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(trace_path, " on machine ", machine.name(), ": ", m.status().message()));
    }
    mapping = *std::move(m);
  }
  ASSIGN_OR_RETURN(auto model, models.Create(model_config, nodes));
  auto memsys = std::make_unique<hw::MemorySystem>(topology);
  return std::unique_ptr<Replayer>(new Replayer(topology, std::move(memsys), std::move(mem),
                                                std::move(model), std::move(mapping),
                                                std::move(reader), copier, options));
}

Replayer::Replayer(const hw::MachineTopology& topology, std::unique_ptr<hw::MemorySystem> memsys,
                   mm::PhysMem mem, std::unique_ptr<memmap::MemmapModel> model,
                   TraceMapping mapping, std::unique_ptr<TraceReader> reader, BulkCopier* copier,
                   ReplayOptions options)
    : topology_(topology),
      memsys_(std::move(memsys)),
      mem_(std::move(mem)),
      model_(std::move(model)),
      mapping_(std::move(mapping)),
      reader_(std::move(reader)),
      copier_(copier),
      options_(std::move(options)),
      core_clock_ns_(topology.cores(), 0.0) {
  if (options_.quantum_ns == 0) options_.quantum_ns = 1;
  const auto& m = topology_.machine();
  link_bytes_.assign(m.link_size(), 0);
  const int s = topology_.sockets();
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

Replayer::Counts Replayer::Snapshot(const hw::AccessStats& s) {
  Counts c;
  c.accesses = s.accesses;
  c.line_accesses = s.line_accesses;
  c.reads = s.reads;
  c.writes = s.writes;
  c.atomics = s.atomics;
  c.l1_misses = s.l1_misses;
  c.l2_misses = s.l2_misses;
  c.llc_misses = s.llc_misses;
  c.dram_local = s.dram_local;
  c.dram_remote_node = s.dram_remote_node;
  c.dram_remote_socket = s.dram_remote_socket;
  c.hitm = s.hitm;
  c.remote_invalidations = s.remote_invalidations;
  return c;
}

void Replayer::AddDelta(const Counts& b, const Counts& a, Counts* into) {
  into->accesses += a.accesses - b.accesses;
  into->line_accesses += a.line_accesses - b.line_accesses;
  into->reads += a.reads - b.reads;
  into->writes += a.writes - b.writes;
  into->atomics += a.atomics - b.atomics;
  into->l1_misses += a.l1_misses - b.l1_misses;
  into->l2_misses += a.l2_misses - b.l2_misses;
  into->llc_misses += a.llc_misses - b.llc_misses;
  into->dram_local += a.dram_local - b.dram_local;
  into->dram_remote_node += a.dram_remote_node - b.dram_remote_node;
  into->dram_remote_socket += a.dram_remote_socket - b.dram_remote_socket;
  into->hitm += a.hitm - b.hitm;
  into->remote_invalidations += a.remote_invalidations - b.remote_invalidations;
}

void Replayer::ApplySnapshotRuns(const std::vector<SnapshotRun>& runs) {
  for (const SnapshotRun& r : runs) {
    // Cut at section boundaries: each piece lands on one node.
    uint64_t pfn = r.start_pfn, left = r.count;
    while (left > 0) {
      const uint64_t n = std::min(left, TraceMapping::PagesToSectionEnd(pfn));
      const uint64_t to = mapping_.MapPfn(pfn);
      if (to == kNoPfn) {
        unmapped_snapshot_pages_ += n;
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

absl::Status Replayer::Run() {
  std::vector<SnapshotRun> runs;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader_->NextSnapshotRuns(&runs));
    if (!more) break;
    ApplySnapshotRuns(runs);
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
    for (const Event& e : events) RETURN_IF_ERROR(ReplayEvent(e));
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

double Replayer::RunAccesses(int core) {
  // One batch per event lets MemorySystem prefetch the host state of the lines ahead.
  batch_.clear();
  for (const memmap::MetadataAccess& a : buffer_) {
    batch_.push_back({a.addr, a.bytes, static_cast<hw::AccessKind>(a.kind)});
  }
  return memsys_->AccessBatch(batch_.data(), batch_.size(), core, nullptr);
}

absl::Status Replayer::FlushQuantum() {
  ++quanta_;
  if (pending_.empty()) return absl::OkStatus();
  std::vector<Copy> copies;
  copies.reserve(pending_.size());
  for (const PendingCopy& p : pending_) copies.push_back(p.copy);
  ASSIGN_OR_RETURN(std::vector<double> done, copier_->Run(copies));
  ++copier_batches_;
  const int s = topology_.sockets();
  for (size_t i = 0; i < pending_.size(); ++i) {
    const PendingCopy& p = pending_[i];
    const double actual = std::max(0.0, done[i] - p.copy.start_ns);
    kinds_[trace::EVENT_MIGRATE].latency.Add(p.metadata_ns + actual);
    if (actual > p.estimate_ns) core_clock_ns_[p.core] += actual - p.estimate_ns;
    const int sf = topology_.socket_of_node(p.copy.from_node);
    const int st = topology_.socket_of_node(p.copy.to_node);
    if (sf != st) {
      for (int l : route_links_[sf * s + st]) link_bytes_[l] += p.copy.bytes;
    }
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status Replayer::ReplayEvent(const Event& e) {
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
  const int core = mapping_.CoreOf(e.cpu);
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
  const memmap::OpContext ctx{e.time_ns, static_cast<uint32_t>(topology_.home_node_of_core(core)),
                              static_cast<uint32_t>(core)};
  const Counts before = Snapshot(memsys_->stats());
  buffer_.Clear();
  bool copy = false;
  Copy c;
  switch (k) {
    case trace::EVENT_ALLOC:
    case trace::EVENT_FREE: {
      const uint64_t pfn = e.order <= kMaxMappedOrder ? mapping_.MapPfn(e.pfn) : kNoPfn;
      if (pfn == kNoPfn) {
        ++unmapped_pfns_;
        break;
      }
      ks.pages += uint64_t{1} << e.order;
      if (k == trace::EVENT_ALLOC) {
        mem_.Alloc(pfn, e.order, e.owner, &alloc_result_);
        if (alloc_result_.applied) model_->Alloc(alloc_result_, ctx, buffer_);
      } else {
        mem_.Free(pfn, e.order, &free_result_);
        if (free_result_.applied) model_->Free(free_result_, ctx, buffer_);
      }
      break;
    }
    case trace::EVENT_FAULT: {
      if (e.pfn == kNoPfn) {
        ++faults_without_pfn_;
        break;
      }
      const uint64_t pfn = mapping_.MapPfn(e.pfn);
      if (pfn == kNoPfn) {
        ++unmapped_pfns_;
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
      const uint64_t src = ok ? mapping_.MapPfn(e.pfn) : kNoPfn;
      const uint64_t dst = ok ? mapping_.MapPfn(e.end_pfn) : kNoPfn;
      if (src == kNoPfn || dst == kNoPfn) {
        ++unmapped_pfns_;
        break;
      }
      mem_.Migrate(src, dst, e.order, /*free_source=*/false, &migrate_result_);
      if (!migrate_result_.applied) break;
      model_->Migrate(migrate_result_, ctx, buffer_);
      ks.pages += uint64_t{1} << e.order;
      const int from = mem_.NodeOf(src), to = mem_.NodeOf(dst);
      if (from >= 0 && to >= 0) {
        copy = true;
        c = Copy{from, to, kPageBytes << e.order, 0};
        ks.copy_bytes += c.bytes;
      }
      break;
    }
    case trace::EVENT_COMPACTION_SCAN: {
      const uint64_t start_pfn = mapping_.MapPfn(e.pfn);
      if (start_pfn == kNoPfn || e.end_pfn <= e.pfn) {
        if (start_pfn == kNoPfn) ++unmapped_pfns_;
        break;
      }
      const uint64_t len = std::min(e.end_pfn - e.pfn, TraceMapping::PagesToSectionEnd(e.pfn));
      const memmap::ScanResult r =
          model_->CompactionScan(mem_, start_pfn, start_pfn + len, e.scanner, ctx, buffer_);
      ks.pages += r.pages_examined;
      scan_pages_examined_ += r.pages_examined;
      scan_descriptor_reads_ += r.descriptor_reads;
      break;
    }
    default:
      break;
  }
  const double latency = RunAccesses(core);
  AddDelta(before, Snapshot(memsys_->stats()), &ks.counts);
  if (copy) {
    const double estimate = copier_->AloneNs(c);
    c.cpu = core;
    c.start_ns = start + latency - quantum_start_ns_;
    if (c.start_ns < 0) {
      ++copies_clamped_;
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

namespace {

void FillFigures(const memmap::OverheadTracker::Figures& f, result::OverheadFigures* out) {
  out->set_ram_bytes(f.ram_bytes);
  out->set_static_bytes(f.static_bytes);
  out->set_descriptor_live_bytes(f.descriptor_live_bytes);
  out->set_slab_bytes(f.slab_bytes);
  out->set_slab_waste_bytes(f.slab_waste_bytes());
  out->set_hvo_saved_bytes(f.hvo_saved_bytes);
  out->set_final_bytes(f.total_bytes);
  out->set_peak_bytes(f.peak_total_bytes);
  out->set_mean_bytes(f.mean_total_bytes);
  out->set_final_percent_of_ram(f.percent_of_ram());
  out->set_peak_percent_of_ram(f.peak_percent_of_ram());
  out->set_mean_percent_of_ram(f.mean_percent_of_ram());
}

void AddCounter(google::protobuf::RepeatedPtrField<result::Counter>* list, const std::string& name,
                uint64_t value) {
  auto* c = list->Add();
  c->set_name(name);
  c->set_value(value);
}

}  // namespace

void Replayer::FillOwners(result::Overhead* out) const {
  const auto& overhead = model_->overhead();
  const memmap::OverheadTracker::Figures machine = overhead.machine();
  struct Entry {
    std::string owner;
    uint64_t pages;
    memmap::OverheadTracker::OwnerDescriptors descriptors;
    uint64_t hvo_saved_bytes;
  };
  std::vector<Entry> entries;
  for (int o = trace::OwnerType_MIN; o <= trace::OwnerType_MAX; ++o) {
    const auto owner = static_cast<trace::OwnerType>(o);
    uint64_t pages = mem_.allocated_pages(owner);
    if (owner == trace::OWNER_FREE) {
      pages = 0;
      for (uint32_t z = 0; z < mem_.zones().size(); ++z) pages += mem_.free_pages(z);
    }
    // HVO frees the vmemmap of hugetlb folios only (StructPageModel).
    entries.push_back({OwnerTypeKey(owner), pages, overhead.owner_descriptors(owner),
                       owner == trace::OWNER_HUGETLB ? machine.hvo_saved_bytes : 0});
  }
  uint64_t unknown = 0;
  for (uint32_t z = 0; z < mem_.zones().size(); ++z) unknown += mem_.unknown_pages(z);
  entries.push_back({"state_unknown", unknown, {}, 0});
  uint64_t all_pages = 0;
  for (const Entry& e : entries) all_pages += e.pages;
  for (const Entry& e : entries) {
    if (e.pages == 0 && e.descriptors.count == 0 && e.hvo_saved_bytes == 0) continue;
    result::OwnerOverhead* o = out->add_owners();
    o->set_owner(e.owner);
    o->set_pages(e.pages);
    // 128-bit: static bytes times pages overflows 64 bits on large machines.
    o->set_static_bytes(all_pages == 0 ? 0
                                       : static_cast<uint64_t>(
                                             static_cast<unsigned __int128>(machine.static_bytes) *
                                             e.pages / all_pages));
    o->set_descriptors(e.descriptors.count);
    o->set_descriptor_live_bytes(e.descriptors.bytes);
    o->set_hvo_saved_bytes(e.hvo_saved_bytes);
  }
}

result::Result Replayer::BuildResult() const {
  result::Result r;
  const auto& overhead = model_->overhead();
  FillFigures(overhead.machine(), r.mutable_overhead()->mutable_machine());
  for (uint32_t n = 0; n < overhead.num_nodes(); ++n) {
    auto* node = r.mutable_overhead()->add_nodes();
    node->set_node(n);
    FillFigures(overhead.node(n), node->mutable_figures());
  }
  FillOwners(r.mutable_overhead());
  Counts total;
  for (int k = trace::EVENT_ALLOC; k <= trace::EVENT_COMPACTION; ++k) {
    const KindStats& ks = kinds_[k];
    auto* out = r.add_events();
    out->set_kind(EventKindKey(static_cast<EventKind>(k)));
    out->set_count(ks.count);
    out->set_pages(ks.pages);
    out->set_copy_bytes(ks.copy_bytes);
    auto* l = out->mutable_latency();
    l->set_total_ns(ks.latency.total_ns());
    l->set_mean_ns(ks.latency.mean_ns());
    l->set_p50_ns(ks.latency.Percentile(0.50));
    l->set_p90_ns(ks.latency.Percentile(0.90));
    l->set_p99_ns(ks.latency.Percentile(0.99));
    l->set_max_ns(ks.latency.max_ns());
    if (ks.latency.count() > 0) {
      for (int q = 1; q <= 99; ++q) l->add_percentiles_ns(ks.latency.Percentile(q / 100.0));
    }
    auto* a = out->mutable_accesses();
    const Counts& c = ks.counts;
    a->set_accesses(c.accesses);
    a->set_line_accesses(c.line_accesses);
    a->set_reads(c.reads);
    a->set_writes(c.writes);
    a->set_atomics(c.atomics);
    a->set_l1_misses(c.l1_misses);
    a->set_l2_misses(c.l2_misses);
    a->set_llc_misses(c.llc_misses);
    a->set_dram_local(c.dram_local);
    a->set_dram_remote(c.dram_remote_node + c.dram_remote_socket);
    a->set_dram_remote_socket(c.dram_remote_socket);
    a->set_coherence_transfers(c.hitm);
    a->set_remote_invalidations(c.remote_invalidations);
    AddDelta(Counts{}, c, &total);
  }
  auto* t = r.mutable_total();
  t->set_accesses(total.accesses);
  t->set_line_accesses(total.line_accesses);
  t->set_reads(total.reads);
  t->set_writes(total.writes);
  t->set_atomics(total.atomics);
  t->set_l1_misses(total.l1_misses);
  t->set_l2_misses(total.l2_misses);
  t->set_llc_misses(total.llc_misses);
  t->set_dram_local(total.dram_local);
  t->set_dram_remote(total.dram_remote_node + total.dram_remote_socket);
  t->set_dram_remote_socket(total.dram_remote_socket);
  t->set_coherence_transfers(total.hitm);
  t->set_remote_invalidations(total.remote_invalidations);
  const auto& m = topology_.machine();
  for (int i = 0; i < m.link_size(); ++i) {
    auto* l = r.add_interconnect();
    l->set_link(m.link(i).name());
    l->set_bytes(link_bytes_[i]);
  }
  r.set_simulated_time_ns(*std::max_element(core_clock_ns_.begin(), core_clock_ns_.end()));
  r.set_num_events(events_);
  const mm::MmStats& s = mem_.stats();
  auto* inc = r.mutable_inconsistencies();
  AddCounter(inc, "misaligned", s.misaligned);
  AddCounter(inc, "out_of_range", s.out_of_range);
  AddCounter(inc, "alloc_of_allocated", s.alloc_of_allocated);
  AddCounter(inc, "double_free", s.double_free);
  AddCounter(inc, "free_of_pretrace", s.free_of_pretrace);
  AddCounter(inc, "partial_free", s.partial_free);
  AddCounter(inc, "migrate_src_not_allocated", s.migrate_src_not_allocated);
  AddCounter(inc, "migrate_dst_conflict", s.migrate_dst_conflict);
  AddCounter(inc, "snapshot_runs_rejected", s.snapshot_runs_rejected);
  AddCounter(inc, "snapshot_runs_misaligned", s.snapshot_runs_misaligned);
  AddCounter(inc, "snapshot_runs_overlapping", s.snapshot_runs_overlapping);
  for (const auto& [name, c] : mem_.CauseList()) {
    result::InconsistencyCauses* ic = r.add_inconsistency_causes();
    ic->set_name(name);
    ic->set_stale_snapshot(c.stale_snapshot);
    ic->set_missing_events(c.missing_events);
    ic->set_no_initial_state(c.no_initial_state);
    ic->set_unexplained(c.unexplained);
  }
  auto* cnt = r.mutable_counters();
  AddCounter(cnt, "alloc_from_unknown", s.alloc_from_unknown);
  AddCounter(cnt, "lookups", s.lookups);
  AddCounter(cnt, "snapshot_runs", s.snapshot_runs);
  AddCounter(cnt, "unmapped_pfn_events", unmapped_pfns_);
  AddCounter(cnt, "unmapped_snapshot_pages", unmapped_snapshot_pages_);
  AddCounter(cnt, "faults_without_pfn", faults_without_pfn_);
  AddCounter(cnt, "scan_pages_examined", scan_pages_examined_);
  AddCounter(cnt, "scan_descriptor_reads", scan_descriptor_reads_);
  AddCounter(cnt, "quanta", quanta_);
  AddCounter(cnt, "copy_batches", copier_batches_);
  AddCounter(cnt, "copy_starts_clamped", copies_clamped_);
  return r;
}

}  // namespace memsim::replay
