// Where the CXL node's memmap is charged on the shipped CXL machine
// (configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto: four 192 GiB DRAM nodes, a 128 GiB
// CXL node 4, 2 GiB memory blocks; docs/machine-model.md, "Where the memmap lives"). Derived
// by hand: a 192 GiB node has 1536 sections of 128 MiB, 2 MiB of 64-byte struct pages each
// (3 GiB); the CXL node 1024 sections (2 GiB). The trace is one anon page: no descriptors
// under page64/page32, so the figures are the arrays alone.
#include <unistd.h>

#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_validator.h"
#include "sim/replay/result_builder.h"
#include "tests/replay/replay_test_util.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::Replay;
using testing::WriteTrace;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

class CxlMemmapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = WriteTrace("cxl-memmap", {}, {Alloc(1000, 0, 64, 0, trace::OWNER_ANON)});
  }
  void TearDown() override { unlink(trace_.c_str()); }
  result::Result Run(const std::string& model, config::MemmapPlacement placement,
                     uint64_t block_bytes = 0, uint64_t alignment = 0) {
    Replay replay(trace_, model);
    replay.job.machine_path =
        std::string(MEMSIM_SOURCE_DIR) + "/configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto";
    auto m = hw::LoadMachine(replay.job.machine_path);
    EXPECT_TRUE(m.ok()) << m.status();
    replay.job.machine = *m;
    if (placement != config::MEMMAP_PLACEMENT_DEFAULT) {
      replay.job.machine.mutable_node(4)->set_memmap_placement(placement);
    }
    if (block_bytes != 0) replay.job.machine.set_memory_block_bytes(block_bytes);
    if (alignment != 0) replay.job.machine.set_vmemmap_alignment_bytes(alignment);
    EXPECT_TRUE(hw::ValidateMachine(replay.job.machine).ok());
    replay.topology = std::make_unique<hw::MachineTopology>(replay.job.machine);
    replay.copier = replay::NewAnalyticCopier(*replay.topology);
    return replay.Run();
  }
  std::string trace_;
};

TEST_F(CxlMemmapTest, ByDefaultTheCxlMemmapIsChargedToNode0Dram) {
  const result::Result r = Run("page64", config::MEMMAP_PLACEMENT_DEFAULT);
  const result::Overhead& o = r.overhead();
  ASSERT_EQ(o.nodes_size(), 5);
  // The array describes node 4 (its figures) but lives on node 0.
  EXPECT_EQ(o.nodes(4).figures().static_bytes(), 2 * kGiB);
  EXPECT_EQ(o.nodes(4).memmap_node(), 0u);
  EXPECT_EQ(o.nodes(0).memmap_node(), 0u);
  EXPECT_EQ(o.nodes(0).resident_bytes(), 3 * kGiB + 2 * kGiB);
  for (int n = 1; n < 4; ++n) EXPECT_EQ(o.nodes(n).resident_bytes(), 3 * kGiB) << n;
  EXPECT_EQ(o.nodes(4).resident_bytes(), 0u);
  EXPECT_EQ(r.residence().cpu_nodes_bytes(), 14 * kGiB);
  EXPECT_EQ(r.residence().cpu_less_nodes_bytes(), 0u);
  EXPECT_EQ(r.residence().cpu_nodes_ram_bytes(), 768 * kGiB);
  EXPECT_EQ(r.residence().cpu_nodes_percent(), 100.0 * 14 / 768);
  ASSERT_EQ(r.residence().cpu_less_nodes_size(), 1);
  EXPECT_EQ(r.residence().cpu_less_nodes(0), 4u);
  EXPECT_EQ(r.memmap_placement(),
            "node 0: local; node 1: local; node 2: local; node 3: local; "
            "node 4: hot-added, on node 0");
}

TEST_F(CxlMemmapTest, WithMemmapOnMemoryTheCxlNodePaysItself) {
  // 2 GiB blocks: 64 of them, 32 MiB (8192 pages) carved from each: 2 GiB, no waste.
  const result::Result r = Run("page64", config::MEMMAP_ON_MEMORY);
  const result::Overhead& o = r.overhead();
  EXPECT_EQ(o.nodes(4).memmap_node(), 4u);
  EXPECT_EQ(o.nodes(4).figures().static_bytes(), 2 * kGiB);
  EXPECT_EQ(o.nodes(4).memmap_waste_bytes(), 0u);
  EXPECT_EQ(o.nodes(0).resident_bytes(), 3 * kGiB);
  EXPECT_EQ(o.nodes(4).resident_bytes(), 2 * kGiB);
  EXPECT_EQ(r.residence().cpu_nodes_bytes(), 12 * kGiB);
  EXPECT_EQ(r.residence().cpu_less_nodes_bytes(), 2 * kGiB);
  EXPECT_EQ(r.residence().memmap_waste_bytes(), 0u);
}

