#include "sim/hw/sim_platform.h"

#include <simgrid/s4u.hpp>
#include <xbt/config.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace sg4 = simgrid::s4u;

namespace {

// The one platform this process may build (SimGrid 3.32: one engine, one sealed platform).
std::atomic<bool> platform_built{false};

// Latency-only links must never limit bandwidth.
constexpr double kUnlimitedBytesPerS = 1e18;

sg4::Link* MakeLink(sg4::NetZone* zone, const std::string& name, double bytes_per_s,
                    double latency_ns, bool fatpipe) {
  sg4::Link* link = zone->create_link(name, bytes_per_s);
  link->set_latency(latency_ns * 1e-9);
  if (fatpipe) link->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE);
  return link->seal();
}

// Time one line takes to cross the slowest link of `route`, ns.
double LineSerialisationNs(const std::vector<sg4::LinkInRoute>& route, double line_bytes) {
  double min_bandwidth = kUnlimitedBytesPerS;
  for (const sg4::LinkInRoute& l : route) {
    min_bandwidth = std::min(min_bandwidth, l.get_link()->get_bandwidth());
  }
  return line_bytes / min_bandwidth * 1e9;
}

}  // namespace

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
  if (platform_built.exchange(true)) {
    return absl::FailedPreconditionError(
        "this process already built a SimGrid platform (SimGrid 3.32 has one engine per process "
        "and a sealed platform cannot be extended); run each scenario in its own process");
  }
  if (!sg4::Engine::has_instance()) {
    xbt_log_control_set("root.thresh:warning");
    new sg4::Engine("memsim");  // process-wide singleton, intentionally never destroyed
  }
  sg4::Engine::set_config("network/model:" + options.network_model);
  // No reverse-direction TCP acknowledgement traffic: memory traffic has none.
  sg4::Engine::set_config("network/crosstraffic:0");
  const std::string& model = simgrid::config::get_value<std::string>("network/model");
  if (model != options.network_model) {
    return absl::FailedPreconditionError(
        absl::StrCat("SimGrid network/model is '", model, "', expected '", options.network_model, "'"));
  }
  std::unique_ptr<SimPlatform> platform(new SimPlatform(topology));
  RETURN_IF_ERROR(platform->Build());
  return platform;
}

