// Machine configs: every shipped machine loads, validates and prints; parse errors carry
// file:line:column; Validate() names the offending field.
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/machine_validator.h"
#include "tests/testing/temp_dir.h"

namespace memsim::hw {
namespace {

using ::testing::HasSubstr;

constexpr char kSkylake[] = "configs/machines/skylake-sp-2s-gold6140.textproto";
constexpr char kGenoa[] = "configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto";

std::string TempFile(const std::string& name, const std::string& contents) {
  std::string path = test_util::TmpPath(name);
  std::ofstream(path) << contents;
  return path;
}

TEST(MachineConfigTest, EveryShippedMachineValidatesAndPrints) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("configs/machines")) {
    if (entry.path().extension() != ".textproto") continue;
    ++count;
    auto m = LoadMachine(entry.path().string());
    ASSERT_TRUE(m.ok()) << m.status();
    const std::string text = FormatMachineText(*m);
    EXPECT_THAT(text, HasSubstr(m->name()));
    EXPECT_THAT(text, HasSubstr("DRAM latency"));
    auto json = FormatMachineJson(*m);
    ASSERT_TRUE(json.ok());
    EXPECT_THAT(*json, HasSubstr("\"cores_per_socket\""));
    // Each file cites its sources in a comment.
    std::ifstream in(entry.path());
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(contents, HasSubstr("Source")) << entry.path();
  }
  EXPECT_GE(count, 5);
}

TEST(MachineConfigTest, SkylakeNumbersAreTheMeasuredOnes) {
  auto m = LoadMachine(kSkylake);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sockets(), 2u);
  EXPECT_EQ(m->cores_per_socket(), 18u);
  EXPECT_EQ(m->llc().size_bytes(), 18u * 1441792u);  // 1.375 MiB per core
  EXPECT_DOUBLE_EQ(m->latency_ns(0), 89.5);
  EXPECT_DOUBLE_EQ(m->latency_ns(1), 143.5);
  EXPECT_DOUBLE_EQ(m->node(0).dram_bandwidth_bytes_per_s(), 105e9);
  const std::string text = FormatMachineText(*m);
  EXPECT_THAT(text, HasSubstr("2 x 18 cores at 2.30 GHz = 36 cores"));
  EXPECT_THAT(text, HasSubstr("18 slices x 2048 sets"));
  EXPECT_THAT(text, HasSubstr("0-17"));
  EXPECT_THAT(text, HasSubstr("socket 0 -> 1: upi0-1"));
  // Timing: 10 fill buffers, a 16-entry superqueue, both prefetchers, 11.4 GB/s per core.
  EXPECT_EQ(m->timing().outstanding_l1_misses(), 10u);
  EXPECT_EQ(m->timing().outstanding_l2_misses(), 16u);
  EXPECT_THAT(text, HasSubstr("outstanding misses per core: 10 L1d, 16 L2\n"));
  EXPECT_THAT(text, HasSubstr("prefetchers: L1 next-line on, L2 streamer on (20 lines ahead)"));
  EXPECT_THAT(text, HasSubstr("DRAM bandwidth per core: 11.4 GB/s"));
  EXPECT_THAT(text, HasSubstr("  streamer queue: none (prefetches take superqueue entries)\n"));
  EXPECT_THAT(text, HasSubstr("  non-memory work: 50.00 cycles per operation, 10.00 per scanned "
                              "pfn, 0.00 per migrated page\n"));
  EXPECT_THAT(text, HasSubstr("  issue: 0.00 cycles per access (no limit)\n"));
}

