#include "sim/workload/workload_params.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/workload/machine_desc.h"

namespace memsim::workload {

absl::Status WorkloadParams::ValidateCommon() const {
  absl::StatusOr<MachineDesc> machine = MachineDesc::Uniform(nodes, node_mem_bytes, cpus);
  if (!machine.ok()) return machine.status();
  if (events == 0) return absl::InvalidArgumentError("--num_events must be positive, got 0");
  if (events > (uint64_t{1} << 40)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--num_events must be at most 2^40, got ", events));
  }
  if (duration_ns != 0 && duration_ns < events) {
    return absl::InvalidArgumentError(absl::StrCat("--duration (", duration_ns,
                                                   " ns) must give each of the ", events,
                                                   " events at least 1 ns"));
  }
  if (footprint_bytes > total_mem_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("--footprint (", FormatByteSize(footprint_bytes),
                                                   ") is more memory than the machine has (", nodes,
                                                   " nodes × ", FormatByteSize(node_mem_bytes),
                                                   " = ", FormatByteSize(total_mem_bytes()), ")"));
  }
  return absl::OkStatus();
}

uint64_t WorkloadParams::MeanEventGapNs() const {
  if (duration_ns == 0) return 1000;
  uint64_t gap = duration_ns / events;
  return gap == 0 ? 1 : gap;
}

absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text, absl::string_view flag) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  size_t i = 0;
  while (i < s.size() && (absl::ascii_isdigit(s[i]) || s[i] == '.')) ++i;
  absl::string_view number = s.substr(0, i);
  absl::string_view unit = absl::StripAsciiWhitespace(s.substr(i));
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": cannot parse '", text, "' as a byte size (", why, "; e.g. 4GiB, 512MiB, 4096)"));
  };
  if (number.empty()) return bad("no number");
  double value = 0;
  if (!absl::SimpleAtod(number, &value) || !std::isfinite(value) || value < 0) {
    return bad("bad number");
  }
  double mult = 0;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "K" || unit == "KiB" || unit == "k") {
    mult = 1024.0;
  } else if (unit == "M" || unit == "MiB") {
    mult = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GiB") {
    mult = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TiB") {
    mult = 1024.0 * 1024 * 1024 * 1024;
  } else if (unit == "kB" || unit == "KB") {
    mult = 1e3;
  } else if (unit == "MB") {
    mult = 1e6;
  } else if (unit == "GB") {
    mult = 1e9;
  } else if (unit == "TB") {
    mult = 1e12;
  } else {
    return bad(absl::StrCat("unknown unit '", unit, "'"));
  }
  double bytes = value * mult;
  if (bytes >= 18446744073709551615.0) return bad("too large");
  if (bytes != std::floor(bytes)) return bad("not a whole number of bytes");
  return static_cast<uint64_t>(bytes);
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (u < 5 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return absl::StrCat(bytes, kUnits[u]);
}

absl::Status CheckFraction(double value, double lo, double hi, absl::string_view flag) {
  if (!(value >= lo && value <= hi)) {  // also rejects NaN
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be in [", lo, ", ", hi, "], got ", value));
  }
  return absl::OkStatus();
}

}  // namespace memsim::workload
