#include "sim/replay/placement.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memsim::replay {

absl::StatusOr<PfnPlacement> ParsePfnPlacement(const std::string& name) {
  if (name == "identity") return PfnPlacement::kIdentity;
  if (name == "proportional") return PfnPlacement::kProportional;
  if (name == "interleave") return PfnPlacement::kInterleave;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown pfn mapping '", name, "' (expected identity, proportional or interleave)"));
}

absl::StatusOr<CpuPlacement> ParseCpuPlacement(const std::string& name) {
  if (name == "spread") return CpuPlacement::kSpread;
  if (name == "modulo") return CpuPlacement::kModulo;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown cpu mapping '", name, "' (expected spread or modulo)"));
}

std::string PfnPlacementName(PfnPlacement p) {
  switch (p) {
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
  return p == CpuPlacement::kSpread ? "spread" : "modulo";
}

}  // namespace memsim::replay
