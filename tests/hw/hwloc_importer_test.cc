// hwloc XML import on real topologies (hwloc's own test files), this machine's lstopo
// output, and hand-written multi-socket topologies.
#include "sim/hw/hwloc_importer.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_printer.h"
#include "sim/hw/machine_topology.h"
#include "sim/hw/machine_validator.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim::hw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kEm64t[] = "/work/shared/topologies/32em64t-2n8c2t-pci-noio.xml";
constexpr char kMemattrs[] = "/work/shared/topologies/8intel64-4n2t-memattrs.xml";
constexpr char kCxl[] = "/work/shared/topologies/cxlmem+dax.v2.xml";
constexpr char kHandmade[] = "tests/hw/testdata/two_socket_nps2_cxl.xml";
constexpr char kThisMachine[] = "tests/hw/testdata/this_machine.xml";
// Malformed topologies (tests/hw/testdata/README.md).
constexpr char kNoRoot[] = "tests/hw/testdata/hwloc_no_root_object.xml";
constexpr char kPuOsIndexMax[] = "tests/hw/testdata/hwloc_pu_os_index_max.xml";
constexpr char kTinyL1[] = "tests/hw/testdata/hwloc_tiny_fully_associative_l1.xml";
constexpr char kBandwidth20MiB[] = "tests/hw/testdata/hwloc_bandwidth_20mibs.xml";

std::vector<uint32_t> Cores(const config::NumaNode& n) {
  return std::vector<uint32_t>(n.cores().begin(), n.cores().end());
}

