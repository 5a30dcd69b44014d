#include "sim/hw/host_calibrator.h"

#include <numa.h>
#include <sched.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sim/hw/huge_alloc.h"
#include "sim/hw/memory_kernels.h"

namespace memsim::hw {
namespace {

using Clock = std::chrono::steady_clock;
using Buffer = std::unique_ptr<unsigned char, HugeDeleter>;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kSeed = 0x6d656d73696dULL;  // "memsim"

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

absl::StatusOr<Buffer> Allocate(uint64_t bytes) {
  void* p = AllocateHuge(bytes);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("calibrate: cannot map a ", bytes / kMiB, " MiB buffer"));
  }
  return Buffer(static_cast<unsigned char*>(p), HugeDeleter{bytes});
}

// The value of `key` ("model name") in the first /proc/cpuinfo record, "" if absent.
std::string CpuInfo(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(':', 1));
    if (absl::StripAsciiWhitespace(kv.first) == key) {
      return std::string(absl::StripAsciiWhitespace(kv.second));
    }
  }
  return "";
}

// MemAvailable from /proc/meminfo in bytes, 0 if unknown.
uint64_t MemAvailableBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// AnonHugePages of the mapping that holds `p`, bytes; -1 when /proc/self/smaps has none.
int64_t AnonHugePagesBytes(const void* p) {
  std::ifstream in("/proc/self/smaps");
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    // A mapping header starts "start-end perms ..." in hex; field lines start "Name:".
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find(':') > space) {
      uint64_t start = 0;
      uint64_t end = 0;
      inside = absl::SimpleHexAtoi(line.substr(0, dash), &start) &&
               absl::SimpleHexAtoi(line.substr(dash + 1, space - dash - 1), &end) &&
               start <= addr && addr < end;
      continue;
    }
    if (inside && absl::StartsWith(line, "AnonHugePages:")) {
      std::istringstream fields(line.substr(sizeof("AnonHugePages:") - 1));
      int64_t kb = 0;
      fields >> kb;
      return kb * 1024;
    }
  }
  return -1;
}

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

// Restores the calling thread's CPU affinity when it goes out of scope.
class AffinityGuard {
 public:
  AffinityGuard() { saved_ = sched_getaffinity(0, sizeof(set_), &set_) == 0; }
  ~AffinityGuard() {
    if (saved_) sched_setaffinity(0, sizeof(set_), &set_);
  }
  AffinityGuard(const AffinityGuard&) = delete;
  AffinityGuard& operator=(const AffinityGuard&) = delete;

 private:
  cpu_set_t set_;
  bool saved_ = false;
};

std::string Bytes(uint64_t b) {
  if (b >= kMiB) return absl::StrCat(b / kMiB, " MiB");
  if (b >= 1024) return absl::StrCat(b >> 10, " KiB");
  return absl::StrCat(b, " B");
}

}  // namespace

HostCalibrator::HostCalibrator(HostCalibratorOptions options) : options_(std::move(options)) {}

uint64_t HostCalibrator::DramBufferBytes(uint64_t llc_bytes, uint64_t available_bytes) {
  uint64_t bytes = std::clamp<uint64_t>(llc_bytes * 8, 256 * kMiB, 1024 * kMiB);
  if (available_bytes > 0) bytes = std::min(bytes, available_bytes / 8);
  bytes = std::max<uint64_t>(bytes / (2 * kMiB) * (2 * kMiB), 2 * kMiB);
  return bytes;
}

