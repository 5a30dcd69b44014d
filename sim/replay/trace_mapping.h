// Where a trace's pfns and CPUs land on the simulated machine. A trace recorded on a
// one-node laptop must replay on a 2- or 8-socket server. docs/replay.md says which placement
// answers which question; in short:
//
// Placements that keep nodes (pack, nodes, replicate; `kernel`, the default, is pack for a
// one-node recording and nodes for several). Each trace node (TraceHeader.nodes, or the span
// of every pfn the trace names if it has none) is placed whole, at the same offset from its
// section-aligned start, on one machine node with CPUs (a "CPU node": cpu_less nodes hold no
// trace node):
//   pack       trace node i -> the first socket's CPU node i mod n (n: how many it has);
//   nodes      trace node i -> the machine's CPU node i mod N (N CPU nodes, in id order);
//   replicate  K = max(1, N / T) copies of the recording (T trace nodes); copy k puts trace
//              node i on CPU node (k*T + i) mod N. Every event is replayed once per copy.
// Trace nodes (or copies) folded onto one machine node sit one after the other in it.
// A trace node no CPU belongs to (known only with a CPU -> node map: a CXL expander, a
// memory-only tier) goes to the machine's CPU-less nodes instead, in id order, when it has
// any (pack: those of the first socket first).
// CPUs (kNode): trace CPU c belongs to the trace node TraceLayout::cpu_node names (the map
// inferred at import, TraceHeader.cpu_node); without one, to trace node floor(c * T / cpus)
// -- contiguous blocks, as `memsim gen` numbers them; CpuMapWarning() says so -- and runs on
// a core whose home node is that trace node's machine node: the r-th CPU of the trace node
// (plus the CPUs of earlier occupants of that machine node) on the node's r-th core, modulo
// its cores. Compaction scans and compaction migrations of a node run on one of its cores
// (the kcompactd rule: ScanCoreOf).
//
// Placements that spread the span over every node with memory:
//   identity      machine pfn = trace pfn (the trace was recorded on this machine layout);
//                 pfns outside every node are dropped (counted).
//   proportional  the trace's pfn span is cut into as many equal contiguous pieces as the
//                 machine has nodes with memory (each a whole number of sections); piece i
//                 goes to node i. Keeps locality: neighbouring pfns stay neighbours.
//   interleave    section s of the trace span goes to node s mod N, at node-local section
//                 s div N: every node gets an even share of every part of the trace.
// CPUs: `spread` places trace CPU c on core floor(c * cores / trace_cpus), so the trace's
// CPUs cover every socket; `modulo` places it on core c mod cores. (Both may also be asked
// for with pack and nodes; then the kcompactd rule is off.)
//
// Sections are 2^15 pages (128 MiB, the kernel's x86-64 SECTION_SIZE_BITS = 27): every
// naturally aligned block up to that size stays aligned and on one node. Each machine node's
// placement base is its start pfn rounded up to a section.
#ifndef MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_
#define MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/hw/machine_topology.h"
#include "sim/replay/placement.h"
#include "sim/trace/event.h"

namespace memsim::replay {

// What a trace says about the machine it was recorded on.
struct TraceLayout {
  struct Node {
    uint64_t start_pfn = 0;
    uint64_t end_pfn = 0;  // one past the last
  };
  std::vector<Node> nodes;  // empty: the trace names no pfn
  uint32_t cpus = 0;        // TraceHeader.num_cpus, or max cpu + 1
  // Per trace CPU: the index in `nodes` of its node, -1 if unknown (TraceHeader.cpu_node).
  // Empty: no map (contiguous numbering assumed).
  std::vector<int32_t> cpu_node;
};

class TraceMapping {
 public:
  static constexpr uint64_t kSectionPages = uint64_t{1} << 15;

  // Identity placement, one core (replaced by Create()).
  TraceMapping() = default;

  // Resolves kKernel and kAuto for `trace`. InvalidArgument (naming the node and the sizes)
  // if the trace does not fit the machine under `placement`, or for a CPU placement that has
  // no meaning with it (ResolveCpuPlacement).
  static absl::StatusOr<TraceMapping> Create(PfnPlacement placement, CpuPlacement cpu_placement,
                                             const TraceLayout& trace,
                                             const hw::MachineTopology& machine);

  // Copies of the recording replayed side by side (replicate; 1 otherwise).
  int copies() const { return copies_; }

