// memsim machine calibrate: the benchmark kernels' structure (never their timings), the
// config written from hand-made measurements, and the CLI.
#include "sim/hw/host_calibrator.h"

#include <sched.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/hw/calibrated_machine.h"
#include "sim/hw/huge_alloc.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_validator.h"
#include "sim/hw/memory_kernels.h"
#include "sim/util/output_file.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim::hw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kMiB = uint64_t{1} << 20;
const char kThisMachine[] = MEMSIM_SOURCE_DIR "/tests/hw/testdata/this_machine.xml";
const char kTwoSocket[] = MEMSIM_SOURCE_DIR "/tests/hw/testdata/two_socket_nps2_cxl.xml";

std::string ReadAll(const std::string& path) {
  std::string s = test_util::Slurp(path);
  EXPECT_FALSE(s.empty()) << path;
  return s;
}

// Follows next[] from 0 and counts visits of every index until it returns to 0.
std::vector<int> Visits(const std::vector<uint32_t>& next) {
  std::vector<int> visits(next.size(), 0);
  uint32_t i = 0;
  for (size_t step = 0; step < next.size(); ++step) {
    ++visits[i];
    i = next[i];
  }
  EXPECT_EQ(i, 0u) << "not back at the start after n steps";
  return visits;
}

TEST(RandomCyclicPermutation, VisitsEveryLineExactlyOnce) {
  for (uint32_t n : {1u, 2u, 3u, 64u, 1000u, 12288u}) {
    const std::vector<uint32_t> next = RandomCyclicPermutation(n, 42 + n);
    ASSERT_EQ(next.size(), n);
    const std::vector<int> visits = Visits(next);
    for (uint32_t k = 0; k < n; ++k) ASSERT_EQ(visits[k], 1) << "n=" << n << " index " << k;
  }
}

TEST(RandomCyclicPermutation, NoFixedPointAndDeterministicPerSeed) {
  const std::vector<uint32_t> a = RandomCyclicPermutation(500, 7);
  for (uint32_t k = 0; k < 500; ++k) EXPECT_NE(a[k], k);
  EXPECT_EQ(a, RandomCyclicPermutation(500, 7));
  EXPECT_NE(a, RandomCyclicPermutation(500, 8));
  EXPECT_THAT(RandomCyclicPermutation(2, 1), ElementsAre(1, 0));
}

TEST(LinkChase, EachLineHoldsTheAddressOfItsSuccessor) {
  std::vector<uint32_t> next = {2, 0, 3, 1};  // 0 -> 2 -> 3 -> 1 -> 0
  std::vector<unsigned char> buf(4 * kKernelLineBytes + 8);
  unsigned char* base = buf.data() + (8 - reinterpret_cast<uintptr_t>(buf.data()) % 8) % 8;
  LinkChase(base, next);
  for (int i = 0; i < 4; ++i) {
    unsigned char* p = nullptr;
    std::memcpy(&p, base + i * kKernelLineBytes, sizeof(p));
    EXPECT_EQ(p, base + next[i] * kKernelLineBytes) << i;
  }
}

// The kernels run on tiny buffers and return a positive, finite figure (their values are
// timings and are not asserted).
TEST(MemoryKernels, TinyBuffersGivePositiveFigures) {
  const size_t lines = 64;
  void* raw = AllocateHuge(lines * kKernelLineBytes);
  ASSERT_NE(raw, nullptr);
  unsigned char* buf = static_cast<unsigned char*>(raw);
  const std::vector<uint32_t> next = RandomCyclicPermutation(lines, 3);
  LinkChase(buf, next);
  uint64_t word = 0;
  const double figures[] = {DependentChaseNs(buf, 0, 4096), SequentialLineNs(buf, lines, 16),
                            SequentialWordNs(buf, lines, 16), IndependentReadNs(buf, next),
                            AtomicRmwNs(&word, 1000)};
  for (double ns : figures) {
    EXPECT_GT(ns, 0);
    EXPECT_TRUE(std::isfinite(ns));
  }
  EXPECT_EQ(word, 1000u);
  FreeHuge(raw, lines * kKernelLineBytes);
}

