// memsim bench: how fast the pipeline runs on this host, each figure next to its target
// (issue 12; docs/performance.md) and the ratio. On the shipped real captures: import cost
// against the decode limit, replay events per CPU-second per model, the 8-socket machine's
// CPU and RSS against the 2-socket one's, the per-point cost of a sweep, trace.dat import
// against `trace-cmd report`; with --long also a 50 M-event synthetic trace. CPU seconds
// (of this process, or of the child that ran a step) are the figures; wall time is printed
// beside them.
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/replay_support.h"
#include "sim/cli/usage_error.h"
#include "sim/hw/machine_loader.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_spec.h"
#include "sim/trace/trace_reader.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/workload/builtin_workloads.h"
#include "sim/workload/trace_generator.h"

ABSL_FLAG(std::string, bench_traces, MEMSIM_SOURCE_DIR "/traces/no-pte-compaction.ftrace.zst",
          "Comma-separated traces to benchmark: .mtrace files, or ftrace text captures "
          "(imported first; the import is measured against zstd -dc | wc -l). Empty: none.");
ABSL_FLAG(uint64_t, synthetic_events, 0,
          "Also generate a synthetic trace of this many events (the numa workload: faults, "
          "THP and order-0 allocations, frees, cross-node migrations) and benchmark it; 0: "
          "skip (--long: 50 M).");
ABSL_FLAG(std::string, bench_models, "page64,memdesc,allocatee",
          "Models to replay (comma-separated).");
ABSL_FLAG(bool, long, false, "Also run the 50 M-event synthetic trace (several minutes).");
ABSL_FLAG(std::string, bench_dat, MEMSIM_SOURCE_DIR "/traces/whole-vm-compaction.dat.zst",
          "trace.dat (or .dat.zst) whose import is measured against `trace-cmd report`; empty: "
          "skip. The shipped one is a 160 k-record recording of the whole machine with kallsyms, "
          "as trace-cmd records by default (traces/README.md).");
ABSL_FLAG(bool, simgrid_stub, false,
          "Also replay each trace with SimGrid stubbed out (analytic copies) and print the "
          "difference SimGrid makes.");

namespace memsim::cli {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of this process, s: unlike wall time, barely moved by other processes sharing
// the host, so the SimGrid overhead is also given on it.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

uint64_t PeakRssBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

// One figure, its target and how far it is from it (ratio = value / target; the target is
// met when the ratio is >= 1 for a lower bound, <= 1 for an upper bound).
void Figure(const std::string& what, double value, const char* unit, double target, bool at_least,
            const std::string& note = "") {
  const double ratio = target > 0 ? value / target : 0;
  const bool met = at_least ? ratio >= 1 : ratio <= 1;
  std::printf("  %-44s %9.3f %-14s target %s %-8g ratio %6.2f  %s%s\n", what.c_str(), value, unit,
              at_least ? ">=" : "<=", target, ratio, met ? "met" : "NOT MET",
              note.empty() ? "" : absl::StrCat("  (", note, ")").c_str());
  std::fflush(stdout);
}

// What a child process cost: CPU seconds (its own and its reaped children's), wall seconds
// and its peak RSS.
struct ChildCost {
  double cpu_s = 0;
  double wall_s = 0;
  uint64_t peak_rss_bytes = 0;
};

// Runs `command` with /bin/sh; an error if it fails.
absl::StatusOr<ChildCost> RunChild(const std::string& command) {
  std::fflush(nullptr);
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) return absl::InternalError("wait4 failed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("bench step failed: ", command));
  }
  ChildCost c;
  c.wall_s = Seconds(t0);
  c.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  c.peak_rss_bytes = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
  return c;
}

std::string SelfPath() {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return "memsim";
  self[len] = '\0';
  return self;
}

// Median of `runs` runs of `command` by CPU time (the host is shared: single runs are noisy).
absl::StatusOr<ChildCost> MedianChild(const std::string& command, int runs) {
  std::vector<ChildCost> costs;
  for (int i = 0; i < runs; ++i) {
    ASSIGN_OR_RETURN(ChildCost c, RunChild(command));
    costs.push_back(c);
  }
  std::sort(costs.begin(), costs.end(),
            [](const ChildCost& a, const ChildCost& b) { return a.cpu_s < b.cpu_s; });
  return costs[costs.size() / 2];
}

