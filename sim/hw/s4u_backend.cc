// SimGridBackend over SimGrid's s4u API: the whole of libmemsim_simgrid.so, the module
// SimPlatform loads with dlopen (simgrid_backend.h says why). Standard C++ and SimGrid only.
#include <xbt/log.h>

#include <memory>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>
#include <xbt/config.hpp>

#include "sim/hw/simgrid_backend.h"

namespace memsim::hw {
namespace {
namespace sg4 = simgrid::s4u;

class S4uBackend final : public SimGridBackend {
 public:
  void CreateEngine() override {
    if (!sg4::Engine::has_instance()) {
      xbt_log_control_set("root.thresh:warning");
      new sg4::Engine("memsim");  // process-wide singleton, intentionally never destroyed
    }
  }

  void SetConfig(const std::string& key_value) override { sg4::Engine::set_config(key_value); }

  std::string ConfigString(const std::string& key) override {
    return simgrid::config::get_value<std::string>(key);
  }

  void CreateFullZone(const std::string& name) override { zone_ = sg4::create_full_zone(name); }

  int AddHost(const std::string& name, double flops, int cores) override {
    sg4::Host* host = zone_->create_host(name, flops);
    if (cores > 0) host->set_core_count(cores);
    hosts_.push_back(host->seal());
    return static_cast<int>(hosts_.size()) - 1;
  }

  int AddLink(const std::string& name, double bytes_per_s, double latency_ns,
              bool fatpipe) override {
    sg4::Link* link = zone_->create_link(name, bytes_per_s);
    link->set_latency(latency_ns * 1e-9);
    if (fatpipe) link->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE);
    links_.push_back(link->seal());
    return static_cast<int>(links_.size()) - 1;
  }

  double LinkBandwidth(int link) override { return links_[link]->get_bandwidth(); }

  void AddRoute(int from_host, int to_host, const std::vector<int>& links,
                bool symmetrical) override {
    std::vector<sg4::LinkInRoute> route;
    route.reserve(links.size());
    for (int l : links) route.emplace_back(links_[l]);
    zone_->add_route(hosts_[from_host]->get_netpoint(), hosts_[to_host]->get_netpoint(), nullptr,
                     nullptr, route, symmetrical);
  }

  void Seal() override { zone_->seal(); }

  void Route(int from_host, int to_host, double* latency_s,
             std::vector<double>* link_bytes_per_s) override {
    std::vector<sg4::Link*> links;
    *latency_s = 0;
    hosts_[from_host]->route_to(hosts_[to_host], links, latency_s);
    link_bytes_per_s->clear();
    for (const sg4::Link* l : links) link_bytes_per_s->push_back(l->get_bandwidth());
  }

  double ClockS() override { return sg4::Engine::get_clock(); }

  void Run(const std::vector<Issuer>& issuers, double start_s,
           std::vector<double>* done_ns) override {
    for (const Issuer& issuer : issuers) {
      sg4::Actor::create(issuer.name, hosts_[issuer.host], [this, &issuer, done_ns, start_s]() {
        Issue(issuer.flows, start_s, done_ns);
      });
    }
    sg4::Engine::get_instance()->run();
  }

 private:
  // The body of one issuer's actor: starts each flow as an asynchronous comm at its start
  // time and, while waiting for the next start, collects the comms that complete, so every
  // completion is read at the simulated time it happens.
  void Issue(const std::vector<Flow>& flows, double start_s, std::vector<double>* done_ns) const {
    std::vector<sg4::CommPtr> active;
    std::vector<size_t> active_slot;
    auto finish = [&](ssize_t k) {
      (*done_ns)[active_slot[k]] = (sg4::Engine::get_clock() - start_s) * 1e9;
      active[k] = std::move(active.back());
      active.pop_back();
      active_slot[k] = active_slot.back();
      active_slot.pop_back();
    };
    size_t next = 0;
    while (next < flows.size() || !active.empty()) {
      if (next == flows.size()) {
        finish(sg4::Comm::wait_any(active));
        continue;
      }
      const Flow& f = flows[next];
      const double start_at_s = start_s + f.start_ns * 1e-9;
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
      active.push_back(sg4::Comm::sendto_async(hosts_[f.from_host], hosts_[f.to_host], f.bytes));
      active_slot.push_back(f.done_slot);
      ++next;
    }
  }

  sg4::NetZone* zone_ = nullptr;
  std::vector<sg4::Host*> hosts_;
  std::vector<sg4::Link*> links_;
};

}  // namespace
}  // namespace memsim::hw

extern "C" __attribute__((visibility("default"))) memsim::hw::SimGridBackend*
memsim_simgrid_backend(int version) {
  if (version != memsim::hw::kSimGridBackendVersion) return nullptr;
  static memsim::hw::S4uBackend* backend = new memsim::hw::S4uBackend();  // never destroyed
  return backend;
}
