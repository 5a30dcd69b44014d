#include "sim/replay/result_builder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace memsim::replay {

namespace {

using Figures = memmap::OverheadTracker::Figures;

void FillFigures(const Figures& f, result::OverheadFigures* out) {
  out->set_ram_bytes(f.ram_bytes);
  out->set_pages(f.pages);
  out->set_final_bytes_per_page(
      f.pages == 0 ? 0.0 : static_cast<double>(f.total_bytes) / static_cast<double>(f.pages));
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

// The inverse of FillFigures (ApplyUndescribedRule works on results).
Figures FiguresOf(const result::OverheadFigures& in) {
  Figures f;
  f.ram_bytes = in.ram_bytes();
  f.pages = in.pages();
  f.static_bytes = in.static_bytes();
  f.descriptor_live_bytes = in.descriptor_live_bytes();
  f.slab_bytes = in.slab_bytes();
  f.hvo_saved_bytes = in.hvo_saved_bytes();
  f.total_bytes = in.final_bytes();
  f.peak_total_bytes = in.peak_bytes();
  f.mean_total_bytes = in.mean_bytes();
  return f;
}

void AddCounter(google::protobuf::RepeatedPtrField<result::Counter>* list, const std::string& name,
                uint64_t value) {
  auto* c = list->Add();
  c->set_name(name);
  c->set_value(value);
}

void FillAccessCounts(const hw::AccessCounts& c, result::AccessCounts* out) {
  out->set_accesses(c.accesses);
  out->set_line_accesses(c.line_accesses);
  out->set_reads(c.reads);
  out->set_writes(c.writes);
  out->set_atomics(c.atomics);
  out->set_l1_misses(c.l1_misses);
  out->set_l2_misses(c.l2_misses);
  out->set_llc_misses(c.llc_misses);
  out->set_dram_local(c.dram_local);
  out->set_dram_remote(c.dram_remote_node + c.dram_remote_socket);
  out->set_dram_remote_socket(c.dram_remote_socket);
  out->set_coherence_transfers(c.hitm);
  out->set_remote_invalidations(c.remote_invalidations);
  out->set_prefetch_fills(c.prefetch_fills);
  out->set_prefetch_useful(c.prefetch_useful);
  out->set_prefetch_late(c.prefetch_late);
  out->set_prefetch_dram(c.prefetch_dram);
}

void FillLatencySources(const hw::LatencySplit& s, result::LatencySources* out) {
  using hw::LatencySource;
  out->set_l1_ns(s[LatencySource::kL1]);
  out->set_l2_ns(s[LatencySource::kL2]);
  out->set_llc_ns(s[LatencySource::kLlc]);
  out->set_dram_local_ns(s[LatencySource::kDramLocal]);
  out->set_dram_remote_node_ns(s[LatencySource::kDramRemoteNode]);
  out->set_dram_remote_socket_ns(s[LatencySource::kDramRemoteSocket]);
  out->set_dram_cpu_less_ns(s[LatencySource::kDramCpuLess]);
  out->set_coherence_ns(s[LatencySource::kCoherence]);
  out->set_compute_ns(s[LatencySource::kCompute]);
  out->set_copy_ns(s[LatencySource::kCopy]);
}

// Overhead by owner type (docs/results.md).
void FillOwners(const ReplayEngine& engine, result::Overhead* out) {
  const mm::PhysMem& mem = engine.memory();
  const auto& overhead = engine.model().overhead();
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
    uint64_t pages = mem.allocated_pages(owner);
    if (owner == trace::OWNER_FREE) {
      // allocated_pages(OWNER_FREE): blocks on per-CPU lists, free to their owners too.
      for (uint32_t z = 0; z < mem.zones().size(); ++z) pages += mem.free_pages(z);
    }
    // HVO frees the vmemmap of hugetlb folios only (StructPageModel).
    entries.push_back({OwnerTypeKey(owner), pages, overhead.owner_descriptors(owner),
                       owner == trace::OWNER_HUGETLB ? machine.hvo_saved_bytes : 0});
  }
  uint64_t unknown = 0;
  for (uint32_t z = 0; z < mem.zones().size(); ++z) unknown += mem.unknown_pages(z);
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
    o->set_final_bytes(o->static_bytes() + o->descriptor_live_bytes() - o->hvo_saved_bytes());
    o->set_bytes_per_page(
        e.pages == 0 ? 0.0 : static_cast<double>(o->final_bytes()) / static_cast<double>(e.pages));
  }
}