// Shared objects mapped into this process (distinct files named *.so or *.so.N), as ldd
// would list them: what the dynamic loader had to map and relocate.
int MappedSharedObjects() {
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return -1;
  std::vector<std::string> seen;
  char line[4096];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    const char* path = std::strchr(line, '/');
    if (path == nullptr) continue;
    std::string file(path);
    while (!file.empty() && (file.back() == '\n' || file.back() == ' ')) file.pop_back();
    const size_t so = file.rfind(".so");
    if (so == std::string::npos || (so + 3 != file.size() && file[so + 3] != '.')) continue;
    if (std::find(seen.begin(), seen.end(), file) == seen.end()) seen.push_back(file);
  }
  std::fclose(maps);
  return static_cast<int>(seen.size());
}

absl::StatusOr<uint64_t> DecodeAll(const std::string& path) {
  ASSIGN_OR_RETURN(auto reader, TraceReader::Open(path));
  std::vector<Event> events;
  uint64_t n = 0;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader->NextEvents(&events));
    if (!more) return n;
    n += events.size();
  }
}

// Replay targets per CPU-second (issue 12): page64 5 M events/s, the described models 3 M.
double ReplayTarget(const std::string& model) { return model == "page64" ? 5e6 : 3e6; }

absl::Status BenchTrace(const std::string& label, const std::string& path,
                        const replay::ReplayJob& base, const std::vector<std::string>& models,
                        const memmap::ModelRegistry& registry, const CopierHolder& simgrid,
                        replay::BulkCopier* stub) {
  auto t0 = Clock::now();
  double cpu0 = ProcessCpuSeconds();
  ASSIGN_OR_RETURN(uint64_t n, DecodeAll(path));
  const double decode_s = Seconds(t0), decode_cpu = ProcessCpuSeconds() - cpu0;
  std::printf("%s: %s events\n", label.c_str(), absl::StrCat(n).c_str());
  std::printf("  %-44s %9.2f M events/s per CPU-s (CPU %.2f s, wall %.2f s)\n", "decode",
              n / decode_cpu / 1e6, decode_cpu, decode_s);
  for (const std::string& spec : models) {
    replay::ReplayJob job = base;
    job.trace_path = path;
    ASSIGN_OR_RETURN(job.model, ModelFromFlag(spec, registry));
    job.options.progress = ProgressPrinter(spec);
    double cpu_stub = 0, wall_stub = 0;
    if (absl::GetFlag(FLAGS_simgrid_stub)) {
      cpu0 = ProcessCpuSeconds();
      ASSIGN_OR_RETURN(result::Result stubbed, replay::RunReplayJob(job, registry, stub));
      ProgressDone();
      cpu_stub = ProcessCpuSeconds() - cpu0;
      wall_stub = stubbed.run().wall_seconds();
    }
    cpu0 = ProcessCpuSeconds();
    ASSIGN_OR_RETURN(result::Result full, replay::RunReplayJob(job, registry, simgrid.get()));
    ProgressDone();
    const double cpu = ProcessCpuSeconds() - cpu0, wall = full.run().wall_seconds();
    Figure(absl::StrCat("replay ", spec, " (M events/s per CPU-s)"), n / cpu / 1e6, "M ev/s",
           ReplayTarget(spec) / 1e6, /*at_least=*/true,
           absl::StrFormat(
               "CPU %.2f s, wall %.2f s, %.1f line accesses/event", cpu, wall,
               static_cast<double>(full.total().line_accesses()) / std::max<uint64_t>(n, 1)));
    if (cpu_stub > 0) {
      std::printf("  %-44s CPU %.2f s, wall %.2f s: SimGrid adds %+.1f %% CPU\n",
                  absl::StrCat("  ", spec, ", SimGrid stubbed").c_str(), cpu_stub, wall_stub,
                  100.0 * (cpu - cpu_stub) / cpu_stub);
    }
  }
  std::printf("  peak RSS so far: %.1f MiB\n", PeakRssBytes() / 1048576.0);
  std::fflush(stdout);
  return absl::OkStatus();
}

