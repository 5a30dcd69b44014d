// SimPlatform: latencies equal the configured matrix, bandwidth is shared, TCP models are
// refused. SimGrid 3.32 allows one engine (and one sealed platform) per process, so every
// scenario runs in a forked child that reports numbers back through a pipe.
#include "sim/hw/sim_platform.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "tests/testing/temp_dir.h"

namespace memsim::hw {
namespace {

using ::testing::HasSubstr;

// Runs `body` in a child process; returns the numbers it produced (or a failure text as
// the single element "error: ..." which the caller prints).
std::vector<std::string> InChild(const std::function<std::vector<std::string>()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {"error: pipe"};
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    for (const std::string& s : body()) out += s + "\n";
    (void)!write(fds[1], out.data(), out.size());
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) data.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {"error: child crashed"};
  std::vector<std::string> lines;
  std::istringstream in(data);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

MachineTopology Load(const std::string& path) {
  auto m = LoadMachine(path);
  EXPECT_TRUE(m.ok()) << m.status();
  auto t = MachineTopology::Create(*m);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

using Endpoint = SimPlatform::Endpoint;

constexpr char kSkylake[] = "configs/machines/skylake-sp-2s-gold6140.textproto";

// Every socket->node single-line transfer takes the matrix latency (first CPU node of the
// socket) within 1 %, on every shipped machine.
TEST(SimPlatformTest, SingleLineLatencyMatchesMatrixOnEveryMachine) {
  for (const char* path : {kSkylake, "configs/machines/cascadelake-2s-platinum8280.textproto",
                           "configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto",
                           "configs/machines/ivybridge-ex-4s-e7-4890v2.textproto",
                           "configs/machines/skylake-sp-8s-platinum8180.textproto"}) {
    MachineTopology topo = Load(path);
    auto lines = InChild([&]() -> std::vector<std::string> {
      auto p = SimPlatform::Create(topo);
      if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
      std::vector<std::string> out;
      for (int s = 0; s < topo.sockets(); ++s) {
        for (int n = 0; n < topo.nodes(); ++n) {
          auto t = (*p)->RunBatch({{Endpoint::Socket(s), Endpoint::Node(n), 64, 0}});
          if (!t.ok()) return {absl::StrCat("error: ", t.status().ToString())};
          out.push_back(absl::StrCat((*t)[0]));
        }
      }
      return out;
    });
    ASSERT_EQ(lines.size(), static_cast<size_t>(topo.sockets() * topo.nodes()))
        << path << ": " << (lines.empty() ? "" : lines[0]);
    for (int s = 0; s < topo.sockets(); ++s) {
      for (int n = 0; n < topo.nodes(); ++n) {
        const double want = topo.latency_ns(topo.first_cpu_node(s), n);
        const double got = std::stod(lines[s * topo.nodes() + n]);
        EXPECT_NEAR(got, want, want * 0.01) << path << " socket " << s << " node " << n;
      }
    }
  }
}

TEST(SimPlatformTest, RouteLatenciesAndPageCopyTimes) {
  MachineTopology topo = Load(kSkylake);
  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(topo);
    if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
    std::vector<std::string> out;
    out.push_back(absl::StrCat(*(*p)->RouteLatencyNs(Endpoint::Socket(0), Endpoint::Node(0))));
    out.push_back(absl::StrCat(*(*p)->RouteLatencyNs(Endpoint::Socket(0), Endpoint::Node(1))));
    // One 4 KiB page copied node 0 -> node 1, alone.
    out.push_back(
        absl::StrCat((*(*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(1), 4096, 0}}))[0]));
    // A second SimPlatform in the same process is refused.
    out.push_back(std::string(SimPlatform::Create(topo).status().message()));
    return out;
  });
  ASSERT_EQ(lines.size(), 4u) << (lines.empty() ? "" : lines[0]);
  // Route latency excludes the one-line serialisation (64 B at 105 and 34.3 GB/s).
  // (SimGrid keeps latencies to about 1e-4 ns.)
  EXPECT_NEAR(std::stod(lines[0]), 89.5 - 64 / 105.0, 1e-3);
  EXPECT_NEAR(std::stod(lines[1]), 143.5 - 64 / 34.3, 1e-3);
  // Page copy: matrix latency minus one line's serialisation, plus 4096 B at 34.3 GB/s.
  EXPECT_NEAR(std::stod(lines[2]), 143.5 - 64 / 34.3 + 4096 / 34.3, 0.01);
  EXPECT_THAT(lines[3], HasSubstr("already built a SimGrid platform"));
}

