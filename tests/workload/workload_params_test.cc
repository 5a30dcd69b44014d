#include "sim/workload/workload_params.h"

#include "gtest/gtest.h"
#include "sim/workload/machine_desc.h"

namespace memsim::workload {
namespace {

TEST(ParseByteSize, UnitsAndForms) {
  EXPECT_EQ(*ParseByteSize("4GiB", "--x"), uint64_t{4} << 30);
  EXPECT_EQ(*ParseByteSize("4G", "--x"), uint64_t{4} << 30);
  EXPECT_EQ(*ParseByteSize("512MiB", "--x"), uint64_t{512} << 20);
  EXPECT_EQ(*ParseByteSize("1.5GiB", "--x"), uint64_t{3} << 29);
  EXPECT_EQ(*ParseByteSize("4096", "--x"), 4096u);
  EXPECT_EQ(*ParseByteSize("64KiB", "--x"), 65536u);
  EXPECT_EQ(*ParseByteSize("100MB", "--x"), 100000000u);
  EXPECT_EQ(*ParseByteSize("2TiB", "--x"), uint64_t{2} << 40);
  EXPECT_EQ(*ParseByteSize(" 8 B ", "--x"), 8u);
}

TEST(ParseByteSize, ErrorsNameTheFlag) {
  auto s = ParseByteSize("4XB", "--node_mem");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("--node_mem: cannot parse '4XB'"), std::string::npos);
  EXPECT_NE(s.status().message().find("unknown unit 'XB'"), std::string::npos);
  EXPECT_FALSE(ParseByteSize("GiB", "--x").ok());
  EXPECT_FALSE(ParseByteSize("", "--x").ok());
  EXPECT_NE(ParseByteSize("0.5", "--x").status().message().find("whole number"), std::string::npos);
}

TEST(FormatByteSize, ShortestBinaryForm) {
  EXPECT_EQ(FormatByteSize(uint64_t{4} << 30), "4GiB");
  EXPECT_EQ(FormatByteSize(uint64_t{1536} << 20), "1536MiB");
  EXPECT_EQ(FormatByteSize(4097), "4097B");
  EXPECT_EQ(FormatByteSize(0), "0B");
}

absl::Status Common(WorkloadParams p) { return p.ValidateCommon(); }

TEST(WorkloadParams, CommonValidation) {
  WorkloadParams p;
  EXPECT_TRUE(p.ValidateCommon().ok());
  p.node_mem_bytes = 0;
  EXPECT_EQ(Common(p).message(), "--node_mem must be positive, got 0");
  p.node_mem_bytes = 5 << 20;
  EXPECT_NE(Common(p).message().find("--node_mem must be a multiple of 4MiB"), std::string::npos);
  p = WorkloadParams();
  p.cpus = 1;
  EXPECT_NE(Common(p).message().find("--cpus (1) must be at least --nodes (2)"), std::string::npos);
  p = WorkloadParams();
  p.nodes = 0;
  EXPECT_NE(Common(p).message().find("--nodes must be in [1, 1024], got 0"), std::string::npos);
  p = WorkloadParams();
  p.events = 0;
  EXPECT_EQ(Common(p).message(), "--num_events must be positive, got 0");
  p = WorkloadParams();
  p.footprint_bytes = uint64_t{9} << 30;
  EXPECT_EQ(Common(p).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Common(p).message().find(
                "--footprint (9GiB) is more memory than the machine has (2 nodes × 4GiB = 8GiB)"),
            std::string::npos);
  p = WorkloadParams();
  p.duration_ns = 10;
  EXPECT_NE(Common(p).message().find("--duration"), std::string::npos);
}

TEST(MachineDesc, UniformSpreadsCpusInGroups) {
  MachineDesc m = *MachineDesc::Uniform(2, uint64_t{4} << 30, 6);
  ASSERT_EQ(m.nodes.size(), 2u);
  EXPECT_EQ(m.nodes[0].start_pfn, 0u);
  EXPECT_EQ(m.nodes[0].end_pfn, 1u << 20);
  EXPECT_EQ(m.nodes[1].start_pfn, 1u << 20);
  EXPECT_EQ(m.nodes[1].end_pfn, 2u << 20);
  EXPECT_EQ(m.cpu_node, (std::vector<uint32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(m.nodes[1].cpus, (std::vector<uint32_t>{3, 4, 5}));
  EXPECT_EQ(m.NodeOfPfn((1u << 20) - 1), 0u);
  EXPECT_EQ(m.NodeOfPfn(1u << 20), 1u);
  EXPECT_EQ(m.NodeOfPfn(2u << 20), 2u);
  EXPECT_EQ(m.total_pages(), 2u << 20);
}

}  // namespace
}  // namespace memsim::workload