// Described memory, machine-wide and per node: every page in a zone whose state the
// snapshot or an event gave (zone pages minus unknown pages; holes are neither).
void FillDescribed(const ReplayEngine& engine, result::Overhead* out) {
  const mm::PhysMem& mem = engine.memory();
  const auto& overhead = engine.model().overhead();
  std::vector<uint64_t> described(overhead.num_nodes(), 0);
  std::vector<uint64_t> undescribed_by_node(overhead.num_nodes(), 0);
  uint64_t undescribed = 0;
  for (uint32_t z = 0; z < mem.zones().size(); ++z) {
    const auto& zone = mem.zones()[z];
    described[zone.node] += zone.end_pfn - zone.start_pfn - mem.unknown_pages(z);
    undescribed_by_node[zone.node] += mem.unknown_pages(z);
    undescribed += mem.unknown_pages(z);
  }
  uint64_t all_described = 0;
  for (uint32_t n = 0; n < overhead.num_nodes(); ++n) {
    result::NodeOverhead* node = out->mutable_nodes(n);
    FillFigures(memmap::OverheadTracker::Described(overhead.node(n), described[n]),
                node->mutable_described());
    node->set_undescribed_pages(undescribed_by_node[n]);
    all_described += described[n];
  }
  FillFigures(memmap::OverheadTracker::Described(overhead.machine(), all_described),
              out->mutable_described());
  out->set_undescribed_pages(undescribed);
}

// Events modelled vs dropped, contradictions, and the warnings past the thresholds.
void FillCoverage(const ReplayEngine& engine, result::Result* r) {
  const mm::MmStats& s = engine.memory().stats();
  const EngineCounters& e = engine.counters();
  result::EventCoverage* c = r->mutable_coverage();
  c->set_events(engine.events());
  c->set_dropped_unmapped_pfn(e.unmapped_pfn_events);
  c->set_dropped_fault_without_pfn(e.faults_without_pfn);
  c->set_dropped_not_applied(s.misaligned + s.out_of_range);
  c->set_dropped(c->dropped_unmapped_pfn() + c->dropped_fault_without_pfn() +
                 c->dropped_not_applied());
  c->set_modelled(c->events() - c->dropped());
  c->set_dropped_percent(c->events() == 0 ? 0.0 : 100.0 * c->dropped() / c->events());
  c->set_state_ops(s.alloc_ops + s.free_ops + s.migrate_ops - c->dropped_not_applied());
  uint64_t contradictions = 0;
  for (const auto& ic : r->inconsistency_causes()) {
    contradictions +=
        ic.stale_snapshot() + ic.missing_events() + ic.no_initial_state() + ic.unexplained();
  }
  c->set_contradictions(contradictions);
  c->set_contradictions_percent(c->state_ops() == 0 ? 0.0
                                                    : 100.0 * contradictions / c->state_ops());
  if (c->dropped_percent() > kDroppedWarnPercent) {
    r->add_warnings(absl::StrFormat(
        "%d of %d events (%.1f %%) dropped (%d unmapped pfn, %d faults without pfn, %d not "
        "applied): the figures leave them out",
        c->dropped(), c->events(), c->dropped_percent(), c->dropped_unmapped_pfn(),
        c->dropped_fault_without_pfn(), c->dropped_not_applied()));
  }
  // What the recorder said about the capture (its metadata.txt, read at import).
  const trace::TraceHeader& h = engine.trace_header();
  if (h.truncated()) {
    r->add_warnings(
        "the recorder says the capture is truncated (stopped at its size bound or "
        "interrupted): the trace ends before the recorded run did");
  }
  if (h.lost_events() > 0) {
    r->add_warnings(
        absl::StrFormat("the recorder says the kernel lost %d events: the figures miss their work",
                        h.lost_events()));
  }
  if (c->contradictions_percent() > kContradictionsWarnPercent) {
    r->add_warnings(absl::StrFormat(
        "%d of %d alloc/free/migrate operations (%.1f %%) contradict the replayed state "
        "(repaired; by cause: inconsistency_causes)",
        c->contradictions(), c->state_ops(), c->contradictions_percent()));
  }
}