// The scan loop walks the stand-in records: every one an in-use, non-LRU page, so a figure
// comes back; the records are laid out where the kernel's struct page has those fields.
TEST(MemoryKernels, ScanStructsWalksInitialisedRecords) {
  const size_t structs = 64;
  void* raw = AllocateHuge(structs * kKernelLineBytes);
  ASSERT_NE(raw, nullptr);
  unsigned char* buf = static_cast<unsigned char*>(raw);
  InitScanStructs(buf, structs);
  uint32_t page_type = 0;
  std::memcpy(&page_type, buf + 5 * kKernelLineBytes + kScanPageTypeOffset, sizeof(page_type));
  EXPECT_EQ(page_type, 0xffffffffu);  // _mapcount = -1: no page type, not PageBuddy
  uint64_t head = 1;
  std::memcpy(&head, buf + 5 * kKernelLineBytes + kScanCompoundHeadOffset, sizeof(head));
  EXPECT_EQ(head, 0u);  // not a tail page
  const double ns = ScanStructsNs(buf, structs, 4);
  EXPECT_GT(ns, 0);
  EXPECT_TRUE(std::isfinite(ns));
  FreeHuge(raw, structs * kKernelLineBytes);
}

TEST(MemoryKernels, PageCopyCopiesEveryPage) {
  const size_t pages = 8;
  std::vector<unsigned char> src(pages * 4096), dst(pages * 4096, 0);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 7 + 1);
  const double ns = PageCopyNs(dst.data(), src.data(), pages);
  EXPECT_GT(ns, 0);
  EXPECT_TRUE(std::isfinite(ns));
  EXPECT_EQ(dst, src);
}

// The PTE round trip runs on the process's own mapping, alone and with a reader on another
// CPU when there is one; a CPU it cannot pin to is refused.
TEST(MemoryKernels, PteRemapGivesAFigureOrRefuses) {
  const double local = PteRemapNs(-1, -1, 4, 8, 1.0);
  EXPECT_GT(local, 0);
  EXPECT_TRUE(std::isfinite(local));
  EXPECT_LT(PteRemapNs(-1, 100000, 4, 8, 1.0), 0);
  EXPECT_LT(PteRemapNs(100000, -1, 4, 8, 1.0), 0);
  EXPECT_LT(PteRemapNs(-1, -1, 0, 8, 1.0), 0);  // no pages
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  if (cpus.size() == 2) {
    const double shootdown = PteRemapNs(cpus[0], cpus[1], 4, 8, 1.0);
    EXPECT_GT(shootdown, 0);
    EXPECT_TRUE(std::isfinite(shootdown));
  }
}

TEST(MemoryKernels, CoreToCoreRefusesACpuItCannotPinTo) {
  EXPECT_LT(CoreToCoreNs(0, 100000, 10, 1.0), 0);
}

TEST(HostCalibrator, DramBufferIsEightLlcsWithinBounds) {
  EXPECT_EQ(HostCalibrator::DramBufferBytes(32 * kMiB, 0), 256 * kMiB);
  EXPECT_EQ(HostCalibrator::DramBufferBytes(96 * kMiB, 0), 768 * kMiB);
  EXPECT_EQ(HostCalibrator::DramBufferBytes(508 * kMiB, 0), 1024 * kMiB);
  EXPECT_EQ(HostCalibrator::DramBufferBytes(508 * kMiB, 1024 * kMiB), 128 * kMiB);
  EXPECT_EQ(HostCalibrator::DramBufferBytes(32 * kMiB, 5 * kMiB), 2 * kMiB);
}

CalibrationFigure Figure(double median, double min, double max, const std::string& unit) {
  CalibrationFigure f;
  f.median_ns = median;
  f.min_ns = min;
  f.max_ns = max;
  f.repetitions = 7;
  f.unit = unit;
  f.method = "hand-made";
  return f;
}

