#include "sim/hw/sim_platform.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

namespace {

// The one platform this process may build (SimGrid 3.32: one engine, one sealed platform).
std::atomic<bool> platform_built{false};
// Whether a batch ran in SimGrid's engine (EngineHasRun).
std::atomic<bool> engine_ran{false};

// Appends the bytes of `v` to `key` (doubles exactly, not as rounded text).
template <typename T>
void AppendBytes(std::string* key, const T& v) {
  key->append(reinterpret_cast<const char*>(&v), sizeof v);
}
void AppendString(std::string* key, const std::string& s) {
  AppendBytes(key, s.size());
  key->append(s);
}

// Latency-only links must never limit bandwidth.
constexpr double kUnlimitedBytesPerS = 1e18;

constexpr char kModuleName[] = "libmemsim_simgrid.so";

// Where the SimGrid module may be, in order: beside the running binary (build/memsim and
// build/libmemsim_simgrid.so), then where this build put it (test binaries in build/tests/...).
// $MEMSIM_SIMGRID_MODULE, if set, is the only place.
std::vector<std::string> ModuleCandidates() {
  if (const char* env = std::getenv("MEMSIM_SIMGRID_MODULE"); env != nullptr && *env != '\0') {
    return {env};
  }
  std::vector<std::string> paths;
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len > 0) {
    std::string dir(self, static_cast<size_t>(len));
    dir.resize(dir.rfind('/') + 1);
    paths.push_back(absl::StrCat(dir, kModuleName));
  }
#ifdef MEMSIM_SIMGRID_MODULE_PATH
  paths.push_back(MEMSIM_SIMGRID_MODULE_PATH);
#endif
  return paths;
}

// The process's SimGrid backend, loaded on the first call (dlopen is not undone: SimGrid's
// engine lives until the process ends).
absl::StatusOr<SimGridBackend*> Backend() {
  static std::once_flag once;
  static absl::StatusOr<SimGridBackend*> backend;
  std::call_once(once, [] {
    std::vector<std::string> errors;
    for (const std::string& path : ModuleCandidates()) {
      if (access(path.c_str(), F_OK) != 0) {
        errors.push_back(absl::StrCat(path, ": not found"));
        continue;
      }
      void* module = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
      if (module == nullptr) {
        errors.push_back(dlerror());
        continue;
      }
      auto entry = reinterpret_cast<SimGridBackendEntry>(dlsym(module, kSimGridBackendEntry));
      SimGridBackend* b = entry != nullptr ? entry(kSimGridBackendVersion) : nullptr;
      if (b == nullptr) {
        errors.push_back(absl::StrCat(path, ": not a SimGrid module of this memsim version"));
        continue;
      }
      backend = b;
      return;
    }
    backend = absl::FailedPreconditionError(
        absl::StrCat("cannot load the SimGrid module ", kModuleName,
                     " (it is built with memsim; set MEMSIM_SIMGRID_MODULE to its path, or "
                     "replay with --nosimgrid): ",
                     absl::StrJoin(errors, "; ")));
  });
  return backend;
}

// Time one line takes to cross the slowest of links of `bytes_per_s` bandwidths, ns.
double LineSerialisationNs(const std::vector<double>& bytes_per_s, double line_bytes) {
  double min_bandwidth = kUnlimitedBytesPerS;
  for (double b : bytes_per_s) min_bandwidth = std::min(min_bandwidth, b);
  return line_bytes / min_bandwidth * 1e9;
}

}  // namespace

void SimPlatform::CreateEngine() {
  absl::StatusOr<SimGridBackend*> sg = Backend();
  if (sg.ok()) (*sg)->CreateEngine();
}

absl::StatusOr<std::unique_ptr<SimPlatform>> SimPlatform::Create(const MachineTopology& topology) {
  return Create(topology, SimPlatformOptions());
}

absl::StatusOr<std::unique_ptr<SimPlatform>> SimPlatform::Create(
    const MachineTopology& topology, const SimPlatformOptions& options) {
  if (options.network_model != "CM02" && !options.allow_tcp_models) {
    return absl::FailedPreconditionError(absl::StrCat(
        "network model '", options.network_model,
        "' refused: SimGrid's TCP models (LV08, the default) scale latencies by ~13, turning an "
        "80 ns memory access into ~1 us; use CM02"));
  }
  ASSIGN_OR_RETURN(SimGridBackend * sg, Backend());
  if (platform_built.exchange(true)) {
    return absl::FailedPreconditionError(
        "this process already built a SimGrid platform (SimGrid 3.32 has one engine per process "
        "and a sealed platform cannot be extended); run each scenario in its own process");
  }
  sg->CreateEngine();
  sg->SetConfig("network/model:" + options.network_model);
  // No reverse-direction TCP acknowledgement traffic: memory traffic has none.
  sg->SetConfig("network/crosstraffic:0");
  const std::string model = sg->ConfigString("network/model");
  if (model != options.network_model) {
    return absl::FailedPreconditionError(absl::StrCat("SimGrid network/model is '", model,
                                                      "', expected '", options.network_model, "'"));
  }
  std::unique_ptr<SimPlatform> platform(new SimPlatform(topology, options, sg));
  RETURN_IF_ERROR(platform->Build());
  return platform;
}