// Overhead.nodes[].resident_bytes and Result.residence from the nodes' whole figures
// (docs/results.md, "Where the metadata sits").
void FillResidence(result::Result* r) {
  result::Overhead* o = r->mutable_overhead();
  const int n = o->nodes_size();
  std::vector<uint64_t> resident(n, 0);
  uint64_t waste = 0;
  for (const result::NodeOverhead& node : o->nodes()) {
    const uint32_t host =
        node.memmap_node() < static_cast<uint32_t>(n) ? node.memmap_node() : node.node();
    resident[host] += node.whole().static_bytes() - node.whole().hvo_saved_bytes();
    resident[node.node()] += node.whole().slab_bytes();
    waste += node.memmap_waste_bytes();
  }
  result::MetadataResidence* m = r->mutable_residence();
  std::vector<bool> cpu_less(n, false);
  for (uint32_t c : m->cpu_less_nodes()) {
    if (c < static_cast<uint32_t>(n)) cpu_less[c] = true;
  }
  m->set_cpu_nodes_bytes(0);
  m->set_cpu_less_nodes_bytes(0);
  m->set_cpu_nodes_ram_bytes(0);
  for (int i = 0; i < n; ++i) {
    result::NodeOverhead* node = o->mutable_nodes(i);
    node->set_resident_bytes(resident[i]);
    if (cpu_less[i]) {
      m->set_cpu_less_nodes_bytes(m->cpu_less_nodes_bytes() + resident[i]);
    } else {
      m->set_cpu_nodes_bytes(m->cpu_nodes_bytes() + resident[i]);
      m->set_cpu_nodes_ram_bytes(m->cpu_nodes_ram_bytes() + node->figures().ram_bytes());
    }
  }
  m->set_cpu_nodes_percent(m->cpu_nodes_ram_bytes() == 0
                               ? 0.0
                               : 100.0 * static_cast<double>(m->cpu_nodes_bytes()) /
                                     static_cast<double>(m->cpu_nodes_ram_bytes()));
  m->set_memmap_waste_bytes(waste);
}

}  // namespace