  // Machine pfn of a trace pfn in copy `copy`, or kNoPfn if it falls outside the placement.
  uint64_t MapPfn(uint64_t trace_pfn, int copy = 0) const {
    if (placement_ == PfnPlacement::kIdentity) return trace_pfn;
    if (!slots_.empty()) {
      const size_t t_nodes = trace_base_.size();
      for (size_t t = 0; t < t_nodes; ++t) {
        if (trace_pfn >= trace_base_[t] && trace_pfn < trace_end_[t]) {
          return slots_[copy * t_nodes + t].machine_base + (trace_pfn - trace_base_[t]);
        }
      }
      return kNoPfn;
    }
    if (trace_pfn < base_ || trace_pfn >= end_) return kNoPfn;
    const uint64_t off = trace_pfn - base_;
    const uint64_t section = off >> kSectionShift;
    const uint64_t in_section = off & (kSectionPages - 1);
    uint64_t node, local_section;
    if (placement_ == PfnPlacement::kProportional) {
      node = section / sections_per_piece_;
      local_section = section % sections_per_piece_;
    } else {
      node = section % node_base_.size();
      local_section = section / node_base_.size();
    }
    return node_base_[node] + (local_section << kSectionShift) + in_section;
  }
  // Pages from trace_pfn to the end of its section (a block never crosses one).
  static uint64_t PagesToSectionEnd(uint64_t trace_pfn) {
    return kSectionPages - (trace_pfn & (kSectionPages - 1));
  }
  // The core trace CPU `trace_cpu` of copy `copy` runs on.
  int CoreOf(uint32_t trace_cpu, int copy = 0) const {
    if (cpu_placement_ == CpuPlacement::kNode) {
      return cpu_core_[copy * trace_cpus_ + trace_cpu % trace_cpus_];
    }
    if (cpu_placement_ == CpuPlacement::kModulo || trace_cpus_ == 0) {
      return static_cast<int>(trace_cpu % static_cast<uint32_t>(cores_));
    }
    const uint64_t c = trace_cpu % trace_cpus_;
    return static_cast<int>(c * static_cast<uint64_t>(cores_) / trace_cpus_);
  }
  // The core a compaction scan of machine node `node` runs on when its trace CPU maps to
  // `core`: under kNode, a core of `node` if `core` is elsewhere and the node has cores
  // (kcompactd is one kthread per node, bound to the node's CPUs: mm/compaction.c
  // kcompactd_run()); `core` otherwise. `node` -1 (unknown) keeps `core`.
  int ScanCoreOf(int core, int node, uint32_t trace_cpu) const {
    if (cpu_placement_ != CpuPlacement::kNode || node < 0 ||
        node >= static_cast<int>(node_cores_.size()) || home_node_[core] == node) {
      return core;
    }
    const std::vector<int>& cores = node_cores_[node];
    return cores.empty() ? core : cores[trace_cpu % cores.size()];
  }
  // The trace node trace CPU `cpu` is taken to belong to (see the file comment).
  uint32_t TraceNodeOfCpu(uint32_t cpu) const;
  // Non-empty when a node placement of a multi-node recording had to assume contiguous CPU
  // numbering for some CPUs (no CPU -> node map in the trace, or CPUs missing from it).
  const std::string& CpuMapWarning() const { return cpu_map_warning_; }

  PfnPlacement placement() const { return placement_; }          // resolved (never kKernel)
  CpuPlacement cpu_placement() const { return cpu_placement_; }  // resolved (never kAuto)
  // One line: the placement, and where each trace node and the CPUs went.
  std::string Describe() const;

 private:
  static constexpr int kSectionShift = 15;

  struct Slot {
    uint64_t machine_base = 0;  // machine pfn of the trace node's section-aligned start
    int machine_node = 0;
    uint32_t cpu_offset = 0;  // trace CPUs of earlier slots on the same machine node
  };

  absl::Status PlaceNodes(const TraceLayout& trace, const hw::MachineTopology& machine);
  absl::Status PlaceSpan(const TraceLayout& trace, const hw::MachineTopology& machine);

  PfnPlacement placement_ = PfnPlacement::kIdentity;
  CpuPlacement cpu_placement_ = CpuPlacement::kModulo;
  int copies_ = 1;
  // Node placements: per trace node, its section-aligned span; per copy and trace node
  // (index copy * trace nodes + node), where it went.
  std::vector<uint64_t> trace_base_;
  std::vector<uint64_t> trace_end_;
  std::vector<Slot> slots_;
  std::vector<int> cpu_core_;                 // [copy * trace_cpus_ + cpu] under kNode
  std::vector<std::vector<int>> node_cores_;  // per machine node: its cores (home node)
  std::vector<int> home_node_;                // per core
  std::vector<int32_t> cpu_trace_node_;       // per trace CPU (TraceLayout::cpu_node), or empty
  uint32_t cpus_assumed_ = 0;                 // trace CPUs placed by the contiguous rule
  std::vector<bool> memory_only_;             // per trace node: no CPU belongs to it (map known)
  std::string cpu_map_warning_;
  // Span placements.
  uint64_t base_ = 0;  // trace span start, rounded down to a section
  uint64_t end_ = 0;
  uint64_t sections_per_piece_ = 1;
  std::vector<uint64_t> node_base_;  // per node with memory
  uint32_t trace_cpus_ = 0;
  int cores_ = 1;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_