// Import of an ftrace text capture against the decode limit: `zstd -dc | wc -l` (target:
// import CPU <= 2.5x that).
absl::Status BenchImport(const std::string& capture, const std::string& out) {
  ASSIGN_OR_RETURN(ChildCost limit,
                   MedianChild(absl::StrCat("zstd -dc '", capture, "' | wc -l >/dev/null"), 3));
  ASSIGN_OR_RETURN(ChildCost import,
                   MedianChild(absl::StrCat("'", SelfPath(), "' import --from=ftrace '", capture,
                                            "' -o '", out, "' >/dev/null 2>&1"),
                               3));
  Figure("ftrace import / (zstd -dc | wc -l), CPU", import.cpu_s / limit.cpu_s, "x", 2.5,
         /*at_least=*/false,
         absl::StrFormat("import %.2f s, decode limit %.2f s", import.cpu_s, limit.cpu_s));
  return absl::OkStatus();
}

// trace.dat import against `trace-cmd report` of the same file (target: >= 4x faster).
absl::Status BenchDatImport(const std::string& tmp) {
  const std::string dat_in = absl::GetFlag(FLAGS_bench_dat);
  if (dat_in.empty()) return absl::OkStatus();
  if (access(dat_in.c_str(), R_OK) != 0 || system("command -v trace-cmd >/dev/null 2>&1") != 0) {
    std::printf("  (trace.dat import skipped: no trace-cmd or no %s)\n", dat_in.c_str());
    return absl::OkStatus();
  }
  // Both programs read the same uncompressed file.
  const std::string dat = absl::StrCat(tmp, "_bench.dat");
  ASSIGN_OR_RETURN(ChildCost unpack,
                   RunChild(absl::StrCat("zstd -qdf --format=zstd '", dat_in, "' -o '", dat,
                                         "' 2>/dev/null || cp '", dat_in, "' '", dat, "'")));
  (void)unpack;
  ASSIGN_OR_RETURN(ChildCost report,
                   MedianChild(absl::StrCat("trace-cmd report -i '", dat, "' >/dev/null 2>&1"), 3));
  ASSIGN_OR_RETURN(ChildCost import,
                   MedianChild(absl::StrCat("'", SelfPath(), "' import --from=tracecmd '", dat,
                                            "' -o '", dat, ".mtrace' >/dev/null 2>&1"),
                               3));
  unlink(dat.c_str());
  unlink(absl::StrCat(dat, ".mtrace").c_str());
  Figure("trace.dat: trace-cmd report / import, CPU", report.cpu_s / import.cpu_s, "x faster", 4,
         /*at_least=*/true,
         absl::StrFormat("trace-cmd report %.3f s, import %.3f s", report.cpu_s, import.cpu_s));
  return absl::OkStatus();
}

// The 8-socket machine against the 2-socket one on the same trace (page64, each replay in a
// child of its own so its peak RSS is its own): CPU <= 1.2x, RSS <= 200 MiB.
absl::Status BenchSockets(const std::string& trace) {
  const std::string machines = MEMSIM_SOURCE_DIR "/configs/machines/";
  auto replay = [&](const std::string& machine) {
    return MedianChild(absl::StrCat("'", SelfPath(), "' replay --trace='", trace, "' --machine='",
                                    machines, machine,
                                    "' --model=page64 --out=/dev/null "
                                    ">/dev/null 2>&1"),
                       3);
  };
  ASSIGN_OR_RETURN(ChildCost two, replay("skylake-sp-2s-gold6140.textproto"));
  ASSIGN_OR_RETURN(ChildCost eight, replay("skylake-sp-8s-platinum8180.textproto"));
  Figure("8-socket / 2-socket CPU (page64)", eight.cpu_s / two.cpu_s, "x", 1.2, /*at_least=*/false,
         absl::StrFormat("%.2f s / %.2f s", eight.cpu_s, two.cpu_s));
  Figure("8-socket peak RSS", eight.peak_rss_bytes / 1048576.0, "MiB", 200, /*at_least=*/false,
         absl::StrFormat("2-socket %.0f MiB", two.peak_rss_bytes / 1048576.0));
  return absl::OkStatus();
}

