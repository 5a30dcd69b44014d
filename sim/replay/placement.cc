#include "sim/replay/placement.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memsim::replay {

absl::StatusOr<PfnPlacement> ParsePfnPlacement(const std::string& name) {
  if (name == "kernel") return PfnPlacement::kKernel;
  if (name == "pack") return PfnPlacement::kPack;
  if (name == "nodes") return PfnPlacement::kNodes;
  if (name == "replicate") return PfnPlacement::kReplicate;
  if (name == "identity") return PfnPlacement::kIdentity;
  if (name == "proportional") return PfnPlacement::kProportional;
  if (name == "interleave") return PfnPlacement::kInterleave;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown placement '", name,
                   "' (expected kernel, pack, nodes, replicate, proportional, interleave or "
                   "identity)"));
}

absl::StatusOr<CpuPlacement> ParseCpuPlacement(const std::string& name) {
  if (name.empty() || name == "auto") return CpuPlacement::kAuto;
  if (name == "node") return CpuPlacement::kNode;
  if (name == "spread") return CpuPlacement::kSpread;
  if (name == "modulo") return CpuPlacement::kModulo;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown cpu mapping '", name, "' (expected auto, node, spread or modulo)"));
}

std::string PfnPlacementName(PfnPlacement p) {
  switch (p) {
    case PfnPlacement::kKernel:
      return "kernel";
    case PfnPlacement::kPack:
      return "pack";
    case PfnPlacement::kNodes:
      return "nodes";
    case PfnPlacement::kReplicate:
      return "replicate";
    case PfnPlacement::kIdentity:
      return "identity";
    case PfnPlacement::kProportional:
      return "proportional";
    case PfnPlacement::kInterleave:
      return "interleave";
  }
  return "?";
}

std::string CpuPlacementName(CpuPlacement p) {
  switch (p) {
    case CpuPlacement::kAuto:
      return "auto";
    case CpuPlacement::kNode:
      return "node";
    case CpuPlacement::kSpread:
      return "spread";
    case CpuPlacement::kModulo:
      return "modulo";
  }
  return "?";
}

bool IsNodePlacement(PfnPlacement p) {
  return p == PfnPlacement::kKernel || p == PfnPlacement::kPack || p == PfnPlacement::kNodes ||
         p == PfnPlacement::kReplicate;
}

PfnPlacement ResolvePfnPlacement(PfnPlacement p, size_t trace_nodes) {
  if (p != PfnPlacement::kKernel) return p;
  return trace_nodes > 1 ? PfnPlacement::kNodes : PfnPlacement::kPack;
}

absl::StatusOr<CpuPlacement> ResolveCpuPlacement(CpuPlacement cpu, PfnPlacement pfn) {
  if (cpu == CpuPlacement::kAuto) {
    return IsNodePlacement(pfn) ? CpuPlacement::kNode : CpuPlacement::kSpread;
  }
  if (cpu == CpuPlacement::kNode && !IsNodePlacement(pfn)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cpu mapping 'node' needs a placement that keeps nodes (kernel, pack, nodes or "
        "replicate), not '",
        PfnPlacementName(pfn), "'"));
  }
  if (cpu != CpuPlacement::kNode && pfn == PfnPlacement::kReplicate) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu mapping '", CpuPlacementName(cpu),
                     "' cannot place the copies of 'replicate' (each copy runs on its own "
                     "node's cores): leave the cpu mapping at auto"));
  }
  return cpu;
}

}  // namespace memsim::replay