// `memsim machine show` prints every config::Timing field.
TEST(MachineConfigTest, ShowPrintsEveryTimingField) {
  auto m = LoadMachine(kSkylake);
  ASSERT_TRUE(m.ok()) << m.status();
  auto t = ParseMachineText(R"spec(
    name: "t"
    timing {
      outstanding_l1_misses: 12 outstanding_l2_misses: 48 next_line_prefetcher: true
      l2_streamer: true streamer_distance_lines: 24 core_dram_bandwidth_bytes_per_s: 2.5e10
      cycles_per_scanned_pfn: 2.12 cycles_per_operation: 40 streamer_queue_entries: 254
      cycles_per_migrated_page: 2500.5 cycles_per_access: 0.84
    }
  )spec",
                            "t");
  ASSERT_TRUE(t.ok()) << t.status();
  *m->mutable_timing() = t->timing();
  const std::string text = FormatMachineText(*m);
  EXPECT_THAT(text,
              HasSubstr("\nTiming:\n"
                        "  outstanding misses per core: 12 L1d, 48 L2\n"
                        "  prefetchers: L1 next-line on, L2 streamer on (24 lines ahead)\n"
                        "  streamer queue: 254 prefetches in flight\n"
                        "  DRAM bandwidth per core: 25.0 GB/s\n"
                        "  non-memory work: 40.00 cycles per operation, 2.12 per scanned pfn, "
                        "2500.50 per migrated page\n"
                        "  issue: 0.84 cycles per access\n"));
}

TEST(MachineConfigTest, GenoaTopology) {
  auto m = LoadMachine(kGenoa);
  ASSERT_TRUE(m.ok()) << m.status();
  auto t = MachineTopology::Create(*m);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->cores(), 48);
  EXPECT_EQ(t->home_node_of_core(0), 0);
  EXPECT_EQ(t->home_node_of_core(11), 0);
  EXPECT_EQ(t->home_node_of_core(12), 1);
  EXPECT_EQ(t->home_node_of_core(24), 2);
  EXPECT_EQ(t->home_node_of_core(47), 3);
  EXPECT_EQ(t->first_cpu_node(1), 2);
  EXPECT_EQ(t->socket_of_node(4), 0);
  EXPECT_EQ(t->NodeOfPfn(0), 0);
  EXPECT_EQ(t->NodeOfPfn(0x2ffffff), 0);
  EXPECT_EQ(t->NodeOfPfn(0x3000000), 1);
  EXPECT_EQ(t->NodeOfPfn(0xc000000), 4);
  EXPECT_EQ(t->NodeOfPfn(0xe000000), -1);
  EXPECT_DOUBLE_EQ(t->latency_ns(1, 4), 289);
  EXPECT_DOUBLE_EQ(t->HitmNs(3, 0), 200);
  EXPECT_DOUBLE_EQ(t->l1_hit_ns(), 4 / 2.5);
  EXPECT_THAT(FormatMachineText(*m), HasSubstr("(no CPUs)"));
}

TEST(MachineConfigTest, UnknownFieldNamesFileLineAndColumn) {
  const std::string path = TempFile("unknown.textproto", "name: \"x\"\nsockets: 2\n  socketz: 3\n");
  auto m = LoadMachine(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  // protobuf reports the column just past the offending name.
  EXPECT_THAT(m.status().message(), HasSubstr(path + ":3:10: "));
  EXPECT_THAT(m.status().message(), HasSubstr("socketz"));
}

TEST(MachineConfigTest, BadValueNamesLine) {
  auto m = ParseMachineText("name: \"x\"\nclock_ghz: fast\n", "m.textproto");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("m.textproto:2:"));
}

TEST(MachineConfigTest, MissingFileIsNotFound) {
  auto m = LoadMachine("configs/machines/no-such-machine.textproto");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
}

TEST(MachineConfigTest, ValidationErrorsStartWithThePath) {
  const std::string path = TempFile("bad.textproto", "name: \"x\"\n");
  auto m = LoadMachine(path);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr(path + ": sockets: must be > 0"));
}

// Each case breaks one thing in the Skylake machine and expects the named field.
class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = LoadMachine(kSkylake);
    ASSERT_TRUE(m.ok()) << m.status();
    m_ = *m;
  }
  void ExpectInvalid(const std::string& fragment) {
    absl::Status s = ValidateMachine(m_);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr(fragment));
  }
  config::Machine m_;
};

