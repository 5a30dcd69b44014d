// Where a trace's pfns and CPUs land on the simulated machine. A trace recorded on a
// one-node laptop must replay on a 2- or 8-socket server, so trace pfns are placed onto the
// machine's nodes by a policy, in whole aligned sections so that every naturally aligned
// block (up to the section size) stays naturally aligned and on one node:
//
//   identity      machine pfn = trace pfn (the trace was recorded on this machine layout);
//                 pfns outside every node are dropped (counted).
//   proportional  the trace's pfn span is cut into as many equal contiguous pieces as the
//                 machine has nodes with memory (each a whole number of sections); piece i
//                 goes to node i. Keeps locality: neighbouring pfns stay neighbours.
//   interleave    section s of the trace span goes to node s mod N, at node-local section
//                 s div N: every node gets an even share of every part of the trace.
//
// Sections are 2^15 pages (128 MiB, the kernel's x86-64 SECTION_SIZE_BITS = 27). Each node's
// placement base is its start pfn rounded up to a section.
//
// CPUs: `spread` (default) places trace CPU c on core floor(c * cores / trace_cpus), so the
// trace's CPUs cover every socket; `modulo` places it on core c mod cores.
#ifndef MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_
#define MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/mm/mm_types.h"
#include "sim/replay/placement.h"
#include "sim/trace/event.h"

namespace memsim::replay {

class TraceMapping {
 public:
  static constexpr uint64_t kSectionPages = uint64_t{1} << 15;

  // Identity placement, one core (replaced by Create()).
  TraceMapping() = default;

  // trace_start_pfn/trace_end_pfn: the span of pfns the trace may name. InvalidArgument
  // (naming the node and the sizes) if the span does not fit the machine under `placement`.
  static absl::StatusOr<TraceMapping> Create(PfnPlacement placement, uint64_t trace_start_pfn,
                                             uint64_t trace_end_pfn,
                                             const std::vector<mm::NodeLayout>& nodes,
                                             CpuPlacement cpu_placement, uint32_t trace_cpus,
                                             int machine_cores);

  // Machine pfn of a trace pfn, or kNoPfn if it falls outside the mapped span.
  uint64_t MapPfn(uint64_t trace_pfn) const {
    if (placement_ == PfnPlacement::kIdentity) return trace_pfn;
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
  int CoreOf(uint32_t trace_cpu) const {
    if (cpu_placement_ == CpuPlacement::kModulo || trace_cpus_ == 0) {
      return static_cast<int>(trace_cpu % static_cast<uint32_t>(cores_));
    }
    const uint64_t c = trace_cpu % trace_cpus_;
    return static_cast<int>(c * static_cast<uint64_t>(cores_) / trace_cpus_);
  }

  PfnPlacement placement() const { return placement_; }
  CpuPlacement cpu_placement() const { return cpu_placement_; }
  std::string Describe() const;

 private:
  static constexpr int kSectionShift = 15;

  PfnPlacement placement_ = PfnPlacement::kProportional;
  CpuPlacement cpu_placement_ = CpuPlacement::kSpread;
  uint64_t base_ = 0;  // trace span start, rounded down to a section
  uint64_t end_ = 0;
  uint64_t sections_per_piece_ = 1;
  std::vector<uint64_t> node_base_;  // per node with memory
  uint32_t trace_cpus_ = 0;
  int cores_ = 1;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_TRACE_MAPPING_H_