HostMeasurements HandMade() {
  HostMeasurements m;
  m.date_utc = "2026-12-01 12:00:00 UTC";
  m.kernel = "Linux 6.18.0 #1";
  m.cpu_model = "Handmade CPU";
  m.clock_ghz = 2.0;
  m.online_cpus = 2;
  m.load_average = 1.5;
  m.huge_pages = true;
  m.huge_page_bytes = 256 * kMiB;
  m.l1_hit = Figure(1.5, 1.4, 1.6, "ns/load");
  m.l2_hit = Figure(5.25, 5.0, 6.0, "ns/load");
  m.llc_hit = Figure(20.004, 19.0, 22.0, "ns/load");
  NodePairLatency local;
  local.latency = Figure(110.123, 100.0, 130.0, "ns/load");
  m.node_latency.push_back(local);
  m.sequential_line = Figure(6.0, 5.5, 7.0, "ns/line");
  m.sequential_word = Figure(0.9, 0.8, 1.0, "ns/word");
  m.independent_line = Figure(27.346, 25.0, 30.0, "ns/line");
  m.atomic_rmw = Figure(16.5, 15.0, 20.0, "ns/op");
  m.core_to_core = Figure(80.0, 70.0, 90.0, "ns one way");
  m.scan_pfn = Figure(3.5, 3.0, 4.0, "ns/pfn");
  m.scan_pfn_hot = Figure(1.004, 0.9, 1.2, "ns/pfn");
  m.word_issue = Figure(0.416, 0.4, 0.5, "ns/word");
  m.page_copy = Figure(310.0, 300.0, 320.0, "ns/page");
  m.pte_remap_64 = Figure(180000.0, 170000.0, 190000.0, "ns/round trip");
  m.pte_remap_128 = Figure(220000.004, 210000.0, 230000.0, "ns/round trip");
  m.notes.push_back("a hand-made note");
  return m;
}

TEST(CalibratedMachine, OneNodeHostHasExactlyTheMeasuredLatencies) {
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(HandMade(), ReadAll(kThisMachine), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name(), "calibrated-host");
  EXPECT_EQ(m->clock_ghz(), 2.0);
  EXPECT_EQ(m->l1d().hit_latency_cycles(), 3.0);   // 1.5 ns x 2 GHz
  EXPECT_EQ(m->l2().hit_latency_cycles(), 10.5);   // 5.25 ns x 2 GHz
  EXPECT_EQ(m->llc().hit_latency_cycles(), 40.0);  // 20.004 -> 20.00 ns x 2 GHz
  EXPECT_EQ(m->l1d().size_bytes(), 32768u);        // from the XML
  EXPECT_EQ(m->llc().size_bytes(), 33554432u);
  EXPECT_THAT(std::vector<double>(m->latency_ns().begin(), m->latency_ns().end()),
              ElementsAre(110.12));
  const config::HostCalibration& c = m->calibration();
  EXPECT_EQ(c.sequential_line_ns(), 6.0);
  EXPECT_EQ(c.sequential_word_ns(), 0.9);
  EXPECT_EQ(c.independent_line_ns(), 27.35);
  EXPECT_EQ(c.dependent_line_ns(), 110.12);
  EXPECT_EQ(c.atomic_rmw_ns(), 16.5);
  EXPECT_EQ(c.core_to_core_ns(), 80.0);
  EXPECT_TRUE(c.huge_pages());
  EXPECT_TRUE(ValidateMachine(*m).ok());
}

TEST(CalibratedMachine, HitLatenciesAreRaisedToKeepLevelsOrdered) {
  HostMeasurements h = HandMade();
  h.l2_hit = Figure(1.25, 1.0, 2.0, "ns/load");  // below L1: noise on a loaded host
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(h, ReadAll(kThisMachine), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->l1d().hit_latency_cycles(), 3.0);
  EXPECT_EQ(m->l2().hit_latency_cycles(), 3.0);  // raised to L1's
  EXPECT_EQ(m->llc().hit_latency_cycles(), 40.0);
}

