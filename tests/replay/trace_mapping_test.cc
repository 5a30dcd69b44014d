#include "sim/replay/trace_mapping.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"

namespace memsim::replay {
namespace {

constexpr uint64_t kSec = TraceMapping::kSectionPages;  // 32768 pages, 128 MiB

// 2 sockets x 18 cores, one node each (1 GiB). Node 0 starts mid-section: its placement base
// rounds up to the next section (kSec); node 1 starts at section 16.
hw::MachineTopology TwoNodes() {
  config::Machine m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"spec(
    name: "two-nodes" sockets: 2 cores_per_socket: 18 clock_ghz: 1.0 line_bytes: 64
    l1d { size_bytes: 4096 ways: 4 line_bytes: 64 hit_latency_cycles: 4 }
    l2 { size_bytes: 16384 ways: 4 line_bytes: 64 hit_latency_cycles: 10 }
    llc { size_bytes: 65536 ways: 8 line_bytes: 64 hit_latency_cycles: 40 }
    node { id: 0 socket: 0 kind: "DRAM" memory_bytes: 1073741824 start_pfn: 100
           end_pfn: 262244 dram_bandwidth_bytes_per_s: 100e9 }
    node { id: 1 socket: 1 kind: "DRAM" memory_bytes: 1073741824 start_pfn: 524288
           end_pfn: 786432 dram_bandwidth_bytes_per_s: 100e9 }
    latency_ns: [ 100, 200, 200, 100 ]
    link { name: "l" bandwidth_bytes_per_s: 10e9 latency_ns: 50 }
    route { from_socket: 0 to_socket: 1 links: "l" }
    route { from_socket: 1 to_socket: 0 links: "l" }
  )spec",
                                                            &m));
  auto t = hw::MachineTopology::Create(m);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

// configs/machines: Skylake-SP 2 sockets x 18 cores, node 0 = socket 0 (cores 0-17, pfn
// 0-0x3000000), node 1 = socket 1 (cores 18-35, pfn 0x3000000-0x6000000).
hw::MachineTopology Machine(const std::string& name) {
  auto m = hw::LoadMachine(std::string(MEMSIM_SOURCE_DIR) + "/configs/machines/" + name);
  EXPECT_TRUE(m.ok()) << m.status();
  return hw::MachineTopology(*m);
}
hw::MachineTopology Skylake() { return Machine("skylake-sp-2s-gold6140.textproto"); }
// Genoa NPS2 + CXL: CPU nodes 0, 1 (socket 0; cores 0-11, 12-23), 2, 3 (socket 1; cores
// 24-35, 36-47), each 0x3000000 pages from pfn 0x3000000 * id; node 4 is CXL, CPU-less.
hw::MachineTopology Genoa() { return Machine("genoa-2s-epyc9224-nps2-cxl.textproto"); }

// The shipped capture's layout: one node, pfn 0x1-0x640000 (25 GiB), 2 CPUs.
TraceLayout OneNodeVm() { return TraceLayout{{{0x1, 0x640000}}, 2}; }
// A two-node recording: 1 GiB per node, 4 CPUs (0-1 on node 0, 2-3 on node 1).
TraceLayout TwoNodeTrace() { return TraceLayout{{{0, 0x40000}, {0x40000, 0x80000}}, 4}; }

TEST(TraceMapping, ProportionalKeepsContiguousPieces) {
  // Trace span: 8 sections from pfn 0 -> 4 sections per node.
  auto m = TraceMapping::Create(PfnPlacement::kProportional, CpuPlacement::kSpread,
                                TraceLayout{{{0, 8 * kSec}}, 2}, TwoNodes());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->MapPfn(0), kSec);                     // node 0 base: 100 rounded up
  EXPECT_EQ(m->MapPfn(4 * kSec - 1), 5 * kSec - 1);  // last pfn of piece 0
  EXPECT_EQ(m->MapPfn(4 * kSec), 16 * kSec);         // piece 1 -> node 1 base
  EXPECT_EQ(m->MapPfn(8 * kSec - 1), 20 * kSec - 1);
  EXPECT_EQ(m->MapPfn(8 * kSec), kNoPfn);
  // Natural alignment is kept: an order-9 block at trace pfn 512*k stays 512-aligned.
  EXPECT_EQ(m->MapPfn(3 * 512) % 512, 0u);
  EXPECT_EQ(m->copies(), 1);
}