TEST_F(CxlMemmapTest, Page32In128MibBlocksFallsBackToDramOnX86) {
  // 32 B x 32768 pages = 1 MiB per block: not a multiple of PMD_SIZE, so even force mode is
  // refused and the 1 GiB array goes to node 0 (1.5 GiB of its own).
  const result::Result r = Run("page32", config::MEMMAP_ON_MEMORY_FORCE, 128 * kMiB);
  EXPECT_EQ(r.overhead().nodes(4).memmap_node(), 0u);
  EXPECT_EQ(r.overhead().nodes(0).resident_bytes(), 1536 * kMiB + kGiB);
  EXPECT_EQ(r.residence().cpu_less_nodes_bytes(), 0u);
}

TEST_F(CxlMemmapTest, ForceModeWasteWithoutTheArchConstraint) {
  // vmemmap_alignment 4096 (no PMD check), force: 1024 blocks of 128 MiB each give 512 pages
  // (2 MiB) for a 1 MiB array: 2 GiB on node 4, 1 GiB of it waste.
  const result::Result r = Run("page32", config::MEMMAP_ON_MEMORY_FORCE, 128 * kMiB, 4096);
  const result::Overhead& o = r.overhead();
  EXPECT_EQ(o.nodes(4).memmap_node(), 4u);
  EXPECT_EQ(o.nodes(4).figures().static_bytes(), 2 * kGiB);
  EXPECT_EQ(o.nodes(4).memmap_waste_bytes(), kGiB);
  EXPECT_EQ(o.nodes(4).resident_bytes(), 2 * kGiB);
  EXPECT_EQ(r.residence().memmap_waste_bytes(), kGiB);
  EXPECT_EQ(r.residence().cpu_nodes_bytes(), 4 * 1536 * kMiB);
}

TEST(MemmapHostNode, NearestNodeWithBootMemory) {
  auto m = hw::LoadMachine(std::string(MEMSIM_SOURCE_DIR) +
                           "/configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(hw::MemmapHostNode(*m, 4), 0);  // 279 ns, below node 1's 289
  EXPECT_EQ(hw::ResolvedMemmapPlacement(m->node(4)), config::MEMMAP_HOTPLUG);
  EXPECT_EQ(hw::ResolvedMemmapPlacement(m->node(0)), config::MEMMAP_NODE_LOCAL);
  // From socket 1's side the nearest would be node 2.
  m->set_latency_ns(4 * 5 + 0, 400);
  m->set_latency_ns(4 * 5 + 1, 400);
  m->set_latency_ns(4 * 5 + 2, 300);
  EXPECT_EQ(hw::MemmapHostNode(*m, 4), 2);
}

TEST(MemmapHostNode, ValidatorRejectsMixedModesAndUnalignedOnMemoryNodes) {
  auto m = hw::LoadMachine(std::string(MEMSIM_SOURCE_DIR) +
                           "/configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto");
  ASSERT_TRUE(m.ok()) << m.status();
  config::Machine bad = *m;
  bad.mutable_node(4)->set_memmap_placement(config::MEMMAP_ON_MEMORY);
  bad.mutable_node(4)->set_end_pfn(0xe000000 - 0x10000);  // 256 MiB short of a 2 GiB block
  bad.mutable_node(4)->set_memory_bytes((bad.node(4).end_pfn() - bad.node(4).start_pfn()) * 4096);
  absl::Status s = hw::ValidateMachine(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("node[4].memmap_placement: memmap_on_memory needs whole memory "
                             "blocks of 2147483648 bytes"),
            std::string::npos)
      << s;
  bad = *m;
  bad.set_memory_block_bytes(3 << 20);
  s = hw::ValidateMachine(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("memory_block_bytes: 3145728 is not a power of two"),
            std::string::npos)
      << s;
  bad = *m;
  bad.mutable_node(0)->set_memmap_placement(config::MEMMAP_ON_MEMORY);
  bad.mutable_node(4)->set_memmap_placement(config::MEMMAP_ON_MEMORY_FORCE);
  s = hw::ValidateMachine(bad);
  EXPECT_NE(s.message().find("node[4].memmap_placement: MEMMAP_ON_MEMORY and "
                             "MEMMAP_ON_MEMORY_FORCE on one machine"),
            std::string::npos)
      << s;
}

}  // namespace
}  // namespace memsim