// A sweep of 20 points over a 100-event trace against one of 1 point: the CPU a point adds
// (target 5 ms), nearly all of it what a point costs beyond its replay; the sweep's own start
// (loading the binary, expanding the spec, writing the table) is left out, printed beside it.
absl::Status BenchSweep(const std::string& tmp, const ChildCost& start) {
  const std::string trace = absl::StrCat(tmp, "_tiny.mtrace");
  const std::string dir = absl::StrCat(tmp, "_sweep");
  ASSIGN_OR_RETURN(ChildCost gen, RunChild(absl::StrCat("'", SelfPath(),
                                                        "' gen --workload=anon --footprint=2MiB "
                                                        "--node_mem=1GiB --num_events=100 -o '",
                                                        trace, "' >/dev/null 2>&1")));
  (void)gen;
  constexpr int kPoints = 20;
  // A spec of `points` points, each a different metadata cache share on the 2-socket machine.
  auto sweep = [&](int points) -> absl::StatusOr<ChildCost> {
    const std::string spec = absl::StrCat(tmp, "_sweep", points, ".textproto");
    RETURN_IF_ERROR(WriteFileAtomically(
        spec, absl::StrCat("name: \"bench\"\nbase { trace: \"", trace, "\" machine: \"",
                           MEMSIM_SOURCE_DIR,
                           "/configs/machines/skylake-sp-2s-gold6140.textproto\" model: "
                           "\"page64\" }\naxis { name: \"share\" path: "
                           "\"machine.metadata_cache_share\" range { start: 0.05 stop: ",
                           0.05 * points, " step: 0.05 } }\n")));
    ASSIGN_OR_RETURN(ChildCost c,
                     MedianChild(absl::StrCat("rm -rf '", dir, "' && '", SelfPath(), "' sweep '",
                                              spec, "' --out='", dir, "' --jobs=1 >/dev/null 2>&1"),
                                 3));
    RETURN_IF_ERROR(RunChild(absl::StrCat("rm -rf '", dir, "' '", spec, "'")).status());
    return c;
  };
  ASSIGN_OR_RETURN(ChildCost one_point, sweep(1));
  ASSIGN_OR_RETURN(ChildCost all, sweep(kPoints));
  ASSIGN_OR_RETURN(ChildCost one, MedianChild(absl::StrCat("'", SelfPath(), "' replay --trace='",
                                                           trace, "' --machine=", MEMSIM_SOURCE_DIR,
                                                           "/configs/machines/skylake-sp-2s-"
                                                           "gold6140.textproto --model=page64 "
                                                           "--out=/dev/null >/dev/null 2>&1"),
                                              3));
  unlink(trace.c_str());
  Figure("sweep: CPU a point adds (100-event points)",
         1e3 * std::max(0.0, all.cpu_s - one_point.cpu_s) / (kPoints - 1), "ms", 5,
         /*at_least=*/false,
         absl::StrFormat("%d points %.2f s CPU (%.0f ms per point with the sweep's own start), "
                         "1 point %.2f s; one `memsim replay` of a point %.0f ms, of which the "
                         "binary's start (`memsim help`) %.0f ms",
                         kPoints, all.cpu_s, 1e3 * all.cpu_s / kPoints, one_point.cpu_s,
                         1e3 * one.cpu_s, 1e3 * start.cpu_s));
  return absl::OkStatus();
}