TEST(TraceMapping, InterleaveAlternatesSections) {
  auto m = TraceMapping::Create(PfnPlacement::kInterleave, CpuPlacement::kAuto,
                                TraceLayout{{{0, 4 * kSec}}, 2}, TwoNodes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->cpu_placement(), CpuPlacement::kSpread);  // auto under a span placement
  EXPECT_EQ(m->MapPfn(0), kSec);                         // section 0 -> node 0, local 0
  EXPECT_EQ(m->MapPfn(kSec + 5), 16 * kSec + 5);         // section 1 -> node 1, local 0
  EXPECT_EQ(m->MapPfn(2 * kSec), 2 * kSec);              // section 2 -> node 0, local 1
  EXPECT_EQ(m->MapPfn(3 * kSec), 17 * kSec);             // section 3 -> node 1, local 1
}

TEST(TraceMapping, TooLargeSpanNamesTheNode) {
  auto m = TraceMapping::Create(PfnPlacement::kProportional, CpuPlacement::kSpread,
                                TraceLayout{{{0, 40 * kSec}}, 2}, TwoNodes());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("node 0 would need 2.5 GiB and has 0.9 GiB"),
            std::string::npos)
      << m.status();
}

TEST(TraceMapping, SpreadAndModuloCpus) {
  auto spread = TraceMapping::Create(PfnPlacement::kIdentity, CpuPlacement::kSpread,
                                     TraceLayout{{}, 2}, TwoNodes());
  ASSERT_TRUE(spread.ok());
  EXPECT_EQ(spread->CoreOf(0), 0);
  EXPECT_EQ(spread->CoreOf(1), 18);  // the second socket
  auto modulo = TraceMapping::Create(PfnPlacement::kIdentity, CpuPlacement::kModulo,
                                     TraceLayout{{}, 64}, TwoNodes());
  ASSERT_TRUE(modulo.ok());
  EXPECT_EQ(modulo->CoreOf(40), 4);
}

TEST(TraceMapping, KernelPacksAOneNodeRecordingOnTheFirstSocket) {
  auto m = TraceMapping::Create(PfnPlacement::kKernel, CpuPlacement::kAuto, OneNodeVm(), Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->placement(), PfnPlacement::kPack);
  EXPECT_EQ(m->cpu_placement(), CpuPlacement::kNode);
  EXPECT_EQ(m->copies(), 1);
  EXPECT_EQ(m->MapPfn(0x1), 0x1u);  // trace node 0 from section 0 -> machine node 0 at pfn 0
  EXPECT_EQ(m->MapPfn(0x63ffff), 0x63ffffu);
  EXPECT_EQ(m->MapPfn(0x640000), kNoPfn);  // past the trace node (200 whole sections)
  EXPECT_EQ(m->CoreOf(0), 0);
  EXPECT_EQ(m->CoreOf(1), 1);  // socket 0, not socket 1 as spread would
  EXPECT_EQ(m->Describe(),
            "pack, cpus node (kcompactd rule): trace node 0 pfn 0x0-0x640000 -> node 0 pfn 0x0, "
            "2 trace CPUs -> cores 0-1");
}

TEST(TraceMapping, PackKeepsTheOffsetFromTheNodesSection) {
  // A node starting at pfn 0x100123: its section starts at 0x100000, which lands on pfn 0.
  auto m = TraceMapping::Create(PfnPlacement::kPack, CpuPlacement::kAuto,
                                TraceLayout{{{0x100123, 0x200000}}, 1}, Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->MapPfn(0x100123), 0x123u);
  EXPECT_EQ(m->MapPfn(0x1fffff), 0xfffffu);
  EXPECT_EQ(m->MapPfn(0x200000), kNoPfn);
}

