#include "sim/replay/bulk_copier.h"

#include <algorithm>
#include <limits>

#include "sim/hw/sim_platform.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

namespace {

// Narrowest bandwidth between two nodes, bytes/s.
double PathBandwidth(const hw::MachineTopology& t, int from, int to) {
  const auto& m = t.machine();
  double bw =
      std::min(m.node(from).dram_bandwidth_bytes_per_s(), m.node(to).dram_bandwidth_bytes_per_s());
  const int sf = t.socket_of_node(from), st = t.socket_of_node(to);
  if (sf != st) {
    for (const auto& r : m.route()) {
      if ((static_cast<int>(r.from_socket()) == sf && static_cast<int>(r.to_socket()) == st) ||
          (static_cast<int>(r.from_socket()) == st && static_cast<int>(r.to_socket()) == sf)) {
        for (const auto& name : r.links()) {
          for (const auto& l : m.link()) {
            if (l.name() == name) bw = std::min(bw, l.bandwidth_bytes_per_s());
          }
        }
        break;
      }
    }
  }
  return bw > 0 ? bw : std::numeric_limits<double>::infinity();
}

class AnalyticCopier : public BulkCopier {
 public:
  explicit AnalyticCopier(const hw::MachineTopology& t) : t_(t) {
    const int n = t.nodes();
    bw_.resize(n * n);
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) bw_[a * n + b] = PathBandwidth(t, a, b);
    }
  }
  absl::StatusOr<std::vector<double>> Run(const std::vector<Copy>& copies) override {
    std::vector<double> done;
    done.reserve(copies.size());
    for (const Copy& c : copies) done.push_back(c.start_ns + AloneNs(c));
    return done;
  }
  double AloneNs(const Copy& c) const override {
    return t_.latency_ns(c.from_node, c.to_node) +
           static_cast<double>(c.bytes) / bw_[c.from_node * t_.nodes() + c.to_node] * 1e9;
  }
  bool uses_simgrid() const override { return false; }
  const hw::MachineTopology& topology() const override { return t_; }

 private:
  const hw::MachineTopology& t_;
  std::vector<double> bw_;
};

class SimGridCopier : public BulkCopier {
 public:
  explicit SimGridCopier(hw::SimPlatform* p) : p_(p), alone_(NewAnalyticCopier(p->topology())) {}
  absl::StatusOr<std::vector<double>> Run(const std::vector<Copy>& copies) override {
    std::vector<hw::SimPlatform::Transfer> transfers;
    transfers.reserve(copies.size());
    for (const Copy& c : copies) {
      transfers.push_back({hw::SimPlatform::Endpoint::Node(c.from_node),
                           hw::SimPlatform::Endpoint::Node(c.to_node), c.bytes, c.start_ns, c.cpu});
    }
    return p_->RunBatch(transfers);
  }
  double AloneNs(const Copy& c) const override { return alone_->AloneNs(c); }
  bool uses_simgrid() const override { return true; }
  const hw::MachineTopology& topology() const override { return p_->topology(); }

 private:
  hw::SimPlatform* p_;
  std::unique_ptr<BulkCopier> alone_;
};

}  // namespace

std::unique_ptr<BulkCopier> NewAnalyticCopier(const hw::MachineTopology& topology) {
  return std::make_unique<AnalyticCopier>(topology);
}

std::unique_ptr<BulkCopier> NewSimGridCopier(hw::SimPlatform* platform) {
  return std::make_unique<SimGridCopier>(platform);
}

}  // namespace memsim::replay