TEST(SimPlatformTest, TwoConcurrentCopiesShareTheLink) {
  MachineTopology topo = Load(kSkylake);
  constexpr uint64_t kBytes = 2 << 20;  // a 2 MiB folio each
  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(topo);
    if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
    auto alone = (*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(1), kBytes, 0}});
    auto both = (*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(1), kBytes, 0},
                                {Endpoint::Node(0), Endpoint::Node(1), kBytes, 0}});
    // Opposite directions share the (SHARED-policy) UPI link too.
    auto opposite = (*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(1), kBytes, 0},
                                    {Endpoint::Node(1), Endpoint::Node(0), kBytes, 0}});
    // Local copies on different nodes do not interfere.
    auto local = (*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(0), kBytes, 0},
                                 {Endpoint::Node(1), Endpoint::Node(1), kBytes, 0}});
    return {absl::StrCat((*alone)[0]),    absl::StrCat((*both)[0]),  absl::StrCat((*both)[1]),
            absl::StrCat((*opposite)[0]), absl::StrCat((*local)[0]), absl::StrCat((*local)[1]),
            absl::StrCat((*p)->now_ns())};
  });
  ASSERT_EQ(lines.size(), 7u) << (lines.empty() ? "" : lines[0]);
  const double latency = 143.5 - 64 / 34.3;  // route latency, ns
  const double link_bytes_per_ns = 34.3;     // 34.3 GB/s
  auto bandwidth = [&](const std::string& ns) { return kBytes / (std::stod(ns) - latency); };
  EXPECT_NEAR(bandwidth(lines[0]), link_bytes_per_ns, link_bytes_per_ns * 0.01);
  EXPECT_NEAR(bandwidth(lines[1]), link_bytes_per_ns / 2, link_bytes_per_ns * 0.01);
  EXPECT_NEAR(bandwidth(lines[2]), link_bytes_per_ns / 2, link_bytes_per_ns * 0.01);
  EXPECT_NEAR(bandwidth(lines[3]), link_bytes_per_ns / 2, link_bytes_per_ns * 0.01);
  // Node-local copy: 105 GB/s channel, latency 89.5 - 64/105.
  EXPECT_NEAR(kBytes / (std::stod(lines[4]) - (89.5 - 64 / 105.0)), 105, 105 * 0.01);
  EXPECT_DOUBLE_EQ(std::stod(lines[4]), std::stod(lines[5]));
  EXPECT_GT(std::stod(lines[6]), 0);
}

TEST(SimPlatformTest, StaggeredStartSharesOnlyWhileOverlapping) {
  MachineTopology topo = Load(kSkylake);
  constexpr uint64_t kBytes = 343000;  // 10 us alone at 34.3 GB/s
  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(topo);
    if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
    auto t = (*p)->RunBatch({{Endpoint::Node(0), Endpoint::Node(1), kBytes, 0},
                             {Endpoint::Node(0), Endpoint::Node(1), kBytes, 5000}});
    return {absl::StrCat((*t)[0]), absl::StrCat((*t)[1])};
  });
  ASSERT_EQ(lines.size(), 2u) << (lines.empty() ? "" : lines[0]);
  const double lat = 143.5 - 64 / 34.3;
  // Copy 1 runs alone until the second one's data starts flowing at 5000 + lat ns, then
  // both share the link. Hand computation: copy 1 has moved 34.3 x (5000 + lat - lat)
  // bytes by then = 171500 B; the remaining 171500 B go at 17.15 B/ns = 10000 ns.
  EXPECT_NEAR(std::stod(lines[0]), 5000 + lat + 10000, 2);
  // Copy 2 moved 171500 B in that time, and the rest (171500 B) alone at 34.3 B/ns.
  EXPECT_NEAR(std::stod(lines[1]), 5000 + lat + 10000 + 5000, 2);
}