TEST(TraceMapping, PackFoldsSeveralNodesOntoTheFirstSocket) {
  auto m =
      TraceMapping::Create(PfnPlacement::kPack, CpuPlacement::kAuto, TwoNodeTrace(), Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  // Socket 0 has one CPU node: trace node 1 sits after trace node 0 (8 sections) in node 0.
  EXPECT_EQ(m->MapPfn(0x40005), 0x40005u);
  EXPECT_EQ(m->CoreOf(0), 0);
  EXPECT_EQ(m->CoreOf(2), 2);  // after the 2 CPUs of trace node 0
  EXPECT_EQ(m->CoreOf(3), 3);
}

TEST(TraceMapping, KernelKeepsTheNodesOfAMultiNodeRecording) {
  auto m =
      TraceMapping::Create(PfnPlacement::kKernel, CpuPlacement::kAuto, TwoNodeTrace(), Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->placement(), PfnPlacement::kNodes);
  EXPECT_EQ(m->MapPfn(0x5), 0x5u);
  EXPECT_EQ(m->MapPfn(0x40005), 0x3000005u);  // trace node 1 -> machine node 1
  EXPECT_EQ(m->TraceNodeOfCpu(1), 0u);
  EXPECT_EQ(m->TraceNodeOfCpu(2), 1u);
  EXPECT_EQ(m->CoreOf(0), 0);
  EXPECT_EQ(m->CoreOf(1), 1);
  EXPECT_EQ(m->CoreOf(2), 18);  // first core of node 1
  EXPECT_EQ(m->CoreOf(3), 19);
}

TEST(TraceMapping, NodesFoldsMoreTraceNodesThanTheMachineHas) {
  // 4 trace nodes of 1 section, 4 CPUs (one per node) on 2 CPU nodes: trace node 2 goes to
  // node 0 after trace node 0, trace node 3 to node 1 after trace node 1.
  TraceLayout t{{{0, kSec}, {kSec, 2 * kSec}, {2 * kSec, 3 * kSec}, {3 * kSec, 4 * kSec}}, 4};
  auto m = TraceMapping::Create(PfnPlacement::kNodes, CpuPlacement::kAuto, t, Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->MapPfn(kSec + 7), 0x3000000u + 7);
  EXPECT_EQ(m->MapPfn(2 * kSec + 7), kSec + 7);
  EXPECT_EQ(m->MapPfn(3 * kSec + 7), 0x3000000u + kSec + 7);
  EXPECT_EQ(m->CoreOf(0), 0);
  EXPECT_EQ(m->CoreOf(1), 18);
  EXPECT_EQ(m->CoreOf(2), 1);  // node 0's second core: trace node 0's CPU has the first
  EXPECT_EQ(m->CoreOf(3), 19);
}

TEST(TraceMapping, ReplicatePutsOneCopyOnEachCpuNode) {
  auto m =
      TraceMapping::Create(PfnPlacement::kReplicate, CpuPlacement::kAuto, OneNodeVm(), Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->copies(), 2);
  EXPECT_EQ(m->MapPfn(0x1234, 0), 0x1234u);
  EXPECT_EQ(m->MapPfn(0x1234, 1), 0x3001234u);
  EXPECT_EQ(m->CoreOf(1, 0), 1);
  EXPECT_EQ(m->CoreOf(1, 1), 19);
  // Genoa: 4 CPU nodes, so 4 copies; the CPU-less CXL node gets none.
  auto g =
      TraceMapping::Create(PfnPlacement::kReplicate, CpuPlacement::kAuto, OneNodeVm(), Genoa());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->copies(), 4);
  EXPECT_EQ(g->MapPfn(0x10, 3), 0x9000010u);
  EXPECT_EQ(g->CoreOf(0, 1), 12);
  EXPECT_EQ(g->CoreOf(1, 3), 37);
  // A two-node recording on 4 CPU nodes: 2 copies, copy 1 on nodes 2 and 3.
  auto g2 =
      TraceMapping::Create(PfnPlacement::kReplicate, CpuPlacement::kAuto, TwoNodeTrace(), Genoa());
  ASSERT_TRUE(g2.ok()) << g2.status();
  EXPECT_EQ(g2->copies(), 2);
  EXPECT_EQ(g2->MapPfn(0x40005, 0), 0x3000005u);
  EXPECT_EQ(g2->MapPfn(0x40005, 1), 0x9000005u);
  EXPECT_EQ(g2->CoreOf(3, 1), 37);
}

