#include "sim/validate/stream_predictor.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/memory_access.h"
#include "sim/hw/memory_kernels.h"
#include "sim/hw/memory_system.h"
#include "sim/util/status_macros.h"

namespace memsim::validate {
namespace {

constexpr uint64_t kPageBytes = 4096;
constexpr uint32_t kWordBytes = 8;

// Runs `accesses` from core 0 on fresh caches; the total latency in ns.
double Run(const hw::MachineTopology& topology, const std::vector<hw::MemoryAccess>& accesses) {
  hw::MemorySystem memory(topology);
  return memory.AccessBatch(accesses.data(), accesses.size(), 0, nullptr);
}

}  // namespace

absl::StatusOr<std::vector<StreamPrediction>> StreamPredictor::Predict(
    const config::Machine& machine, const Options& options) {
  ASSIGN_OR_RETURN(hw::MachineTopology topology, hw::MachineTopology::Create(machine));
  if (options.lines == 0) return absl::InvalidArgumentError("stream lines must be > 0");
  const config::NumaNode& node = machine.node(topology.home_node_of_core(0));
  const uint64_t line_bytes = machine.line_bytes();
  const uint64_t base = node.start_pfn() * kPageBytes;
  const uint64_t node_lines = (node.end_pfn() - node.start_pfn()) * kPageBytes / line_bytes;
  if (options.lines > node_lines) {
    return absl::InvalidArgumentError(absl::StrCat("stream of ", options.lines,
                                                   " lines does not fit node ", node.id(), " (",
                                                   node_lines, " lines)"));
  }
  const uint32_t n = options.lines;
  const config::HostCalibration& c = machine.calibration();
  std::vector<StreamPrediction> out;
  std::vector<hw::MemoryAccess> a;
  auto add = [&](const char* name, const char* unit, double measured, double per) {
    StreamPrediction p;
    p.name = name;
    p.unit = unit;
    p.measured_ns = measured;
    p.accesses = a.size();
    p.predicted_ns = Run(topology, a) / per;
    out.push_back(p);
  };
  auto read = [&](uint64_t address, bool depends) {
    a.push_back(hw::MemoryAccess{address, kWordBytes, hw::AccessKind::kRead, depends});
  };

  a.clear();
  for (uint32_t i = 0; i < n; ++i) read(base + i * line_bytes, false);
  add("sequential_line", "ns/line", c.sequential_line_ns(), n);

  a.clear();
  const uint64_t words = uint64_t{n} * (line_bytes / kWordBytes);
  for (uint64_t w = 0; w < words; ++w) read(base + w * kWordBytes, false);
  add("sequential_word", "ns/word", c.sequential_word_ns(), static_cast<double>(words));

  // The calibration's orders: a random cyclic permutation, read in index order of its
  // successor array (independent), or followed from line 0 (dependent).
  const std::vector<uint32_t> next = hw::RandomCyclicPermutation(n, options.seed);
  a.clear();
  for (uint32_t i = 0; i < n; ++i) read(base + uint64_t{next[i]} * line_bytes, false);
  add("independent_line", "ns/line", c.independent_line_ns(), n);

  a.clear();
  uint32_t at = 0;
  for (uint32_t i = 0; i < n; ++i) {
    read(base + uint64_t{at} * line_bytes, true);
    at = next[at];
  }
  add("dependent_line", "ns/line", c.dependent_line_ns(), n);
  return out;
}

}  // namespace memsim::validate
