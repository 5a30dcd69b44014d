#include "sim/hw/sim_platform.h"

#include <xbt/log.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <simgrid/s4u.hpp>
#include <xbt/config.hpp>

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

void SimPlatform::CreateEngine() {
  if (!sg4::Engine::has_instance()) {
    xbt_log_control_set("root.thresh:warning");
    new sg4::Engine("memsim");  // process-wide singleton, intentionally never destroyed
  }
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
  if (platform_built.exchange(true)) {
    return absl::FailedPreconditionError(
        "this process already built a SimGrid platform (SimGrid 3.32 has one engine per process "
        "and a sealed platform cannot be extended); run each scenario in its own process");
  }
  CreateEngine();
  sg4::Engine::set_config("network/model:" + options.network_model);
  // No reverse-direction TCP acknowledgement traffic: memory traffic has none.
  sg4::Engine::set_config("network/crosstraffic:0");
  const std::string& model = simgrid::config::get_value<std::string>("network/model");
  if (model != options.network_model) {
    return absl::FailedPreconditionError(absl::StrCat("SimGrid network/model is '", model,
                                                      "', expected '", options.network_model, "'"));
  }
  std::unique_ptr<SimPlatform> platform(new SimPlatform(topology, options));
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
      if (static_cast<int>(r.from_socket()) != from || static_cast<int>(r.to_socket()) != to)
        continue;
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

const SimPlatform::RouteCost& SimPlatform::CostOf(Endpoint from, Endpoint to) {
  const int ends = topology_.sockets() + topology_.nodes();
  if (route_costs_.empty()) route_costs_.resize(ends * ends);
  auto flat = [&](Endpoint e) {
    return e.kind == Endpoint::kSocket ? e.index : topology_.sockets() + e.index;
  };
  RouteCost& c = route_costs_[flat(from) * ends + flat(to)];
  if (c.latency_ns < 0) {
    std::vector<sg4::Link*> links;
    double latency_s = 0;
    // Endpoints were checked by the caller.
    HostOf(from).value()->route_to(HostOf(to).value(), links, &latency_s);
    double bytes_per_s = kUnlimitedBytesPerS;
    for (const sg4::Link* l : links) bytes_per_s = std::min(bytes_per_s, l->get_bandwidth());
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
  const double start_s = sg4::Engine::get_clock();
  // The simulated CPUs are the actors: each core with transfers in this batch issues its own,
  // in start order (`which` is sorted by start, so each core's share is too). One actor per
  // core and batch, not one per transfer: creating an actor maps and protects a stack (~30 us
  // of host time), which made SimGrid cost 2-3x the rest of a migration-heavy replay when
  // every transfer had its own. The same flows start at the same times either way, so the
  // bandwidth sharing, and every completion time, are the same.
  std::map<int, std::vector<size_t>> by_cpu;  // ordered by core: a deterministic creation order
  for (size_t i : which) by_cpu[transfers[i].cpu].push_back(i);
  for (auto& [cpu, mine] : by_cpu) {
    sg4::Host* host = cpu >= 0 && cpu < topology_.cores()
                          ? socket_hosts_[topology_.socket_of_core(cpu)]
                          : HostOf(transfers[mine[0]].from).value();
    const std::string name = cpu >= 0 ? absl::StrCat("cpu", cpu) : "copier";
    sg4::Actor::create(name, host, [this, &transfers, &mine = mine, done_ns, start_s]() {
      IssueTransfers(transfers, mine, start_s, done_ns);
    });
  }
  sg4::Engine::get_instance()->run();
}

void SimPlatform::IssueTransfers(const std::vector<Transfer>& transfers,
                                 const std::vector<size_t>& mine, double start_s,
                                 std::vector<double>* done_ns) const {
  // Starts each transfer as an asynchronous comm at its start time and, while waiting for
  // the next start, collects the comms that complete, so every completion is read at the
  // simulated time it happens.
  std::vector<sg4::CommPtr> active;
  std::vector<size_t> active_index;
  auto finish = [&](ssize_t k) {
    (*done_ns)[active_index[k]] = (sg4::Engine::get_clock() - start_s) * 1e9;
    active[k] = std::move(active.back());
    active.pop_back();
    active_index[k] = active_index.back();
    active_index.pop_back();
  };
  size_t next = 0;
  while (next < mine.size() || !active.empty()) {
    if (next == mine.size()) {
      finish(sg4::Comm::wait_any(active));
      continue;
    }
    const Transfer& t = transfers[mine[next]];
    const double start_at_s = start_s + t.start_ns * 1e-9;
    const double now_s = sg4::Engine::get_clock();
    if (start_at_s > now_s) {
      if (active.empty()) {
        sg4::this_actor::sleep_until(start_at_s);
      } else {
        const ssize_t k = sg4::Comm::wait_any_for(active, start_at_s - now_s);
        if (k >= 0) {
          finish(k);
          continue;
        }
      }
    }
    // After a sleep or a timed-out wait the clock is at the start time up to rounding:
    // start now, rather than wait again for a residue.
    active.push_back(
        sg4::Comm::sendto_async(HostOf(t.from).value(), HostOf(t.to).value(), t.bytes));
    active_index.push_back(mine[next]);
    ++next;
  }
}

}  // namespace memsim::hw