// The closed form for transfers nothing can overlap gives what SimGrid gives, and only
// those skip SimGrid. Batch (skylake, node 0 -> node 1, lone time 143.5 - 64/34.3 + bytes
// / 34.3 ns): a 4 KiB copy at 0 (alone: ends at 261.05 ns), one at 10 us (alone), two
// 2 MiB copies at 20 us (each 61.3 us alone, 122.4 us shared) and a 4 KiB copy at
// 100 us. That last one starts after both big copies' lone ends (81.3 us) but before they
// really end, so it must be simulated with them: the cluster bound (20 us + 2 x 61.3 us)
// keeps it in. 3 of the 5 go through SimGrid.
TEST(SimPlatformTest, ClosedFormForLoneTransfersEqualsSimGrid) {
  MachineTopology topo = Load(kSkylake);
  const std::vector<SimPlatform::Transfer> batch = {
      {Endpoint::Node(0), Endpoint::Node(1), 4096, 0},
      {Endpoint::Node(0), Endpoint::Node(1), 2 << 20, 20000},
      {Endpoint::Node(0), Endpoint::Node(1), 4096, 10000},
      {Endpoint::Node(1), Endpoint::Node(0), 2 << 20, 20000},
      {Endpoint::Node(0), Endpoint::Node(1), 4096, 100000}};
  auto run = [&](bool closed_form) {
    return InChild([&]() -> std::vector<std::string> {
      SimPlatformOptions options;
      options.closed_form_when_alone = closed_form;
      auto p = SimPlatform::Create(topo, options);
      if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
      auto t = (*p)->RunBatch(batch);
      if (!t.ok()) return {absl::StrCat("error: ", t.status().ToString())};
      std::vector<std::string> out = {absl::StrCat((*p)->simulated_transfers())};
      for (double ns : *t) out.push_back(absl::StrFormat("%.9f", ns));
      return out;
    });
  };
  const std::vector<std::string> fast = run(true), full = run(false);
  ASSERT_EQ(fast.size(), 6u) << (fast.empty() ? "" : fast[0]);
  ASSERT_EQ(full.size(), 6u) << (full.empty() ? "" : full[0]);
  EXPECT_EQ(fast[0], "3");
  EXPECT_EQ(full[0], "5");
  const double lone_4k = 143.5 - 64 / 34.3 + 4096 / 34.3;
  EXPECT_NEAR(std::stod(fast[1]), lone_4k, 1e-6);
  EXPECT_NEAR(std::stod(fast[3]), 10000 + lone_4k, 1e-6);
  for (size_t i = 1; i < 6; ++i) {
    EXPECT_NEAR(std::stod(fast[i]), std::stod(full[i]), 1e-6) << "transfer " << i - 1;
  }
  // The late small copy shares the UPI link with both big ones (opposite directions share
  // it too): a third of 34.3 GB/s.
  EXPECT_NEAR(std::stod(fast[5]) - 100000, 143.5 - 64 / 34.3 + 4096 / (34.3 / 3), 0.01);
}

TEST(SimPlatformTest, TcpModelIsRefusedAndWouldInflateLatency) {
  MachineTopology topo = Load(kSkylake);
  SimPlatformOptions lv08;
  lv08.network_model = "LV08";
  auto refused = SimPlatform::Create(topo, lv08);  // refused before touching SimGrid
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("CM02"));
  // Forced anyway, in a child: a single local line takes over 10x the configured 89.5 ns.
  lv08.allow_tcp_models = true;
  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(topo, lv08);
    if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
    auto t = (*p)->RunBatch({{Endpoint::Socket(0), Endpoint::Node(0), 64, 0}});
    return {absl::StrCat((*t)[0])};
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GT(std::stod(lines[0]), 10 * 89.5) << "LV08 no longer inflates latency?";
}