std::string SimPlatform::Key(const MachineTopology& topology, const SimPlatformOptions& options) {
  // What Build, RunBatch and Simulate read of the machine, and the options.
  std::string key;
  AppendString(&key, options.network_model);
  AppendBytes(&key, options.allow_tcp_models);
  AppendBytes(&key, options.closed_form_when_alone);
  const config::Machine& m = topology.machine();
  AppendBytes(&key, topology.sockets());
  AppendBytes(&key, topology.nodes());
  AppendBytes(&key, topology.cores());
  AppendBytes(&key, m.line_bytes());
  AppendBytes(&key, m.clock_ghz());
  AppendBytes(&key, m.cores_per_socket());
  for (int c = 0; c < topology.cores(); ++c) AppendBytes(&key, topology.socket_of_core(c));
  for (int s = 0; s < topology.sockets(); ++s) AppendBytes(&key, topology.first_cpu_node(s));
  for (int n = 0; n < topology.nodes(); ++n) {
    AppendBytes(&key, topology.socket_of_node(n));
    AppendBytes(&key, m.node(n).dram_bandwidth_bytes_per_s());
    for (int to = 0; to < topology.nodes(); ++to) AppendBytes(&key, topology.latency_ns(n, to));
  }
  AppendBytes(&key, m.link_size());
  for (const config::InterconnectLink& l : m.link()) {
    AppendString(&key, l.name());
    AppendBytes(&key, l.bandwidth_bytes_per_s());
    AppendBytes(&key, l.latency_ns());
  }
  AppendBytes(&key, m.route_size());
  for (const config::Route& r : m.route()) {
    AppendBytes(&key, r.from_socket());
    AppendBytes(&key, r.to_socket());
    AppendBytes(&key, r.links_size());
    for (const std::string& name : r.links()) AppendString(&key, name);
  }
  return key;
}

bool SimPlatform::EngineHasRun() { return engine_ran.load(); }

bool SimPlatform::CanRebind(const MachineTopology& topology) const {
  return Key(topology, options_) == Key(topology_, options_);
}

absl::Status SimPlatform::Rebind(const MachineTopology& topology) {
  if (!CanRebind(topology)) {
    return absl::FailedPreconditionError(
        absl::StrCat("machine '", topology.machine().name(),
                     "' needs another SimGrid platform than the one this process built (for '",
                     topology_.machine().name(), "')"));
  }
  topology_ = topology;
  simulated_transfers_ = 0;
  return absl::OkStatus();
}