TEST(HwlocImporterTest, TwoPackageEm64tWithSlit) {
  auto m = ImportHwlocXmlFile(kEm64t, HwlocImportOptions());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(ValidateMachine(*m).ok()) << ValidateMachine(*m);
  EXPECT_EQ(m->sockets(), 2u);
  EXPECT_EQ(m->cores_per_socket(), 8u);
  EXPECT_EQ(m->socket(0).model(), "Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz");
  EXPECT_EQ(m->l1d().size_bytes(), 32768u);
  EXPECT_EQ(m->l1d().ways(), 8u);
  EXPECT_EQ(m->l2().size_bytes(), 262144u);
  EXPECT_EQ(m->llc().size_bytes(), 20971520u);
  EXPECT_EQ(m->llc().ways(), 20u);
  EXPECT_EQ(m->llc().slices(), 1u);  // 16384 sets: already a power of two
  ASSERT_EQ(m->node_size(), 2);
  EXPECT_EQ(m->node(0).memory_bytes(), 34330173440u);  // 8381390 pages
  EXPECT_EQ(m->node(0).end_pfn(), 8381390u);
  EXPECT_EQ(m->node(1).start_pfn(), 8381390u);
  EXPECT_EQ(m->node(1).socket(), 1u);
  EXPECT_FALSE(m->node(1).cpu_less());
  EXPECT_THAT(Cores(m->node(0)), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  // SLIT 10/20 as a ratio of the 90 ns default: 90 / 180 ns.
  EXPECT_THAT(std::vector<double>(m->latency_ns().begin(), m->latency_ns().end()),
              ElementsAre(90, 180, 180, 90));
  EXPECT_THAT(m->description(), HasSubstr("NUMALatency"));
  ASSERT_EQ(m->link_size(), 1);
  EXPECT_EQ(m->route_size(), 2);
}

TEST(HwlocImporterTest, AffineDistanceRuleHitsBothMeasuredPoints) {
  HwlocImportOptions options;
  options.local_latency_ns = 89.5;
  options.remote_latency_ns = 143.5;
  auto m = ImportHwlocXmlFile(kEm64t, options);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(std::vector<double>(m->latency_ns().begin(), m->latency_ns().end()),
              ElementsAre(89.5, 143.5, 143.5, 89.5));
}

TEST(HwlocImporterTest, PackagelessFourNodesWithMemattrs) {
  auto m = ImportHwlocXmlFile(kMemattrs, HwlocImportOptions());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(ValidateMachine(*m).ok()) << ValidateMachine(*m);
  EXPECT_EQ(m->sockets(), 1u);           // no Package objects: the machine is one socket
  EXPECT_EQ(m->cores_per_socket(), 8u);  // no Core objects: PUs are the cores
  ASSERT_EQ(m->node_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(m->node(i).memory_bytes(), 1073741824u);
    EXPECT_THAT(Cores(m->node(i)), ElementsAre(2 * i, 2 * i + 1));
  }
  // No distances in the file: Linux defaults 10/20 -> 90/180 ns.
  EXPECT_DOUBLE_EQ(m->latency_ns(0), 90);
  EXPECT_DOUBLE_EQ(m->latency_ns(1), 180);
  // No caches in the file: import defaults.
  EXPECT_EQ(m->l2().size_bytes(), 1u << 20);
  // The file's memory attribute "Bandwidth" gives node 1 20 MiB/s (for the whole machine
  // as initiator, which covers the node's CPUs); the other nodes have none: default.
  EXPECT_DOUBLE_EQ(m->node(1).dram_bandwidth_bytes_per_s(), 20.0 * 1048576);
  EXPECT_DOUBLE_EQ(m->node(0).dram_bandwidth_bytes_per_s(), 100e9);
}

// hwloc's tests/hwloc/xml/cxlmem+dax.v2.xml (open-mpi/hwloc, same file at tag hwloc-2.9.0 and
// commit 3b37b024): one NUMA node, one DAX device "dax0.0" (SPM, Size 1048576KiB) and four
// CXL Type-3 devices mem0..mem3 (OS devices, subtype CXLMem) with CXLRAMSize/CXLPMEMSize of
// 262144KiB each, none of them a NUMA node. Each becomes a CPU-less node after node 0.
TEST(HwlocImporterTest, CxlMemDaxMachine) {
  auto m = ImportHwlocXmlFile(kCxl, HwlocImportOptions());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(ValidateMachine(*m).ok()) << ValidateMachine(*m);
  EXPECT_EQ(m->sockets(), 1u);
  EXPECT_EQ(m->cores_per_socket(), 4u);
  ASSERT_EQ(m->node_size(), 6);
  EXPECT_EQ(m->node(0).memory_bytes(), 3061719040u);
  EXPECT_FALSE(m->node(0).cpu_less());
  const uint64_t kMiB = 1 << 20;
  const struct {
    const char* kind;
    uint64_t bytes;
  } want[] = {{"DAX-SPM", 1024 * kMiB},
              {"CXL-DRAM", 256 * kMiB},        // mem2
              {"CXL-PMEM", 256 * kMiB},        // mem0
              {"CXL-DRAM", 256 * kMiB},        // mem3
              {"CXL-DRAM+PMEM", 512 * kMiB}};  // mem1
  uint64_t next = 3061719040u / 4096;
  for (int i = 1; i < 6; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(m->node(i).cpu_less());
    EXPECT_EQ(m->node(i).kind(), want[i - 1].kind);
    EXPECT_EQ(m->node(i).memory_bytes(), want[i - 1].bytes);
    EXPECT_EQ(m->node(i).start_pfn(), next);
    next = m->node(i).end_pfn();
    EXPECT_EQ(m->node(i).socket(), 0u);
    EXPECT_EQ(m->node(i).cores_size(), 0);
    // Linux's REMOTE_DISTANCE 20 for nodes the SLIT lacks: 2 x 90 ns.
    EXPECT_DOUBLE_EQ(m->latency_ns(0 * 6 + i), 180);
    EXPECT_DOUBLE_EQ(m->latency_ns(i * 6 + i), 90);
  }
  EXPECT_EQ(m->l2().size_bytes(), 4194304u);
  EXPECT_EQ(m->llc().size_bytes(), 16777216u);
  EXPECT_THAT(m->description(), HasSubstr("5 CXL/DAX device(s) became CPU-less nodes"));
}

TEST(HwlocImporterTest, ZoneinfoSpans) {
  // /proc/zoneinfo of the project VM (abridged: the per-zone counters are left out), and a
  // second node.
  const std::string zoneinfo =
      "Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 1\n"
      "  pages free     3998\n        spanned  4095\n        present  3998\n"
      "        managed  3840\n  start_pfn:           1\n"
      "Node 0, zone    DMA32\n  pages free 1\n        spanned  1044480\n"
      "  start_pfn:           4096\n"
      "Node 0, zone   Normal\n        spanned  5505024\n  start_pfn:           1048576\n"
      "Node 0, zone  Movable\n        spanned  0\n        present  0\n"
      "Node 1, zone   Normal\n        spanned  1048576\n  start_pfn:           8388608\n";
  auto spans = ParseZoneinfoSpans(zoneinfo, "zoneinfo");
  ASSERT_TRUE(spans.ok()) << spans.status();
  ASSERT_EQ(spans->size(), 2u);
  EXPECT_EQ((*spans)[0].os_index, 0u);
  EXPECT_EQ((*spans)[0].start_pfn, 1u);
  EXPECT_EQ((*spans)[0].end_pfn, 6553600u);  // 1048576 + 5505024
  EXPECT_EQ((*spans)[1].os_index, 1u);
  EXPECT_EQ((*spans)[1].start_pfn, 8388608u);
  EXPECT_EQ((*spans)[1].end_pfn, 9437184u);

  auto bad = ParseZoneinfoSpans("  start_pfn: 4\n", "zi");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("zi:1: start_pfn before any 'Node N, zone Z'"));
  bad = ParseZoneinfoSpans("hello\n", "zi");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("zi: no zone with pages"));
}