// Five nodes (4 with CPUs, node 4 CXL), SLIT 10/12/21/16/14/28. Measured pairs replace
// their entries; the others follow the affine import rule through local 100 ns and the
// nearest measured remote 120 ns at the nearest distance 12: ns = 100 + (d - 10) x 10.
TEST(CalibratedMachine, MeasuredNodePairsFillTheMatrix) {
  HostMeasurements h = HandMade();
  h.node_latency.clear();
  const std::pair<int, double> row0[] = {{0, 100.0}, {1, 120.0}, {2, 205.5}, {4, 150.25}};
  for (const auto& [mem, ns] : row0) {
    NodePairLatency p;
    p.cpu_node = 0;
    p.memory_node = mem;
    p.latency = Figure(ns, ns, ns, "ns/load");
    h.node_latency.push_back(p);
  }
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(h, ReadAll(kTwoSocket), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->node_size(), 5);
  std::vector<double> lat(m->latency_ns().begin(), m->latency_ns().end());
  // Row 0: measured except 0 -> 3 (d = 21: 210).
  EXPECT_THAT(std::vector<double>(lat.begin(), lat.begin() + 5),
              ElementsAre(100.0, 120.0, 205.5, 210.0, 150.25));
  // Row 1 (d = 12 10 21 21 16): all by the rule.
  EXPECT_THAT(std::vector<double>(lat.begin() + 5, lat.begin() + 10),
              ElementsAre(120.0, 100.0, 210.0, 210.0, 160.0));
  EXPECT_EQ(m->calibration().dependent_line_ns(), 100.0);
}