TEST_F(ValidateTest, ShippedMachineIsValid) { EXPECT_TRUE(ValidateMachine(m_).ok()); }

TEST_F(ValidateTest, NonPowerOfTwoSets) {
  m_.mutable_llc()->set_slices(1);  // 24.75 MiB / 11 ways = 36864 sets
  ExpectInvalid("llc: 36864 sets per slice");
  ExpectInvalid("is not a power of two");
}

TEST_F(ValidateTest, ZeroCacheSize) {
  m_.mutable_l1d()->set_size_bytes(0);
  ExpectInvalid("l1d.size_bytes: must be > 0");
}

TEST_F(ValidateTest, ZeroWays) {
  m_.mutable_l2()->set_ways(0);
  ExpectInvalid("l2.ways: must be > 0");
}

TEST_F(ValidateTest, TooManyWays) {
  m_.mutable_l1d()->set_ways(256);
  ExpectInvalid("l1d.ways: 256 exceeds the supported maximum of 255");
}

TEST_F(ValidateTest, LineSizeMismatch) {
  m_.mutable_l2()->set_line_bytes(128);
  ExpectInvalid("l2.line_bytes: 128 differs");
}

TEST_F(ValidateTest, LatencyMatrixWrongShape) {
  m_.mutable_latency_ns()->RemoveLast();
  ExpectInvalid("latency_ns: 3 entries; expected 4 (2 nodes x 2)");
}

TEST_F(ValidateTest, OverlappingNodeMemory) {
  auto* n1 = m_.mutable_node(1);
  n1->set_start_pfn(0x2fffff0);
  n1->set_memory_bytes((n1->end_pfn() - n1->start_pfn()) * 4096);
  ExpectInvalid("node[1].start_pfn: 0x2fffff0 overlaps node[0] [0x0, 0x3000000)");
}

TEST_F(ValidateTest, MemoryBytesDisagreesWithPfnRange) {
  m_.mutable_node(0)->set_memory_bytes(4096);
  ExpectInvalid("node[0].memory_bytes: 4096 != (end_pfn - start_pfn) x 4096");
}

TEST_F(ValidateTest, ZeroMemoryNode) {
  m_.mutable_node(0)->set_end_pfn(0);
  ExpectInvalid("node[0].end_pfn");
}

TEST_F(ValidateTest, CoreWithNoSocket) {
  m_.mutable_node(0)->add_cores(40);
  ExpectInvalid("node[0].cores[0]: core 40 has no socket (the machine has 2 sockets x 18 cores)");
}

TEST_F(ValidateTest, CoreOnTheWrongSocket) {
  m_.mutable_node(0)->add_cores(20);
  ExpectInvalid("node[0].cores[0]: core 20 is on socket 1");
}

TEST_F(ValidateTest, CoreWithoutHomeNode) {
  for (int c = 0; c < 17; ++c) m_.mutable_node(0)->add_cores(c);
  ExpectInvalid("core 17 (socket 0) is listed by no node's cores");
}

TEST_F(ValidateTest, NodeOnMissingSocket) {
  m_.mutable_node(1)->set_socket(5);
  ExpectInvalid("node[1].socket: 5 but the machine has 2 sockets");
}

TEST_F(ValidateTest, SocketWithoutCpuNode) {
  m_.mutable_node(1)->set_cpu_less(true);
  ExpectInvalid("socket 1 has no node with CPUs");
}

TEST_F(ValidateTest, NodesOutOfOrder) {
  m_.mutable_node(1)->set_id(7);
  ExpectInvalid("node[1].id: 7, expected 1");
}

TEST_F(ValidateTest, UnknownLinkInRoute) {
  m_.mutable_route(0)->set_links(0, "qpi9");
  ExpectInvalid("route[0].links[0]: unknown link 'qpi9'");
}

TEST_F(ValidateTest, MissingRoute) {
  m_.mutable_route()->RemoveLast();
  ExpectInvalid("route: no route from socket 1 to socket 0");
}