absl::Status RunBench(const std::vector<std::string>& args) {
  if (!args.empty()) return UsageError("bench takes only flags (see --help)");
  const memmap::ModelRegistry& registry = memmap::BuiltinModels();
  replay::ReplayJob base;
  base.machine_path = absl::GetFlag(FLAGS_machine);
  if (base.machine_path.empty()) {
    base.machine_path = MEMSIM_SOURCE_DIR "/configs/machines/skylake-sp-2s-gold6140.textproto";
  }
  ASSIGN_OR_RETURN(base.machine, hw::LoadMachine(base.machine_path));
  base.options.paced = !absl::GetFlag(FLAGS_back_to_back);
  const std::vector<std::string> models =
      absl::StrSplit(absl::GetFlag(FLAGS_bench_models), ',', absl::SkipEmpty());
  // SimGrid is a module loaded when the first platform is made (hw/simgrid_backend.h).
  const int objects_at_start = MappedSharedObjects();
  ASSIGN_OR_RETURN(CopierHolder simgrid, CopierHolder::Create(base.machine, true));
  ASSIGN_OR_RETURN(CopierHolder stub, CopierHolder::Create(base.machine, false));
  std::printf("memsim bench: %ld CPUs online, machine %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              base.machine.name().c_str());
  // The process start every command (and every import and replay figure below) pays.
  ASSIGN_OR_RETURN(ChildCost start,
                   MedianChild(absl::StrCat("'", SelfPath(), "' help >/dev/null 2>&1"), 3));
  std::printf(
      "process start\n  %-44s %9.1f ms CPU (wall %.1f ms; %d shared objects mapped at "
      "start, %d once SimGrid is loaded)\n",
      "memsim help", 1e3 * start.cpu_s, 1e3 * start.wall_s, objects_at_start,
      MappedSharedObjects());
  std::fflush(stdout);

  // Scratch traces go under $TMPDIR (as every tool's temporary files do) and are removed.
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string tmp = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                                       "/memsim_bench_", getpid());
  std::vector<std::string> cleanup;
  const std::vector<std::string> traces =
      absl::StrSplit(absl::GetFlag(FLAGS_bench_traces), ',', absl::SkipEmpty());
  std::string socket_trace;
  for (const std::string& t : traces) {
    std::string path = t;
    if (!absl::EndsWith(t, ".mtrace")) {
      path = absl::StrCat(tmp, "_", cleanup.size(), ".mtrace");
      const std::string cmd = absl::StrCat("'", SelfPath(), "' import --from=ftrace '", t, "' -o '",
                                           path, "' >/dev/null 2>&1");
      if (std::system(cmd.c_str()) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("cannot import ", t, " as ftrace text"));
      }
      cleanup.push_back(path);
      std::printf("%s (ftrace text)\n", t.c_str());
      RETURN_IF_ERROR(BenchImport(t, path));
    }
    if (socket_trace.empty()) socket_trace = path;
    RETURN_IF_ERROR(BenchTrace(t, path, base, models, registry, simgrid, stub.get()));
  }
  if (!socket_trace.empty()) {
    std::printf("machines (%s)\n", socket_trace.c_str());
    RETURN_IF_ERROR(BenchSockets(socket_trace));
  }
  std::printf("sweeps\n");
  RETURN_IF_ERROR(BenchSweep(tmp, start));
  std::printf("import of trace.dat\n");
  RETURN_IF_ERROR(BenchDatImport(tmp));
  uint64_t n = absl::GetFlag(FLAGS_synthetic_events);
  if (n == 0 && absl::GetFlag(FLAGS_long)) n = 50'000'000;
  if (n > 0) {
    workload::WorkloadRegistry workloads;
    workload::RegisterBuiltinWorkloads(workloads);
    workload::WorkloadParams p;
    p.events = n;
    p.seed = 1;
    const std::string path = absl::StrCat(tmp, "_synthetic.mtrace");
    auto t0 = Clock::now();
    ASSIGN_OR_RETURN(workload::GenerateResult g,
                     workload::GenerateTraceFile(workloads, "numa", p, path, "memsim bench"));
    cleanup.push_back(path);
    std::printf("synthetic numa trace: %s events generated in %.1f s\n",
                absl::StrCat(g.events).c_str(), Seconds(t0));
    RETURN_IF_ERROR(BenchTrace(absl::StrCat("synthetic numa (", n, " events)"), path, base, models,
                               registry, simgrid, stub.get()));
  }
  for (const std::string& p : cleanup) unlink(p.c_str());
  return absl::OkStatus();
}

}  // namespace

Command BenchCommand() {
  return Command{
      "bench",
      "Measure decode and replay speed, the cost of SimGrid, and peak memory on this host.",
      "memsim bench [--long] [--bench_traces=T,...] [--synthetic_events=N] [--bench_models=a,b] "
      "[--machine=M] [--simgrid_stub]",
      "Prints each figure of issue 12 next to its target and the ratio (docs/performance.md),\n"
      "in CPU seconds (wall beside them): the process start (`memsim help`, and the shared\n"
      "objects mapped before and after SimGrid is loaded); for each trace (the largest shipped\n"
      "real capture by default) the ftrace import against zstd -dc | wc -l, decode rate, and\n"
      "replay M events/s per CPU-second for each model; the 8-socket Skylake-SP against the\n"
      "2-socket one (CPU, peak RSS); the CPU a sweep point adds; trace.dat import against\n"
      "trace-cmd report (--bench_dat: another .dat). About 2 minutes; --long adds a 50 M-event\n"
      "synthetic numa trace. Nothing here is a test: numbers depend on the host.",
      {"bench_traces", "synthetic_events", "bench_models", "machine", "back_to_back", "long",
       "simgrid_stub", "bench_dat"},
      RunBench};
}

}  // namespace memsim::cli