absl::Status SimPlatform::Build() {
  const config::Machine& m = topology_.machine();
  sg_->CreateFullZone(m.name().empty() ? "machine" : m.name());
  const int sockets = topology_.sockets();
  const int nodes = topology_.nodes();
  const double line_bytes = m.line_bytes();
  for (int s = 0; s < sockets; ++s) {
    socket_hosts_.push_back(sg_->AddHost(absl::StrCat("socket", s), m.clock_ghz() * 1e9,
                                         static_cast<int>(m.cores_per_socket())));
  }
  std::vector<int> channel(nodes);
  for (int n = 0; n < nodes; ++n) {
    node_hosts_.push_back(sg_->AddHost(absl::StrCat("node", n), 1e9, /*cores=*/0));
    // Memory channels: full DRAM bandwidth, no latency (the matrix carries it all).
    channel[n] = sg_->AddLink(absl::StrCat("mem", n), m.node(n).dram_bandwidth_bytes_per_s(), 0,
                              /*fatpipe=*/false);
  }
  std::map<std::string, int> links;
  for (const config::InterconnectLink& l : m.link()) {
    links[l.name()] = sg_->AddLink(l.name(), l.bandwidth_bytes_per_s(), l.latency_ns(), false);
  }
  // A route's links and, for the line serialisation below, their bandwidths.
  struct Route {
    std::vector<int> links;
    std::vector<double> bytes_per_s;
    void Add(SimGridBackend* sg, int link) {
      links.push_back(link);
      bytes_per_s.push_back(sg->LinkBandwidth(link));
    }
  };
  // Interconnect links between two sockets, and their latency sum.
  auto socket_path = [&](int from, int to, Route* out) {
    double ns = 0;
    if (from == to) return ns;
    for (const config::Route& r : m.route()) {
      if (static_cast<int>(r.from_socket()) != from || static_cast<int>(r.to_socket()) != to)
        continue;
      for (const std::string& name : r.links()) {
        out->Add(sg_, links.at(name));
        for (const auto& l : m.link()) {
          if (l.name() == name) ns += l.latency_ns();
        }
      }
    }
    return ns;
  };
  // socket -> node and node -> socket.
  for (int s = 0; s < sockets; ++s) {
    for (int n = 0; n < nodes; ++n) {
      Route route;
      const double link_ns = socket_path(s, topology_.socket_of_node(n), &route);
      route.Add(sg_, channel[n]);
      // The matrix latency is that of a whole line, serialisation included: the private
      // hop gets what the shared links do not already charge for one line.
      const double want_ns = topology_.latency_ns(topology_.first_cpu_node(s), n) - link_ns -
                             LineSerialisationNs(route.bytes_per_s, line_bytes);
      route.links.push_back(sg_->AddLink(absl::StrCat("lat-s", s, "-n", n), kUnlimitedBytesPerS,
                                         std::max(0.0, want_ns), /*fatpipe=*/true));
      sg_->AddRoute(socket_hosts_[s], node_hosts_[n], route.links, /*symmetrical=*/true);
    }
  }
  // node -> node (page copies): read channel, interconnect, write channel.
  for (int a = 0; a < nodes; ++a) {
    for (int b = 0; b < nodes; ++b) {
      if (a == b) continue;
      Route route;
      route.Add(sg_, channel[a]);
      const double link_ns =
          socket_path(topology_.socket_of_node(a), topology_.socket_of_node(b), &route);
      route.Add(sg_, channel[b]);
      const double want_ns =
          topology_.latency_ns(a, b) - link_ns - LineSerialisationNs(route.bytes_per_s, line_bytes);
      route.links.push_back(sg_->AddLink(absl::StrCat("lat-n", a, "-n", b), kUnlimitedBytesPerS,
                                         std::max(0.0, want_ns), true));
      sg_->AddRoute(node_hosts_[a], node_hosts_[b], route.links, /*symmetrical=*/false);
    }
    // A copy within one node reads and writes the same channels.
    Route self;
    self.Add(sg_, channel[a]);
    const double self_ns =
        topology_.latency_ns(a, a) - LineSerialisationNs(self.bytes_per_s, line_bytes);
    self.links.push_back(sg_->AddLink(absl::StrCat("lat-n", a, "-n", a), kUnlimitedBytesPerS,
                                      std::max(0.0, self_ns), true));
    sg_->AddRoute(node_hosts_[a], node_hosts_[a], self.links, false);
  }
  sg_->Seal();
  return absl::OkStatus();
}

absl::StatusOr<int> SimPlatform::HostOf(Endpoint e) const {
  if (e.kind == Endpoint::kSocket) {
    if (e.index < 0 || e.index >= static_cast<int>(socket_hosts_.size())) {
      return absl::InvalidArgumentError(absl::StrCat("no socket ", e.index));
    }
    return socket_hosts_[e.index];
  }
  if (e.index < 0 || e.index >= static_cast<int>(node_hosts_.size())) {
    return absl::InvalidArgumentError(absl::StrCat("no node ", e.index));
  }
  return node_hosts_[e.index];
}

absl::StatusOr<double> SimPlatform::RouteLatencyNs(Endpoint from, Endpoint to) const {
  ASSIGN_OR_RETURN(int src, HostOf(from));
  ASSIGN_OR_RETURN(int dst, HostOf(to));
  std::vector<double> bytes_per_s;
  double latency_s = 0;
  sg_->Route(src, dst, &latency_s, &bytes_per_s);
  return latency_s * 1e9;
}

double SimPlatform::now_ns() const { return sg_->ClockS() * 1e9; }

const SimPlatform::RouteCost& SimPlatform::CostOf(Endpoint from, Endpoint to) {
  const int ends = topology_.sockets() + topology_.nodes();
  if (route_costs_.empty()) route_costs_.resize(ends * ends);
  auto flat = [&](Endpoint e) {
    return e.kind == Endpoint::kSocket ? e.index : topology_.sockets() + e.index;
  };
  RouteCost& c = route_costs_[flat(from) * ends + flat(to)];
  if (c.latency_ns < 0) {
    std::vector<double> link_bytes_per_s;
    double latency_s = 0;
    // Endpoints were checked by the caller.
    sg_->Route(HostOf(from).value(), HostOf(to).value(), &latency_s, &link_bytes_per_s);
    double bytes_per_s = kUnlimitedBytesPerS;
    for (double b : link_bytes_per_s) bytes_per_s = std::min(bytes_per_s, b);
    c.latency_ns = latency_s * 1e9;
    c.bytes_per_ns = bytes_per_s * 1e-9;
  }
  return c;
}