absl::StatusOr<HostMeasurements> HostCalibrator::Run() {
  const auto start = Clock::now();
  const bool quick = options_.quick;
  const double budget = std::max(options_.max_seconds, 0.1);
  const int max_reps = quick ? 2 : 7;
  HostMeasurements m;

  // The host.
  m.date_utc = absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::Now(), absl::UTCTimeZone());
  struct utsname uts;
  if (uname(&uts) == 0) m.kernel = absl::StrCat(uts.sysname, " ", uts.release, " ", uts.version);
  m.cpu_model = CpuInfo("model name");
  double mhz = 0;
  if (absl::SimpleAtod(CpuInfo("cpu MHz"), &mhz)) m.clock_ghz = mhz / 1000;
  const std::vector<int> cpus = AllowedCpus();
  m.online_cpus = static_cast<int>(cpus.size());
  {
    std::ifstream in("/proc/loadavg");
    in >> m.load_average;
  }

  auto report = [&](const std::string& name, const CalibrationFigure& f) {
    if (!options_.progress) return;
    options_.progress(absl::StrFormat("calibrate: %-22s %9.2f %s (median of %d, %.2f..%.2f), %s",
                                      name, f.median_ns, f.unit, f.repetitions, f.min_ns, f.max_ns,
                                      Bytes(f.buffer_bytes)));
  };
  // Runs `once` up to max_reps times within `share` of the budget (at least once).
  auto repeat = [&](double share, const std::string& unit, const std::string& method,
                    uint64_t buffer_bytes, const std::function<double()>& once) {
    const auto t0 = Clock::now();
    std::vector<double> v;
    do {
      v.push_back(once());
    } while (static_cast<int>(v.size()) < max_reps && Since(t0) < share * budget);
    std::sort(v.begin(), v.end());
    CalibrationFigure f;
    f.median_ns = v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    f.min_ns = v.front();
    f.max_ns = v.back();
    f.repetitions = static_cast<int>(v.size());
    f.buffer_bytes = buffer_bytes;
    f.unit = unit;
    f.method = method;
    return f;
  };

  // Cache hit latencies: a dependent chase inside each level (half of L1, 3/4 of L2 and of
  // the LLC, so that lines of the level below seldom hit).
  {
    uint64_t llc = options_.llc_bytes;
    if (llc > 256 * kMiB) {
      m.notes.push_back(absl::StrCat("the topology reports an LLC of ", Bytes(llc),
                                     " per instance, implausible (a hypervisor's CPUID?): the "
                                     "LLC chase assumes 32 MiB and uses 24 MiB"));
      llc = 32 * kMiB;
    }
    struct Level {
      const char* name;
      uint64_t bytes;
      CalibrationFigure* out;
    };
    const Level levels[] = {{"l1 hit", options_.l1_bytes / 2, &m.l1_hit},
                            {"l2 hit", options_.l2_bytes * 3 / 4, &m.l2_hit},
                            {"llc hit", llc * 3 / 4, &m.llc_hit}};
    uint64_t biggest = 0;
    for (const Level& l : levels) biggest = std::max(biggest, l.bytes);
    if (quick) biggest = std::min<uint64_t>(biggest, 4 * kMiB);
    absl::StatusOr<Buffer> buf = Allocate(std::max<uint64_t>(biggest, 2 * kMiB));
    if (!buf.ok()) return buf.status();
    uint64_t seed = kSeed;
    for (const Level& l : levels) {
      const uint64_t bytes = quick ? std::min<uint64_t>(l.bytes, 4 * kMiB) : l.bytes;
      const uint32_t lines = static_cast<uint32_t>(std::max<uint64_t>(bytes / kKernelLineBytes, 2));
      LinkChase(buf->get(), RandomCyclicPermutation(lines, ++seed));
      DependentChaseNs(buf->get(), 0, lines);  // warm the level
      // The LLC level costs tens of ns a load: fewer loads keep it within its share.
      const uint64_t steps = quick ? (1 << 14) : (l.out == &m.llc_hit ? (1 << 20) : (1 << 22));
      *l.out = repeat(0.05, "ns/load",
                      absl::StrCat("dependent chase over a random cyclic permutation of ", lines,
                                   " lines (", Bytes(bytes), "), ", steps, " loads"),
                      bytes, [&] { return DependentChaseNs(buf->get(), 0, steps); });
      report(l.name, *l.out);
    }
  }

  // The main buffer: DRAM chase, sequential and independent reads.
  // A short budget takes the smallest DRAM buffer: linking and walking it once is the part
  // of the run the budget cannot shorten.
  const uint64_t main_bytes =
      quick ? 8 * kMiB
            : std::min(DramBufferBytes(options_.llc_bytes, MemAvailableBytes()),
                       budget < 15 ? 256 * kMiB : UINT64_MAX);
  const uint32_t main_lines = static_cast<uint32_t>(main_bytes / kKernelLineBytes);
  absl::StatusOr<Buffer> main_buf = Allocate(main_bytes);
  if (!main_buf.ok()) return main_buf.status();
  unsigned char* buf = main_buf->get();
  const std::vector<uint32_t> next = RandomCyclicPermutation(main_lines, kSeed);
  LinkChase(buf, next);  // the first touch: faults in the huge pages
  const int64_t huge = AnonHugePagesBytes(buf);
  m.huge_page_bytes = huge > 0 ? static_cast<uint64_t>(huge) : 0;
  m.huge_pages = huge >= 0 && static_cast<uint64_t>(huge) >= main_bytes;
  if (!m.huge_pages) {
    m.notes.push_back(absl::StrCat("only ", Bytes(m.huge_page_bytes), " of the ", Bytes(main_bytes),
                                   " buffer is on transparent huge pages: TLB misses inflate "
                                   "the DRAM figures"));
  }
  if (options_.progress) {
    options_.progress(absl::StrCat("calibrate: main buffer ", Bytes(main_bytes), ", ",
                                   Bytes(m.huge_page_bytes), " on huge pages"));
  }
  const uint64_t dram_steps = quick ? (1 << 13) : (1 << 20);
  const std::string chase_method =
      absl::StrCat("dependent chase over a random cyclic permutation of ", main_lines, " lines (",
                   Bytes(main_bytes), "), ", dram_steps, " loads");

  const bool multi_node = numa_available() >= 0 && numa_num_configured_nodes() > 1;
  if (!multi_node) {
    NodePairLatency pair;
    pair.latency = repeat(0.22, "ns/load", chase_method, main_bytes,
                          [&] { return DependentChaseNs(buf, 0, dram_steps); });
    m.node_latency.push_back(pair);
    report("dram 0->0", pair.latency);
  } else {
    // Every node with CPUs this process may use x every node with memory.
    const int max_node = numa_max_node();
    std::vector<int> cpu_nodes;
    std::vector<int> mem_nodes;
    for (int n = 0; n <= max_node; ++n) {
      if (numa_node_size64(n, nullptr) > 0) mem_nodes.push_back(n);
      for (int c : cpus) {
        if (numa_node_of_cpu(c) == n) {
          cpu_nodes.push_back(n);
          break;
        }
      }
    }
    const double share = 0.22 / std::max<size_t>(1, cpu_nodes.size() * mem_nodes.size());
    const uint64_t bytes = quick ? main_bytes : std::max<uint64_t>(main_bytes / 2, 256 * kMiB);
    const uint32_t lines = static_cast<uint32_t>(bytes / kKernelLineBytes);
    for (int cn : cpu_nodes) {
      for (int mn : mem_nodes) {
        AffinityGuard guard;
        numa_run_on_node(cn);
        absl::StatusOr<Buffer> nb = Allocate(bytes);
        if (!nb.ok()) return nb.status();
        numa_tonode_memory(nb->get(), bytes, mn);  // mbind before the first touch
        LinkChase(nb->get(), RandomCyclicPermutation(lines, kSeed + mn));
        NodePairLatency pair;
        pair.cpu_node = cn;
        pair.memory_node = mn;
        pair.latency = repeat(share, "ns/load",
                              absl::StrCat(chase_method, "; thread on node ", cn,
                                           ", memory bound to node ", mn, " (libnuma)"),
                              bytes, [&] { return DependentChaseNs(nb->get(), 0, dram_steps); });
        m.node_latency.push_back(pair);
        report(absl::StrCat("dram ", cn, "->", mn), pair.latency);
      }
    }
  }

  m.sequential_line =
      repeat(0.1, "ns/line",
             absl::StrCat("ascending reads of one word per 64-B line over ", Bytes(main_bytes)),
             main_bytes, [&] { return SequentialLineNs(buf, main_lines, 1); });
  report("sequential line", m.sequential_line);
  m.sequential_word =
      repeat(0.1, "ns/word",
             absl::StrCat("ascending scalar reads of every 8-B word over ", Bytes(main_bytes)),
             main_bytes, [&] { return SequentialWordNs(buf, main_lines, 1); });
  report("sequential word", m.sequential_word);
  {
    // The same loop over half the L1d, many passes: no misses, only the loop's issue cost.
    const size_t hot = std::max<size_t>(options_.l1_bytes / 2 / kKernelLineBytes, 16);
    const int passes = quick ? 16 : 4096;
    SequentialWordNs(buf, hot, 1);
    m.word_issue =
        repeat(0.02, "ns/word",
               absl::StrCat("the same word loop over ", Bytes(hot * kKernelLineBytes),
                            " (in the L1d), ", passes, " passes"),
               hot * kKernelLineBytes, [&] { return SequentialWordNs(buf, hot, passes); });
    report("word issue (hot)", m.word_issue);
  }
  m.independent_line =
      repeat(0.10, "ns/line",
             absl::StrCat("one word of each line in a random order (independent loads) over ",
                          Bytes(main_bytes)),
             main_bytes, [&] { return IndependentReadNs(buf, next); });
  report("independent line", m.independent_line);
  // The scan loop last: it overwrites the chase links with struct-page stand-ins.
  InitScanStructs(buf, main_lines);
  m.scan_pfn =
      repeat(0.06, "ns/pfn",
             absl::StrCat("the migrate scanner's per-pfn tests on 64-B struct-page records, "
                          "ascending, over ",
                          Bytes(main_bytes)),
             main_bytes, [&] { return ScanStructsNs(buf, main_lines, 1); });
  report("scan pfn (cold)", m.scan_pfn);
  {
    // Half the L1d: the records stay there after the first pass.
    const size_t hot = std::max<size_t>(options_.l1_bytes / 2 / kKernelLineBytes, 16);
    const int passes = quick ? 16 : 4096;
    ScanStructsNs(buf, hot, 1);
    m.scan_pfn_hot =
        repeat(0.03, "ns/pfn",
               absl::StrCat("the same loop over ", hot, " records (", Bytes(hot * kKernelLineBytes),
                            ", in the L1d), ", passes, " passes"),
               hot * kKernelLineBytes, [&] { return ScanStructsNs(buf, hot, passes); });
    report("scan pfn (hot)", m.scan_pfn_hot);
  }
  {
    // Page copies from the first half of the main buffer to the second: cold on both sides
    // (each pass moves half the buffer, far more than the LLC).
    const size_t pages = main_bytes / 2 / 4096;
    m.page_copy = repeat(
        0.03, "ns/page",
        absl::StrCat("memcpy of 4 KiB pages between two ", Bytes(main_bytes / 2), " buffers"),
        main_bytes, [&] { return PageCopyNs(buf + main_bytes / 2, buf, pages); });
    report("page copy", m.page_copy);
  }
  main_buf->reset();

  {
    // The migration's PTE work (docs/validation.md, "Migration"): round trips over 64 and
    // 128 pages, both above the single-page flush ceiling (one full flush per round trip, as
    // migrate_pages_batch() flushes once per batch); the two sizes separate the per-page
    // cost from the flush's.
    const bool shootdown = cpus.size() >= 2;
    const int self = shootdown ? cpus[0] : -1;
    const int toucher = shootdown ? cpus[1] : -1;
    const uint64_t trips = quick ? 8 : 1024;
    const double per_rep = std::max(0.01, 0.025 * budget / max_reps);
    const std::string who = shootdown ? absl::StrCat(" on CPU ", cpus[0], " while a thread on CPU ",
                                                     cpus[1], " reads them (TLB shootdown by IPI)")
                                      : std::string(" (one CPU: local TLB flush only)");
    struct Size {
      size_t pages;
      CalibrationFigure* out;
      const char* name;
    };
    for (const Size& z : {Size{64, &m.pte_remap_64, "pte remap 64 pages"},
                          Size{128, &m.pte_remap_128, "pte remap 128 pages"}}) {
      bool failed = false;
      *z.out = repeat(0.025, "ns/round trip",
                      absl::StrCat("mprotect(PROT_READ) + mprotect(PROT_READ|PROT_WRITE) of ",
                                   z.pages, " 4-KiB pages", who),
                      z.pages * 4096, [&] {
                        const double ns = PteRemapNs(self, toucher, z.pages, trips, per_rep);
                        if (ns < 0) failed = true;
                        return ns;
                      });
      if (failed) {
        *z.out = CalibrationFigure{};
        m.notes.push_back(absl::StrCat(z.name,
                                       ": a thread could not be pinned or mprotect "
                                       "failed, not measured"));
      } else {
        report(z.name, *z.out);
      }
    }
  }

  {
    alignas(64) static uint64_t word[8];
    const uint64_t ops = quick ? (1 << 14) : (1 << 22);
    m.atomic_rmw = repeat(0.04, "ns/op", absl::StrCat(ops, " lock xadd on one line held in L1"), 64,
                          [&] { return AtomicRmwNs(&word[0], ops); });
    report("atomic rmw", m.atomic_rmw);
  }

  if (cpus.size() >= 2) {
    const uint64_t trips = quick ? (1 << 10) : (1 << 20);
    const double per_rep = std::max(0.01, 0.08 * budget / max_reps);
    bool failed = false;
    m.core_to_core =
        repeat(0.08, "ns one way",
               absl::StrCat("a line ping-ponged between CPUs ", cpus[0], " and ", cpus[1],
                            " (store, spin on the reply), half the round trip"),
               64, [&] {
                 const double ns = CoreToCoreNs(cpus[0], cpus[1], trips, per_rep);
                 if (ns < 0) failed = true;
                 return ns;
               });
    if (failed) {
      m.core_to_core = CalibrationFigure{};
      m.notes.push_back("core-to-core: a thread could not be pinned or no round trip completed");
    } else {
      report("core to core", m.core_to_core);
    }
  } else {
    m.notes.push_back("core-to-core: fewer than two CPUs available, not measured");
  }
  m.seconds = Since(start);
  return m;
}

}  // namespace memsim::hw