// This VM's lstopo (traces/vm.lstopo.xml: one node, local_memory 10697302016 bytes at the
// time) sized by the span tools/record saw: node0_pfn_range=1-6553600 (25 GiB: the PCI hole
// below 4 GiB and memory the kernel initialises lazily are in it).
TEST(HwlocImporterTest, NodeSpansFromTheRecordedMachine) {
  HwlocImportOptions options;
  auto plain = ImportHwlocXmlFile("traces/vm.lstopo.xml", options);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_EQ(plain->node_size(), 1);
  EXPECT_EQ(plain->node(0).start_pfn(), 0u);
  EXPECT_EQ(plain->node(0).end_pfn(), 10697302016u / 4096);

  options.node_spans = {{0, 1, 6553600}};
  auto m = ImportHwlocXmlFile("traces/vm.lstopo.xml", options);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(ValidateMachine(*m).ok()) << ValidateMachine(*m);
  // Rounded out to 128 MiB sections: [0, 6553600) = 200 sections.
  EXPECT_EQ(m->node(0).start_pfn(), 0u);
  EXPECT_EQ(m->node(0).end_pfn(), 6553600u);
  EXPECT_EQ(m->node(0).memory_bytes(), uint64_t{6553600} * 4096);

  // Two nodes sharing a section keep their own pfns: node 0 ends where node 1 starts.
  options.node_spans = {{0, 1, 40000}, {1, 50000, 100000}};
  auto two = ImportHwlocXmlFile("/work/shared/topologies/32em64t-2n8c2t-pci-noio.xml", options);
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->node_size(), 2);
  EXPECT_EQ(two->node(0).start_pfn(), 0u);
  EXPECT_EQ(two->node(0).end_pfn(), 50000u);
  EXPECT_EQ(two->node(1).start_pfn(), 50000u);
  EXPECT_EQ(two->node(1).end_pfn(), 131072u);  // 4 sections

  options.node_spans = {{1, 1, 6553600}};
  auto missing = ImportHwlocXmlFile("traces/vm.lstopo.xml", options);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("NUMA node P#0 has no pfn span"));
}

TEST(HwlocImporterTest, HandwrittenTwoSocketNps2WithCxl) {
  auto m = LoadMachine(kHandmade);  // through the content-dispatching loader
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sockets(), 2u);
  EXPECT_EQ(m->cores_per_socket(), 2u);
  EXPECT_EQ(m->l1d().size_bytes(), 49152u);
  EXPECT_EQ(m->l1d().ways(), 12u);
  ASSERT_EQ(m->node_size(), 5);
  // Logical order: the four CPU nodes, then the CXL node (hwloc orders by os_index).
  EXPECT_THAT(Cores(m->node(0)), ElementsAre(0));
  EXPECT_THAT(Cores(m->node(1)), ElementsAre(1));
  EXPECT_THAT(Cores(m->node(2)), ElementsAre(2));
  EXPECT_EQ(m->node(2).socket(), 1u);
  EXPECT_TRUE(m->node(4).cpu_less());
  EXPECT_EQ(m->node(4).kind(), "CXL");
  EXPECT_EQ(m->node(4).socket(), 0u);  // nearest CPU node is node 0 (distance 14)
  EXPECT_EQ(m->node(4).memory_bytes(), 68719476736u);
  // 10/12/21/14 -> 90/108/189/126 ns.
  EXPECT_DOUBLE_EQ(m->latency_ns(0 * 5 + 1), 108);
  EXPECT_DOUBLE_EQ(m->latency_ns(0 * 5 + 2), 189);
  EXPECT_DOUBLE_EQ(m->latency_ns(0 * 5 + 4), 126);
  auto t = MachineTopology::Create(*m);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->home_node_of_core(3), 3);
  EXPECT_THAT(FormatMachineText(*m), HasSubstr("(no CPUs)"));
}

TEST(HwlocImporterTest, ThisMachineCommittedLstopo) {
  auto m = LoadMachine(kThisMachine);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GE(m->sockets(), 1u);
  EXPECT_GE(m->node_size(), 1);
}

TEST(HwlocImporterTest, ThisMachineLiveLstopo) {
  const std::string out = test_util::TmpPath("live_lstopo.xml");
  const std::string cmd = "lstopo-no-graphics --of xml > " + out + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "lstopo-no-graphics not available";
  auto m = LoadMachine(out);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GE(m->cores_per_socket(), 1u);
}

