// Where the time of an operation went: the service source each nanosecond of its latency is
// charged to (result::LatencySources; the rule is in docs/machine-model.md, "Where the time
// goes"). MemorySystem fills the memory sources of each AccessBatch; the replay engine adds
// the non-memory work and the migration copy. Header-only plain data.
#ifndef MEMSIM_SIM_HW_LATENCY_SOURCE_H_
#define MEMSIM_SIM_HW_LATENCY_SOURCE_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace memsim::hw {

enum class LatencySource : uint8_t {
  kL1 = 0,
  kL2,
  kLlc,               // LLC hits, and lines another core of the socket forwarded
  kDramLocal,         // DRAM of the core's home node (and lines outside every node)
  kDramRemoteNode,    // DRAM of another node with CPUs on the same socket
  kDramRemoteSocket,  // DRAM of a node with CPUs on another socket (the link included)
  kDramCpuLess,       // DRAM of a CPU-less node (CXL, HBM-only), wherever it is
  kCoherence,         // HITM, and waits for other sockets' copies to be invalidated
  kCompute,           // non-memory work (Timing.cycles_per_*)
  kCopy,              // a migration's data copy between nodes
};
inline constexpr size_t kNumLatencySources = 10;

// ns per LatencySource.
struct LatencySplit {
  std::array<double, kNumLatencySources> ns{};

  double& operator[](LatencySource s) { return ns[static_cast<size_t>(s)]; }
  double operator[](LatencySource s) const { return ns[static_cast<size_t>(s)]; }
  LatencySplit& operator+=(const LatencySplit& o) {
    for (size_t i = 0; i < kNumLatencySources; ++i) ns[i] += o.ns[i];
    return *this;
  }
  double Sum() const {
    double s = 0;
    for (double v : ns) s += v;
    return s;
  }
  void Clear() { ns.fill(0.0); }
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_LATENCY_SOURCE_H_
