// The SimGrid calls SimPlatform makes, behind an interface with no SimGrid type in it.
//
// SimGrid (Debian's, 3.32) brings 41 shared libraries into a process: 15 of ns-3, boost,
// gsl, gfortran, sqlite3, ... Mapping and relocating them cost every command ~40 ms of CPU at
// start, although only a replay with SimGrid on uses them. So the implementation lives in a
// module of its own, libmemsim_simgrid.so (simgrid_backend.cc), that SimPlatform loads with
// dlopen when the first platform or engine is made (sim_platform.cc). Everything the
// platform computes (which links, their latencies, the clustering of transfers) stays in
// SimPlatform; the backend is a thin layer over the s4u calls it made.
//
// The interface uses only the C++ standard library: the module does not link Abseil or
// protobuf, so no second copy of their state is loaded. Hosts and links are named by the
// index their Add call returned, in call order.
#ifndef MEMSIM_SIM_HW_SIMGRID_BACKEND_H_
#define MEMSIM_SIM_HW_SIMGRID_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace memsim::hw {

class SimGridBackend {
 public:
  // What one simulated core issues in a batch: a SimGrid actor on `host`, starting `flows`
  // in order (sorted by start_ns).
  struct Flow {
    int from_host;
    int to_host;
    uint64_t bytes;
    double start_ns;   // after the batch start
    size_t done_slot;  // where its completion time goes
  };
  struct Issuer {
    std::string name;
    int host;
    std::vector<Flow> flows;
  };

  virtual ~SimGridBackend() = default;

  // The process's engine (one per process: SimGrid 3.32), made if there is none yet.
  virtual void CreateEngine() = 0;
  // sg4::Engine::set_config("key:value").
  virtual void SetConfig(const std::string& key_value) = 0;
  // A string-valued configuration item, e.g. "network/model".
  virtual std::string ConfigString(const std::string& key) = 0;

  // Building the platform: one full zone, then its hosts, links and routes; Seal() ends it.
  virtual void CreateFullZone(const std::string& name) = 0;
  // A sealed host of `flops` speed; `cores` > 0 sets its core count. Returns its index.
  virtual int AddHost(const std::string& name, double flops, int cores) = 0;
  // A sealed link (FATPIPE if `fatpipe`, else shared). Returns its index.
  virtual int AddLink(const std::string& name, double bytes_per_s, double latency_ns,
                      bool fatpipe) = 0;
  // The bandwidth SimGrid holds for link `link`, bytes/s.
  virtual double LinkBandwidth(int link) = 0;
  virtual void AddRoute(int from_host, int to_host, const std::vector<int>& links,
                        bool symmetrical) = 0;
  virtual void Seal() = 0;

  // The route between two hosts as SimGrid sees it: the sum of its links' latencies, s, and
  // each link's bandwidth, bytes/s, in route order.
  virtual void Route(int from_host, int to_host, double* latency_s,
                     std::vector<double>* link_bytes_per_s) = 0;
  // SimGrid's clock, s.
  virtual double ClockS() = 0;
  // Creates one actor per issuer (in `issuers` order) and runs the engine until all flows
  // are done; each flow's completion, ns after `start_s`, goes to (*done_ns)[done_slot].
  virtual void Run(const std::vector<Issuer>& issuers, double start_s,
                   std::vector<double>* done_ns) = 0;
};

// The module's one exported function (extern "C", so dlsym finds it by this name): the
// process's backend, or null if the module was built against another interface version.
inline constexpr char kSimGridBackendEntry[] = "memsim_simgrid_backend";
inline constexpr int kSimGridBackendVersion = 1;
using SimGridBackendEntry = SimGridBackend* (*)(int version);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_SIMGRID_BACKEND_H_