TEST(HwlocImporterTest, TextprotoRoundTrip) {
  auto m = ImportHwlocXmlFile(kEm64t, HwlocImportOptions());
  ASSERT_TRUE(m.ok());
  auto back = ParseMachineText(FormatMachineTextproto(*m), "round-trip");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), m->SerializeAsString());
}

TEST(HwlocImporterTest, MalformedXmlNamesTheFile) {
  const std::string path = test_util::TmpPath("broken.xml");
  std::ofstream(path) << "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object type=\n";
  auto m = LoadMachine(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr(path));
}

// hwloc 2.9 dereferences a null root when the XML has no Machine object: the crash is in
// the child process and comes back as an error naming the file and the signal.
TEST(HwlocImporterTest, HwlocSegfaultIsALocatedError) {
  auto m = ImportHwlocXmlFile(kNoRoot, HwlocImportOptions());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(),
              HasSubstr(std::string(kNoRoot) +
                        ": libhwloc crashed with signal 11 (SIGSEGV: Segmentation fault)"));
}

// A PU with os_index 2^32-1 makes hwloc 2.9 loop for ever while loading; the child is
// killed when it has said nothing for the idle timeout.
TEST(HwlocImporterTest, HwlocEndlessLoopIsKilled) {
  HwlocImportOptions options;
  options.isolation.idle_timeout_seconds = 1;
  auto m = ImportHwlocXmlFile(kPuOsIndexMax, options);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(
      m.status().message(),
      HasSubstr(std::string(kPuOsIndexMax) + ": libhwloc made no progress for 1 s and was killed"));
  int status;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // no child left behind
  EXPECT_EQ(errno, ECHILD);
}

// Truncated and garbled copies of a real lstopo output: errors naming the file.
TEST(HwlocImporterTest, TruncatedAndFlippedXmlNameTheFile) {
  std::ifstream in(kThisMachine);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string xml = ss.str();
  ASSERT_GT(xml.size(), 4000u);
  const std::string truncated = test_util::TmpPath("truncated.xml");
  std::ofstream(truncated) << xml.substr(0, xml.size() / 2);
  std::string garbled_xml = xml;
  garbled_xml.replace(garbled_xml.find("<object"), 7, "<0bject");
  const std::string garbled = test_util::TmpPath("garbled.xml");
  std::ofstream(garbled) << garbled_xml;
  for (const std::string& path : {truncated, garbled}) {
    auto m = ImportHwlocXmlFile(path, HwlocImportOptions());
    ASSERT_FALSE(m.ok()) << path;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(m.status().message(), HasSubstr(path + ": hwloc could not load the XML topology"));
  }
}

TEST(HwlocImporterTest, DirectoryIsRefusedBeforeHwloc) {
  const std::string dir = test_util::TmpPath("topology.xml");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  auto m = ImportHwlocXmlFile(dir, HwlocImportOptions());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), dir + ": not a regular file (an hwloc XML topology is expected)");
}

// A fully associative L1 of 32 bytes with 64-byte lines has zero ways; that divided by
// zero (SIGFPE in memsim itself) before.
TEST(HwlocImporterTest, FullyAssociativeCacheSmallerThanALine) {
  auto m = ImportHwlocXmlFile(kTinyL1, HwlocImportOptions());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), std::string(kTinyL1) +
                                      ": fully associative L1d cache of 32 bytes is smaller "
                                      "than its 64-byte line");
}

TEST(HwlocImporterTest, MachineShowOfTinyCacheExitsWithTheError) {
  test_util::CmdResult r = test_util::Memsim(std::string("machine show ") + kTinyL1);
  EXPECT_EQ(r.exit_code, 1);  // a data error: the file is wrong, not the command line
  EXPECT_THAT(r.out, HasSubstr("fully associative L1d cache of 32 bytes is smaller than its "
                               "64-byte line"));
}

// Memory attribute Bandwidth = 20 MiB/s: 20971520 B/s, shown in MB/s rather than as
// "0.0 GB/s".
TEST(HwlocImporterTest, SmallBandwidthIsShownInMegabytes) {
  auto m = ImportHwlocXmlFile(kBandwidth20MiB, HwlocImportOptions());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->node_size(), 1);
  EXPECT_EQ(m->node(0).dram_bandwidth_bytes_per_s(), 20971520.0);
  const std::string text = FormatMachineText(*m);
  EXPECT_THAT(text, HasSubstr(" 21.0 MB/s  0-1\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("0.0 GB/s")));
}

}  // namespace
}  // namespace memsim::hw