result::Result BuildResult(const ReplayEngine& engine) {
  result::Result r;
  const mm::PhysMem& mem = engine.memory();
  const auto& overhead = engine.model().overhead();
  FillFigures(overhead.machine(), r.mutable_overhead()->mutable_machine());
  for (uint32_t n = 0; n < overhead.num_nodes(); ++n) {
    auto* node = r.mutable_overhead()->add_nodes();
    node->set_node(n);
    FillFigures(overhead.node(n), node->mutable_figures());
    node->set_memmap_node(overhead.memmap_node(n));
    node->set_memmap_waste_bytes(overhead.memmap_waste_bytes(n));
    absl::StrAppend(r.mutable_memmap_placement(), n == 0 ? "" : "; ", "node ", n, ": ",
                    overhead.memmap_placement_text(n));
  }
  {
    const auto& nodes = engine.topology().machine().node();
    for (int n = 0; n < nodes.size() && n < static_cast<int>(overhead.num_nodes()); ++n) {
      if (nodes[n].cpu_less()) r.mutable_residence()->add_cpu_less_nodes(n);
    }
  }
  FillOwners(engine, r.mutable_overhead());
  FillDescribed(engine, r.mutable_overhead());
  ApplyUndescribedRule(kDefaultUndescribedRule, &r);
  hw::AccessCounts total;
  hw::LatencySplit total_sources;
  for (int k = trace::EVENT_ALLOC; k <= trace::EVENT_COMPACTION; ++k) {
    const KindStats& ks = engine.kinds()[k];
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
    FillAccessCounts(ks.accesses, out->mutable_accesses());
    total += ks.accesses;
    FillLatencySources(ks.sources, out->mutable_latency_sources());
    total_sources += ks.sources;
  }
  FillAccessCounts(total, r.mutable_total());
  FillLatencySources(total_sources, r.mutable_latency_sources());
  if (total.prefetch_fills > 0) {
    r.set_prefetch_accuracy(static_cast<double>(total.prefetch_useful) /
                            static_cast<double>(total.prefetch_fills));
  }
  const auto& m = engine.topology().machine();
  for (int i = 0; i < m.link_size(); ++i) {
    auto* l = r.add_interconnect();
    l->set_link(m.link(i).name());
    l->set_bytes(engine.link_bytes()[i]);
  }
  r.set_simulated_time_ns(engine.simulated_time_ns());
  r.set_num_events(engine.events());
  {  // migration coverage: the import's figures, and what this replay migrated
    const trace::MigrationCoverage& c = engine.trace_header().migrations();
    auto* m = r.mutable_migrations();
    m->set_reported_pages(c.reported_pages());
    m->set_modelled_pages(c.modelled_pages());
    m->set_inferred_pages(c.inferred_pages());
    m->set_reported_outside_compaction_pages(c.reported_outside_compaction_pages());
    m->set_inferred_batch_pages(c.inferred_batch_pages());
    m->set_replayed_pages(engine.kinds()[trace::EVENT_MIGRATE].pages);
    if (c.reported_pages() > 0) {
      m->set_modelled_percent(100.0 * c.modelled_pages() / c.reported_pages());
    }
  }
  const mm::MmStats& s = mem.stats();
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
  for (const auto& [name, c] : mem.CauseList()) {
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
  const EngineCounters& e = engine.counters();
  AddCounter(cnt, "unmapped_pfn_events", e.unmapped_pfn_events);
  AddCounter(cnt, "unmapped_snapshot_pages", e.unmapped_snapshot_pages);
  AddCounter(cnt, "faults_without_pfn", e.faults_without_pfn);
  AddCounter(cnt, "scan_pages_examined", e.scan_pages_examined);
  AddCounter(cnt, "scan_descriptor_reads", e.scan_descriptor_reads);
  AddCounter(cnt, "isolated_pages", e.isolated_pages);
  AddCounter(cnt, "isolated_blocks", e.isolated_blocks);
  AddCounter(cnt, "isolation_short_pages", e.isolation_short_pages);
  AddCounter(cnt, "quanta", e.quanta);
  AddCounter(cnt, "copy_batches", e.copy_batches);
  AddCounter(cnt, "copy_starts_clamped", e.copy_starts_clamped);
  for (const auto& [name, value] : engine.pcp().CounterList()) AddCounter(cnt, name, value);
  FillCoverage(engine, &r);
  return r;
}

std::string UndescribedRuleName(UndescribedRule rule) {
  return rule == UndescribedRule::kFree ? "free" : "extrapolate";
}

absl::StatusOr<UndescribedRule> ParseUndescribedRule(const std::string& name) {
  for (UndescribedRule rule : {UndescribedRule::kExtrapolate, UndescribedRule::kFree}) {
    if (name == UndescribedRuleName(rule)) return rule;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown rule for undescribed memory '", name,
                                                 "' (expected extrapolate or free)"));
}

void ApplyUndescribedRule(UndescribedRule rule, result::Result* result) {
  result::Overhead* o = result->mutable_overhead();
  o->set_undescribed_rule(UndescribedRuleName(rule));
  const Figures mix = FiguresOf(o->described());
  const auto whole = [&](const result::OverheadFigures& all, uint64_t undescribed_pages) {
    const Figures f = FiguresOf(all);
    return rule == UndescribedRule::kFree
               ? f
               : memmap::OverheadTracker::Extrapolated(f, undescribed_pages, mix);
  };
  FillFigures(whole(o->machine(), o->undescribed_pages()), o->mutable_whole());
  for (result::NodeOverhead& n : *o->mutable_nodes()) {
    FillFigures(whole(n.figures(), n.undescribed_pages()), n.mutable_whole());
  }
  FillResidence(result);
}

}  // namespace memsim::replay
