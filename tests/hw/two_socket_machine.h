// The small two-socket machine of the timing-model tests (memory_system_timing_test,
// latency_sources_test), whose figures those tests derive their expected times from:
// 2 sockets x 2 cores at 1 GHz (1 cycle = 1 ns): L1d 4 KiB 8-way (1 ns), L2 64 KiB 8-way
// (10 ns), LLC 256 KiB 8-way (40 ns), non-inclusive. Node 0 = pfns [0, 4096) on socket 0,
// node 1 = [4096, 8192) on socket 1. DRAM 100 ns local, 150 ns remote (also the HITM
// latency to the other socket's node); a 10 ns, 10 GB/s link between the sockets.
#ifndef MEMSIM_TESTS_HW_TWO_SOCKET_MACHINE_H_
#define MEMSIM_TESTS_HW_TWO_SOCKET_MACHINE_H_

#include <string>

#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/machine_validator.h"

namespace memsim::hw::test_machines {

// The machine named `name`, with config::Timing from `timing` (a textproto body; empty:
// the serial model).
inline config::Machine TwoSocketMachine(const std::string& name, const std::string& timing) {
  auto m = ParseMachineText("name: \"" + name + "\"" + R"spec(
    sockets: 2 cores_per_socket: 2 clock_ghz: 1 line_bytes: 64
    l1d { size_bytes: 4096 ways: 8 line_bytes: 64 hit_latency_cycles: 1 }
    l2 { size_bytes: 65536 ways: 8 line_bytes: 64 hit_latency_cycles: 10 }
    llc { size_bytes: 262144 ways: 8 line_bytes: 64 hit_latency_cycles: 40 }
    node { id: 0 socket: 0 memory_bytes: 16777216 start_pfn: 0 end_pfn: 4096 dram_bandwidth_bytes_per_s: 1e11 }
    node { id: 1 socket: 1 memory_bytes: 16777216 start_pfn: 4096 end_pfn: 8192 dram_bandwidth_bytes_per_s: 1e11 }
    latency_ns: [ 100, 150, 150, 100 ]
    link { name: "x" bandwidth_bytes_per_s: 1e10 latency_ns: 10 }
    route { from_socket: 0 to_socket: 1 links: "x" }
    route { from_socket: 1 to_socket: 0 links: "x" }
  )spec",
                            name);
  EXPECT_TRUE(m.ok()) << m.status();
  if (!timing.empty()) {
    auto t = ParseMachineText("name: \"t\" timing { " + timing + " }", "timing");
    EXPECT_TRUE(t.ok()) << t.status();
    *m->mutable_timing() = t->timing();
  }
  EXPECT_TRUE(ValidateMachine(*m).ok()) << ValidateMachine(*m);
  return *m;
}

inline MachineTopology Topo(const config::Machine& m) {
  auto t = MachineTopology::Create(m);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

}  // namespace memsim::hw::test_machines

#endif  // MEMSIM_TESTS_HW_TWO_SOCKET_MACHINE_H_