absl::StatusOr<std::vector<double>> SimPlatform::RunBatch(const std::vector<Transfer>& transfers) {
  for (const Transfer& t : transfers) {
    RETURN_IF_ERROR(HostOf(t.from).status());
    RETURN_IF_ERROR(HostOf(t.to).status());
    if (t.start_ns < 0) return absl::InvalidArgumentError("negative transfer start time");
  }
  // Starts in time order; a stable sort keeps equal starts in the caller's order, so the
  // run is deterministic.
  std::vector<size_t> order(transfers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return transfers[a].start_ns < transfers[b].start_ns;
  });
  std::vector<double> done_ns(transfers.size(), 0);
  if (options_.network_model != "CM02" || !options_.closed_form_when_alone) {
    Simulate(transfers, order, &done_ns);
    return done_ns;
  }
  // Clusters of possibly overlapping transfers. cluster_end bounds from above when the
  // cluster's last transfer ends: max-min sharing keeps the machine busy at a normalised
  // rate of at least one lone transfer (docs/replay.md), so the members cannot take longer
  // than one after the other.
  std::vector<size_t> simulate;
  std::vector<double> alone_ns(transfers.size());
  size_t first = 0;  // position in `order` of the current cluster's first transfer
  double cluster_end_ns = 0;
  auto close_cluster = [&](size_t end) {
    if (end - first == 1) {
      const size_t i = order[first];
      done_ns[i] = transfers[i].start_ns + alone_ns[i];
    } else {
      simulate.insert(simulate.end(), order.begin() + first, order.begin() + end);
    }
    first = end;
  };
  for (size_t k = 0; k < order.size(); ++k) {
    const Transfer& t = transfers[order[k]];
    const RouteCost& c = CostOf(t.from, t.to);
    // SimGrid's (CM02) time for a lone flow: latency, then the bytes at the narrowest link.
    alone_ns[order[k]] = c.latency_ns + static_cast<double>(t.bytes) / c.bytes_per_ns;
    if (k > 0 && t.start_ns >= cluster_end_ns) close_cluster(k);
    cluster_end_ns = std::max(cluster_end_ns, t.start_ns) + alone_ns[order[k]];
  }
  if (!order.empty()) close_cluster(order.size());
  if (!simulate.empty()) Simulate(transfers, simulate, &done_ns);
  return done_ns;
}

void SimPlatform::Simulate(const std::vector<Transfer>& transfers, const std::vector<size_t>& which,
                           std::vector<double>* done_ns) {
  simulated_transfers_ += which.size();
  engine_ran = true;
  const double start_s = sg_->ClockS();
  // The simulated CPUs are the actors: each core with transfers in this batch issues its own,
  // in start order (`which` is sorted by start, so each core's share is too). One actor per
  // core and batch, not one per transfer: creating an actor maps and protects a stack (~30 us
  // of host time), which made SimGrid cost 2-3x the rest of a migration-heavy replay when
  // every transfer had its own. The same flows start at the same times either way, so the
  // bandwidth sharing, and every completion time, are the same.
  std::map<int, std::vector<size_t>> by_cpu;  // ordered by core: a deterministic creation order
  for (size_t i : which) by_cpu[transfers[i].cpu].push_back(i);
  std::vector<SimGridBackend::Issuer> issuers;
  issuers.reserve(by_cpu.size());
  for (const auto& [cpu, mine] : by_cpu) {
    SimGridBackend::Issuer& issuer = issuers.emplace_back();
    issuer.name = cpu >= 0 ? absl::StrCat("cpu", cpu) : "copier";
    issuer.host = cpu >= 0 && cpu < topology_.cores() ? socket_hosts_[topology_.socket_of_core(cpu)]
                                                      : HostOf(transfers[mine[0]].from).value();
    issuer.flows.reserve(mine.size());
    for (size_t i : mine) {
      const Transfer& t = transfers[i];
      issuer.flows.push_back(
          {HostOf(t.from).value(), HostOf(t.to).value(), t.bytes, t.start_ns, i});
    }
  }
  sg_->Run(issuers, start_s, done_ns);
}

}  // namespace memsim::hw