TEST_F(ValidateTest, RouteSlowerThanMatrix) {
  m_.mutable_link(0)->set_latency_ns(200);
  ExpectInvalid("route[0]: its links add 200 ns but latency_ns[0][1] is only 143.5 ns");
}

TEST_F(ValidateTest, DuplicateLinkName) {
  *m_.add_link() = m_.link(0);
  ExpectInvalid("link[1].name: 'upi0-1' is used twice");
}

TEST_F(ValidateTest, TooManySockets) {
  m_.set_sockets(9);
  ExpectInvalid("sockets: 9 exceeds the supported maximum of 8");
}

TEST_F(ValidateTest, ZeroBandwidth) {
  m_.mutable_node(0)->set_dram_bandwidth_bytes_per_s(0);
  ExpectInvalid("node[0].dram_bandwidth_bytes_per_s: must be > 0");
}

TEST_F(ValidateTest, CacheShareOutOfRange) {
  m_.set_metadata_cache_share(1.5);
  ExpectInvalid("metadata_cache_share: 1.5 is outside [0, 1]");
}

TEST_F(ValidateTest, NegativeLatency) {
  m_.set_latency_ns(3, -1);
  ExpectInvalid("latency_ns[1][1]: must be > 0");
}

// Regression: a 1 PiB LLC passed validation, then MemorySystem's allocation aborted.
TEST_F(ValidateTest, OnePiBLlcIsRejected) {
  m_.mutable_llc()->set_size_bytes(uint64_t{1} << 50);
  ExpectInvalid("llc.size_bytes: 1125899906842624 exceeds the supported maximum of 4294967296");
}

TEST_F(ValidateTest, CachesTooLargeTogetherAreRejected) {
  // 36 cores x 4 GiB of L2 each: 36 x 2^26 lines, far above 2^27.
  m_.mutable_l2()->set_size_bytes(uint64_t{4} << 30);
  ExpectInvalid("lines in total; the supported maximum is 134217728");
}

TEST_F(ValidateTest, LineBytesAboveTheLimitIsRejected) {
  m_.set_line_bytes(8192);
  ExpectInvalid("line_bytes: 8192 is not a power of two in [8, 4096]");
}

TEST_F(ValidateTest, TooManySlicesIsRejected) {
  m_.mutable_llc()->set_slices(1u << 31);
  ExpectInvalid("llc.slices: 2147483648 exceeds the supported maximum of 1024");
}

// Regression: (end_pfn - start_pfn) x 4096 overflowed, so a node of 2^52 + 1 pages "had"
// 4096 bytes and passed.
TEST_F(ValidateTest, NodeSizeThatOverflowsIsRejected) {
  auto* n1 = m_.mutable_node(1);
  n1->set_end_pfn(n1->start_pfn() + (uint64_t{1} << 52) + 1);
  n1->set_memory_bytes(4096);
  ExpectInvalid("node[1].end_pfn: 0x10000003000001 is above the supported maximum 2^40");
}

TEST_F(ValidateTest, TotalMemoryAbove64TiBIsRejected) {
  auto* n0 = m_.mutable_node(0);
  auto* n1 = m_.mutable_node(1);
  n0->set_end_pfn(uint64_t{1} << 33);  // 32 TiB
  n0->set_memory_bytes(uint64_t{32} << 40);
  n1->set_start_pfn(uint64_t{1} << 33);
  n1->set_end_pfn((uint64_t{1} << 34) + 1);  // 32 TiB + 4 KiB
  n1->set_memory_bytes((uint64_t{32} << 40) + 4096);
  ExpectInvalid(
      "node[1].memory_bytes: the nodes up to this one hold 70368744181760 bytes; the "
      "supported maximum is 70368744177664 (64 TiB)");
}

TEST(MachineConfigTest, DirectoryIsAnError) {
  const std::string dir = ::testing::TempDir();
  auto m = LoadMachine(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("is a directory"));
}

}  // namespace
}  // namespace memsim::hw