absl::Status SimPlatform::Build() {
  const config::Machine& m = topology_.machine();
  sg4::NetZone* zone = sg4::create_full_zone(m.name().empty() ? "machine" : m.name());
  const int sockets = topology_.sockets();
  const int nodes = topology_.nodes();
  const double line_bytes = m.line_bytes();
  for (int s = 0; s < sockets; ++s) {
    sg4::Host* host = zone->create_host(absl::StrCat("socket", s), m.clock_ghz() * 1e9);
    host->set_core_count(static_cast<int>(m.cores_per_socket()));
    socket_hosts_.push_back(host->seal());
  }
  std::vector<sg4::Link*> channel(nodes);
  for (int n = 0; n < nodes; ++n) {
    node_hosts_.push_back(zone->create_host(absl::StrCat("node", n), 1e9)->seal());
    // Memory channels: full DRAM bandwidth, no latency (the matrix carries it all).
    channel[n] = MakeLink(zone, absl::StrCat("mem", n), m.node(n).dram_bandwidth_bytes_per_s(), 0,
                          /*fatpipe=*/false);
  }
  std::map<std::string, sg4::Link*> links;
  for (const config::InterconnectLink& l : m.link()) {
    links[l.name()] = MakeLink(zone, l.name(), l.bandwidth_bytes_per_s(), l.latency_ns(), false);
  }
  // Interconnect links between two sockets, and their latency sum.
  auto socket_path = [&](int from, int to, std::vector<sg4::LinkInRoute>* out) {
    double ns = 0;
    if (from == to) return ns;
    for (const config::Route& r : m.route()) {
      if (static_cast<int>(r.from_socket()) != from || static_cast<int>(r.to_socket()) != to) continue;
      for (const std::string& name : r.links()) {
        out->emplace_back(links.at(name));
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
      std::vector<sg4::LinkInRoute> route;
      const double link_ns = socket_path(s, topology_.socket_of_node(n), &route);
      route.emplace_back(channel[n]);
      // The matrix latency is that of a whole line, serialisation included: the private
      // hop gets what the shared links do not already charge for one line.
      const double want_ns = topology_.latency_ns(topology_.first_cpu_node(s), n) - link_ns -
                             LineSerialisationNs(route, line_bytes);
      route.emplace_back(MakeLink(zone, absl::StrCat("lat-s", s, "-n", n), kUnlimitedBytesPerS,
                                  std::max(0.0, want_ns), /*fatpipe=*/true));
      zone->add_route(socket_hosts_[s]->get_netpoint(), node_hosts_[n]->get_netpoint(), nullptr,
                      nullptr, route, /*symmetrical=*/true);
    }
  }
  // node -> node (page copies): read channel, interconnect, write channel.
  for (int a = 0; a < nodes; ++a) {
    for (int b = 0; b < nodes; ++b) {
      if (a == b) continue;
      std::vector<sg4::LinkInRoute> route;
      route.emplace_back(channel[a]);
      const double link_ns =
          socket_path(topology_.socket_of_node(a), topology_.socket_of_node(b), &route);
      route.emplace_back(channel[b]);
      const double want_ns =
          topology_.latency_ns(a, b) - link_ns - LineSerialisationNs(route, line_bytes);
      route.emplace_back(MakeLink(zone, absl::StrCat("lat-n", a, "-n", b), kUnlimitedBytesPerS,
                                  std::max(0.0, want_ns), true));
      zone->add_route(node_hosts_[a]->get_netpoint(), node_hosts_[b]->get_netpoint(), nullptr,
                      nullptr, route, /*symmetrical=*/false);
    }
    // A copy within one node reads and writes the same channels.
    std::vector<sg4::LinkInRoute> self = {sg4::LinkInRoute(channel[a])};
    const double self_ns = topology_.latency_ns(a, a) - LineSerialisationNs(self, line_bytes);
    self.emplace_back(MakeLink(zone, absl::StrCat("lat-n", a, "-n", a), kUnlimitedBytesPerS,
                               std::max(0.0, self_ns), true));
    zone->add_route(node_hosts_[a]->get_netpoint(), node_hosts_[a]->get_netpoint(), nullptr,
                    nullptr, self, false);
  }
  zone->seal();
  return absl::OkStatus();
}

absl::StatusOr<sg4::Host*> SimPlatform::HostOf(Endpoint e) const {
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
  ASSIGN_OR_RETURN(sg4::Host * src, HostOf(from));
  ASSIGN_OR_RETURN(sg4::Host * dst, HostOf(to));
  std::vector<sg4::Link*> route;
  double latency_s = 0;
  src->route_to(dst, route, &latency_s);
  return latency_s * 1e9;
}

double SimPlatform::now_ns() const { return sg4::Engine::get_clock() * 1e9; }

absl::StatusOr<std::vector<double>> SimPlatform::RunBatch(const std::vector<Transfer>& transfers) {
  std::vector<std::pair<sg4::Host*, sg4::Host*>> hosts;
  hosts.reserve(transfers.size());
  for (const Transfer& t : transfers) {
    ASSIGN_OR_RETURN(sg4::Host * src, HostOf(t.from));
    ASSIGN_OR_RETURN(sg4::Host * dst, HostOf(t.to));
    if (t.start_ns < 0) return absl::InvalidArgumentError("negative transfer start time");
    hosts.emplace_back(src, dst);
  }
  const double start_s = sg4::Engine::get_clock();
  std::vector<double> done_ns(transfers.size(), 0);
  for (size_t i = 0; i < transfers.size(); ++i) {
    const Transfer& t = transfers[i];
    auto [src, dst] = hosts[i];
    // One small actor per transfer: it waits for its start, then moves the bytes.
    sg4::Actor::create(absl::StrCat("xfer", i), src, [&, i, src = src, dst = dst, t]() {
      if (t.start_ns > 0) sg4::this_actor::sleep_until(start_s + t.start_ns * 1e-9);
      sg4::Comm::sendto(src, dst, t.bytes);
      done_ns[i] = (sg4::Engine::get_clock() - start_s) * 1e9;
    });
  }
  sg4::Engine::get_instance()->run();
  return done_ns;
}

}  // namespace memsim::hw