TEST(CalibratedMachine, WrittenTextHasTheRawFiguresAndLoads) {
  const HostMeasurements h = HandMade();
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(h, ReadAll(kThisMachine), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  const std::string text = FormatCalibratedMachine(h, *m);
  for (const char* want :
       {"# Date: 2026-12-01 12:00:00 UTC\n", "# Kernel: Linux 6.18.0 #1\n",
        "# CPU: Handmade CPU (/proc/cpuinfo), 2 CPUs available, 2.000 GHz\n",
        "# Load average at the start: 1.50", "# Huge pages: yes, 256 MiB",
        "#   dram_0_to_0               110.12 ns/load  [100.00 .. 130.00] median of 7; hand-made\n",
        "#   independent_line           27.35 ns/line",
        "#   core_to_core               80.00 ns one way", "# Note: a hand-made note\n",
        "calibration {\n"}) {
    EXPECT_THAT(text, HasSubstr(want));
  }
  const std::string path = test_util::TmpPath("host.textproto");
  ASSERT_TRUE(memsim::WriteFileAtomically(path, text, {}).ok());
  absl::StatusOr<config::Machine> loaded = LoadMachine(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->calibration().independent_line_ns(), 27.35);
  EXPECT_THAT(std::vector<double>(loaded->latency_ns().begin(), loaded->latency_ns().end()),
              ElementsAre(110.12));
}

// docs/validation.md, "From measurements to config::Timing", on the hand-made figures.
TEST(CalibratedMachine, TimingIsDerivedFromTheFigures) {
  const config::Timing t = TimingFromMeasurements(HandMade(), 2.0);
  // round(110.12 / 27.35 = 4.026) = 4.
  EXPECT_EQ(t.outstanding_l1_misses(), 4u);
  EXPECT_EQ(t.outstanding_l2_misses(), 4u);
  // 6.00 < 27.35 / 2: prefetchers at work.
  EXPECT_TRUE(t.next_line_prefetcher());
  EXPECT_TRUE(t.l2_streamer());
  EXPECT_EQ(t.streamer_distance_lines(), 0u);
  // ceil(110.12 / 6.00 = 18.35) = 19 lines in flight to stream at 6.00 ns per line.
  EXPECT_EQ(t.streamer_queue_entries(), 19u);
  // 64 B / 6.00 ns = 10.6667 GB/s, to 1 MB/s.
  EXPECT_EQ(t.core_dram_bandwidth_bytes_per_s(), 10667e6);
  // 1.004 -> 1.00 ns x 2.0 GHz.
  EXPECT_EQ(t.cycles_per_scanned_pfn(), 2.0);
  // 0.416 -> 0.42 ns x 2.0 GHz.
  EXPECT_EQ(t.cycles_per_access(), 0.84);
  // PTE work: (220000.00 - 180000.00) / 64 = 625 ns per page, the flush 180000 - 64 x 625
  // = 140000 ns per round trip; per page of a 32-page batch 625 + 140000 / 32 = 5000 ns,
  // x 2.0 GHz.
  const MigrationPteWork w = PteWorkFromMeasurements(HandMade());
  EXPECT_TRUE(w.measured);
  EXPECT_EQ(w.per_page_ns, 625.0);
  EXPECT_EQ(w.flush_ns, 140000.0);
  EXPECT_EQ(t.cycles_per_migrated_page(), 10000.0);
  EXPECT_EQ(t.cycles_per_operation(), 0.0);
}

// A noisy pair where the larger round trip is the faster: no per-page part, all flush.
TEST(CalibratedMachine, PteWorkNeverGoesNegative) {
  HostMeasurements h = HandMade();
  h.pte_remap_128 = Figure(170000.0, 160000.0, 180000.0, "ns/round trip");
  const MigrationPteWork w = PteWorkFromMeasurements(h);
  EXPECT_EQ(w.per_page_ns, 0.0);
  EXPECT_EQ(w.flush_ns, 180000.0);
  EXPECT_EQ(TimingFromMeasurements(h, 2.0).cycles_per_migrated_page(), 11250.0);  // 5625 ns
  h.pte_remap_128 = CalibrationFigure{};
  EXPECT_FALSE(PteWorkFromMeasurements(h).measured);
  EXPECT_EQ(TimingFromMeasurements(h, 2.0).cycles_per_migrated_page(), 0.0);
}

TEST(CalibratedMachine, NoPrefetchWhenASequentialWalkCostsLikeRandomReads) {
  HostMeasurements h = HandMade();
  h.sequential_line = Figure(14.0, 13.0, 15.0, "ns/line");               // >= 27.35 / 2
  h.node_latency[0].latency = Figure(1000.0, 990.0, 1010.0, "ns/load");  // 36.6 -> clamped
  h.independent_line = Figure(10.0, 9.0, 11.0, "ns/line");
  const config::Timing t = TimingFromMeasurements(h, 2.0);
  EXPECT_FALSE(t.l2_streamer());
  EXPECT_FALSE(t.next_line_prefetcher());
  EXPECT_EQ(t.streamer_queue_entries(), 0u);  // no streamer, no queue
  EXPECT_EQ(t.outstanding_l1_misses(), 64u);  // round(100) clamped to 64
}

TEST(CalibratedMachine, UnmeasuredFiguresLeaveTimingFieldsZero) {
  HostMeasurements h;
  h.clock_ghz = 2.0;
  const config::Timing t = TimingFromMeasurements(h, 2.0);
  EXPECT_EQ(t.outstanding_l1_misses(), 0u);
  EXPECT_FALSE(t.l2_streamer());
  EXPECT_EQ(t.core_dram_bandwidth_bytes_per_s(), 0.0);
  EXPECT_EQ(t.cycles_per_scanned_pfn(), 0.0);
  EXPECT_EQ(t.cycles_per_access(), 0.0);
  EXPECT_EQ(t.cycles_per_migrated_page(), 0.0);
}

TEST(CalibratedMachine, WrittenTextExplainsTheTiming) {
  const HostMeasurements h = HandMade();
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(h, ReadAll(kThisMachine), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->timing().outstanding_l1_misses(), 4u);
  const std::string text = FormatCalibratedMachine(h, *m);
  for (const char* want :
       {"#   scan_pfn                    3.50 ns/pfn",
        "#   scan_pfn_hot                1.00 ns/pfn",
        "#   outstanding_l1/l2_misses = round(dram chase 110.12 / independent line 27.35 = "
        "4.03) = 4\n",
        "#   prefetchers on: sequential line 6.00 < independent line 27.35 / 2\n",
        "#   streamer_queue_entries = ceil(dram chase 110.12 / sequential line 6.00 = 18.35) "
        "= 19\n",
        "#   core_dram_bandwidth = 64 B / 6.00 ns = 10.667 GB/s\n",
        "#   cycles_per_scanned_pfn = hot scan 1.00 ns x 2.00 GHz = 2.00\n",
        "#   word_issue                  0.42 ns/word",
        "#   page_copy                 310.00 ns/page",
        "#   pte_remap_64           180000.00 ns/round trip",
        "#   pte_remap_128          220000.00 ns/round trip",
        "#   cycles_per_access = hot word loop 0.42 ns x 2.00 GHz = 0.84\n",
        "#   pte_remap = (round trip 128 pages 220000.00 - 64 pages 180000.00) / 64 = 625.00 "
        "ns/page; tlb_flush = 180000.00 - 64 x 625.00 = 140000.00 ns\n",
        "#   cycles_per_migrated_page = (pte_remap 625.00 + tlb_flush 140000.00 / 32 pages per "
        "batch) ns x 2.00 GHz = 10000.00\n",
        "  word_issue_ns: 0.42\n", "  pte_remap_ns: 625\n", "  tlb_flush_ns: 140000\n",
        "  page_copy_ns: 310\n", "timing {\n"}) {
    EXPECT_THAT(text, HasSubstr(want));
  }
}

TEST(CalibratedMachine, ValidatorRefusesANegativeCalibrationFigure) {
  absl::StatusOr<config::Machine> m =
      BuildCalibratedMachine(HandMade(), ReadAll(kThisMachine), "calibrated-host");
  ASSERT_TRUE(m.ok()) << m.status();
  m->mutable_calibration()->set_atomic_rmw_ns(-1);
  absl::Status s = ValidateMachine(*m);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("calibration.atomic_rmw_ns"));
  m->mutable_calibration()->set_atomic_rmw_ns(1);
  m->mutable_calibration()->set_tlb_flush_ns(-5);
  s = ValidateMachine(*m);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("calibration.tlb_flush_ns"));
}