TEST(TraceMapping, CompactionScanRunsOnACoreOfTheScannedNode) {
  auto m =
      TraceMapping::Create(PfnPlacement::kKernel, CpuPlacement::kAuto, TwoNodeTrace(), Skylake());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->ScanCoreOf(0, 0, 5), 0);   // already on the node
  EXPECT_EQ(m->ScanCoreOf(0, 1, 5), 23);  // node 1's cores 18-35, the 5th
  EXPECT_EQ(m->ScanCoreOf(0, -1, 5), 0);  // node unknown
  auto g = TraceMapping::Create(PfnPlacement::kKernel, CpuPlacement::kAuto, OneNodeVm(), Genoa());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->ScanCoreOf(3, 4, 0), 3);  // CXL node 4 has no CPU: kcompactd runs anywhere
  auto spread =
      TraceMapping::Create(PfnPlacement::kPack, CpuPlacement::kSpread, OneNodeVm(), Skylake());
  ASSERT_TRUE(spread.ok()) << spread.status();
  EXPECT_EQ(spread->CoreOf(1), 18);
  EXPECT_EQ(spread->ScanCoreOf(18, 0, 1), 18);  // explicit CPU placement: no kcompactd rule
}

TEST(TraceMapping, TraceNodeTooLargeForItsMachineNodeNamesBoth) {
  auto m = TraceMapping::Create(PfnPlacement::kKernel, CpuPlacement::kAuto,
                                TraceLayout{{{0, 0x3008000}}, 1}, Skylake());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("trace node 0 (192.1 GiB from its 128 MiB section) does "
                                      "not fit machine node 0 with pack placement (192.0 GiB"),
            std::string::npos)
      << m.status();
}

TEST(TraceMapping, CpuPlacementsThatMeanNothingAreErrors) {
  auto node = TraceMapping::Create(PfnPlacement::kProportional, CpuPlacement::kNode, OneNodeVm(),
                                   Skylake());
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(node.status().message().find("needs a placement that keeps nodes"), std::string::npos);
  auto spread =
      TraceMapping::Create(PfnPlacement::kReplicate, CpuPlacement::kSpread, OneNodeVm(), Skylake());
  EXPECT_EQ(spread.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(spread.status().message().find("cannot place the copies of 'replicate'"),
            std::string::npos);
}

TEST(TraceMapping, ParsesNames) {
  EXPECT_EQ(*ParsePfnPlacement("interleave"), PfnPlacement::kInterleave);
  EXPECT_EQ(*ParsePfnPlacement("kernel"), PfnPlacement::kKernel);
  EXPECT_EQ(*ParsePfnPlacement("replicate"), PfnPlacement::kReplicate);
  EXPECT_EQ(*ParseCpuPlacement(""), CpuPlacement::kAuto);
  EXPECT_EQ(*ParseCpuPlacement("node"), CpuPlacement::kNode);
  EXPECT_EQ(ParsePfnPlacement("bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCpuPlacement("bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolvePfnPlacement(PfnPlacement::kKernel, 1), PfnPlacement::kPack);
  EXPECT_EQ(ResolvePfnPlacement(PfnPlacement::kKernel, 2), PfnPlacement::kNodes);
}

}  // namespace
}  // namespace memsim::replay