// SimGrid is a module loaded on first use: a missing or broken one is an error naming it,
// not a crash (each case in a child: the first load attempt is the process's only one).
TEST(SimPlatformTest, MissingOrBrokenSimGridModuleIsAnError) {
  MachineTopology topo = Load(kSkylake);
  const std::string missing = test_util::TmpPath("no_such_module.so");
  const std::string broken = test_util::TmpPath("broken_module.so");
  {
    FILE* f = std::fopen(broken.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not an ELF file\n", f);
    std::fclose(f);
  }
  for (const std::string& module : {missing, broken}) {
    auto lines = InChild([&]() -> std::vector<std::string> {
      setenv("MEMSIM_SIMGRID_MODULE", module.c_str(), 1);
      SimPlatform::CreateEngine();  // does nothing without the module
      auto p = SimPlatform::Create(topo);
      if (p.ok()) return {"created"};
      return {absl::StrCat(static_cast<int>(p.status().code())), std::string(p.status().message())};
    });
    ASSERT_EQ(lines.size(), 2u) << module;
    EXPECT_EQ(lines[0], absl::StrCat(static_cast<int>(absl::StatusCode::kFailedPrecondition)));
    EXPECT_THAT(lines[1], HasSubstr("cannot load the SimGrid module libmemsim_simgrid.so"));
    EXPECT_THAT(lines[1], HasSubstr(module));
  }
}

// The module this build made, named explicitly, is the one loaded.
TEST(SimPlatformTest, SimGridModuleNamedByTheEnvironmentIsLoaded) {
  MachineTopology topo = Load(kSkylake);
  auto lines = InChild([&]() -> std::vector<std::string> {
    setenv("MEMSIM_SIMGRID_MODULE", MEMSIM_BINARY_DIR "/libmemsim_simgrid.so", 1);
    auto p = SimPlatform::Create(topo);
    if (!p.ok()) return {absl::StrCat("error: ", p.status().ToString())};
    auto ns = (*p)->RouteLatencyNs(Endpoint::Socket(0), Endpoint::Node(0));
    return {absl::StrFormat("%.3f", *ns)};
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "88.890");  // 89.5 ns less one line's serialisation, 64 B / 105 GB/s
}

TEST(SimPlatformTest, BadEndpointIsAnError) {
  MachineTopology topo = Load(kSkylake);
  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(topo);
    if (!p.ok()) return {"error"};
    return {std::string(
        (*p)->RunBatch({{Endpoint::Socket(0), Endpoint::Node(9), 64, 0}}).status().message())};
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "no node 9");
}

// A sweep worker reuses its platform for a machine with the same Key: fields the platform
// does not read (the metadata cache share, the LLC, the name) leave the key alone, and the
// link bandwidth, a node's DRAM bandwidth or a latency change it. Rebind refuses another key
// and takes the same one, after which the platform's topology is the new machine's.
TEST(SimPlatformTest, RebindOnlyToAMachineWithTheSamePlatform) {
  auto base = LoadMachine(kSkylake);
  ASSERT_TRUE(base.ok()) << base.status();
  auto key = [](const config::Machine& m) {
    return SimPlatform::Key(MachineTopology(m), SimPlatformOptions());
  };
  config::Machine same = *base;
  same.set_metadata_cache_share(base->metadata_cache_share() / 2 + 0.01);
  same.mutable_llc()->set_size_bytes(base->llc().size_bytes() / 2);
  same.set_name("renamed");
  EXPECT_EQ(key(same), key(*base));
  config::Machine link = *base;
  link.mutable_link(0)->set_bandwidth_bytes_per_s(base->link(0).bandwidth_bytes_per_s() * 2);
  EXPECT_NE(key(link), key(*base));
  config::Machine dram = *base;
  dram.mutable_node(1)->set_dram_bandwidth_bytes_per_s(base->node(1).dram_bandwidth_bytes_per_s() +
                                                       1);
  EXPECT_NE(key(dram), key(*base));
  config::Machine latency = *base;
  latency.set_latency_ns(1, base->latency_ns(1) + 1);
  EXPECT_NE(key(latency), key(*base));
  SimPlatformOptions all_simgrid;
  all_simgrid.closed_form_when_alone = false;
  EXPECT_NE(SimPlatform::Key(MachineTopology(*base), all_simgrid), key(*base));

  auto lines = InChild([&]() -> std::vector<std::string> {
    auto p = SimPlatform::Create(MachineTopology(*base));
    if (!p.ok()) return {"error"};
    const absl::Status other = (*p)->Rebind(MachineTopology(link));
    const absl::Status ok = (*p)->Rebind(MachineTopology(same));
    return {absl::StrCat(static_cast<int>(other.code())), std::string(other.message()),
            absl::StrCat(ok.ok()), (*p)->topology().machine().name(),
            absl::StrCat(SimPlatform::EngineHasRun())};
  });
  ASSERT_EQ(lines.size(), 5u) << (lines.empty() ? "" : lines[0]);
  EXPECT_EQ(lines[0], absl::StrCat(static_cast<int>(absl::StatusCode::kFailedPrecondition)));
  EXPECT_THAT(lines[1], HasSubstr("needs another SimGrid platform"));
  EXPECT_EQ(lines[2], "1");  // ok
  EXPECT_EQ(lines[3], "renamed");
  EXPECT_EQ(lines[4], "0");  // building and rebinding run no engine
}

}  // namespace
}  // namespace memsim::hw