TEST(CalibrateCli, QuickRunWritesALoadableMachine) {
  const std::string path = test_util::TmpPath("calibrated.textproto");
  test_util::CmdResult r = test_util::Memsim("machine calibrate --quick -o " + path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("calibrate: l1 hit"));
  EXPECT_THAT(r.out, HasSubstr("calibrate: dram 0->0"));
  EXPECT_THAT(r.out, HasSubstr("calibrate: scan pfn (hot)"));
  EXPECT_THAT(r.out, HasSubstr("calibrate: word issue (hot)"));
  EXPECT_THAT(r.out, HasSubstr("calibrate: page copy"));
  EXPECT_THAT(r.out, HasSubstr("calibrate: pte remap 128 pages"));
  absl::StatusOr<config::Machine> m = LoadMachine(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->has_calibration());
  EXPECT_GT(m->calibration().dependent_line_ns(), 0);
  EXPECT_TRUE(m->has_timing());
  EXPECT_GE(m->timing().outstanding_l1_misses(), 1u);
  test_util::CmdResult show = test_util::Memsim("machine show " + path);
  EXPECT_EQ(show.exit_code, 0) << show.out;
}

TEST(CalibrateCli, BadFlagsAndArgumentsExit2) {
  const std::string path = test_util::TmpPath("never.textproto");
  for (const std::string& args : std::vector<std::string>{
           "machine calibrate --quick", "machine calibrate --quick -o " + path + " extra",
           "machine calibrate --max_seconds=0 -o " + path,
           "machine calibrate --max_seconds=121 -o " + path,
           "machine calibrate --no_such_flag -o " + path}) {
    test_util::CmdResult r = test_util::Memsim(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
  }
  EXPECT_FALSE(test_util::Exists(path));
  test_util::CmdResult help = test_util::Memsim("machine --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("calibrate -o MACHINE.textproto [--quick] [--max_seconds=N]"));
  EXPECT_THAT(help.out, HasSubstr("--max_seconds"));
}

}  // namespace
}  // namespace memsim::hw
