// memsim bench: how fast the pipeline runs on this host, on a real trace and on a large
// synthetic one. Prints decode and replay rates, the cost SimGrid adds over the same replay
// with SimGrid stubbed out (analytic copies), and the peak RSS.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

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
#include "sim/util/status_macros.h"
#include "sim/workload/builtin_workloads.h"
#include "sim/workload/trace_generator.h"

ABSL_FLAG(std::string, bench_traces, MEMSIM_SOURCE_DIR "/traces/mixed-compaction.ftrace.zst",
          "Comma-separated traces to benchmark: .mtrace files, or ftrace text captures "
          "(imported first, not timed). Empty: none.");
ABSL_FLAG(uint64_t, synthetic_events, 50'000'000,
          "Also generate a synthetic trace of this many events (the numa workload: faults, "
          "THP and order-0 allocations, frees, cross-node migrations) and benchmark it; 0: skip.");
ABSL_FLAG(std::string, bench_models, "page64,memdesc", "Models to replay (comma-separated).");

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

uint64_t CounterValue(const result::Result& r, const std::string& name) {
  for (const auto& c : r.counters()) {
    if (c.name() == name) return c.value();
  }
  return 0;
}

uint64_t KindCount(const result::Result& r, const std::string& kind) {
  for (const auto& e : r.events()) {
    if (e.kind() == kind) return e.count();
  }
  return 0;
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

absl::Status BenchTrace(const std::string& label, const std::string& path,
                        const replay::ReplayJob& base, const std::vector<std::string>& models,
                        const memmap::ModelRegistry& registry, const CopierHolder& simgrid,
                        replay::BulkCopier* stub) {
  auto t0 = Clock::now();
  ASSIGN_OR_RETURN(uint64_t n, DecodeAll(path));
  const double decode_s = Seconds(t0);
  std::printf("%s: %s events\n", label.c_str(), absl::StrCat(n).c_str());
  std::printf("  %-28s %8.2f M events/s (%.2f s)\n", "decode", n / decode_s / 1e6, decode_s);
  for (const std::string& spec : models) {
    replay::ReplayJob job = base;
    job.trace_path = path;
    ASSIGN_OR_RETURN(job.model, ModelFromFlag(spec, registry));
    job.options.progress = ProgressPrinter(spec);
    const double cpu0 = ProcessCpuSeconds();
    ASSIGN_OR_RETURN(result::Result stubbed, replay::RunReplayJob(job, registry, stub));
    ProgressDone();
    const double cpu1 = ProcessCpuSeconds();
    const uint64_t simulated0 = simgrid.platform()->simulated_transfers();
    ASSIGN_OR_RETURN(result::Result full, replay::RunReplayJob(job, registry, simgrid.get()));
    ProgressDone();
    const double cpu_a = cpu1 - cpu0, cpu_b = ProcessCpuSeconds() - cpu1;
    const double a = stubbed.run().wall_seconds(), b = full.run().wall_seconds();
    std::printf("  %-28s %8.3f M events/s (%.2f s, CPU %.2f s)\n",
                absl::StrCat("replay ", spec, ", SimGrid stubbed").c_str(), n / a / 1e6, a, cpu_a);
    std::printf(
        "  %-28s %8.3f M events/s (%.2f s, CPU %.2f s), SimGrid adds %+.1f %% "
        "(CPU %+.1f %%)\n",
        absl::StrCat("replay ", spec, ", SimGrid").c_str(), n / b / 1e6, b, cpu_b,
        100.0 * (b - a) / a, 100.0 * (cpu_b - cpu_a) / cpu_a);
    // Copies nothing else overlapped get their lone time in closed form (SimPlatform).
    std::printf(
        "  %-28s %s metadata line accesses, %s SimGrid batches, %s copies simulated "
        "(%s migrate events)\n",
        "", absl::StrCat(full.total().line_accesses()).c_str(),
        absl::StrCat(CounterValue(full, "copy_batches")).c_str(),
        absl::StrCat(simgrid.platform()->simulated_transfers() - simulated0).c_str(),
        absl::StrCat(KindCount(full, "migrate")).c_str());
  }
  std::printf("  peak RSS so far: %.1f MiB\n", PeakRssBytes() / 1048576.0);
  std::fflush(stdout);
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
  ASSIGN_OR_RETURN(CopierHolder simgrid, CopierHolder::Create(base.machine, true));
  ASSIGN_OR_RETURN(CopierHolder stub, CopierHolder::Create(base.machine, false));
  std::printf("memsim bench: %ld CPUs online, machine %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              base.machine.name().c_str());

  // Scratch traces go under $TMPDIR (as every tool's temporary files do) and are removed.
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string tmp = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                                       "/memsim_bench_", getpid());
  std::vector<std::string> cleanup;
  const std::vector<std::string> traces =
      absl::StrSplit(absl::GetFlag(FLAGS_bench_traces), ',', absl::SkipEmpty());
  for (const std::string& t : traces) {
    std::string path = t;
    if (!absl::EndsWith(t, ".mtrace")) {
      path = absl::StrCat(tmp, "_", cleanup.size(), ".mtrace");
      char self[4096];
      const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
      if (len <= 0) return absl::InternalError("cannot find the memsim binary");
      self[len] = '\0';
      const std::string cmd =
          absl::StrCat("'", self, "' import --from=ftrace '", t, "' -o '", path, "' 2>/dev/null");
      if (std::system(cmd.c_str()) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("cannot import ", t, " as ftrace text"));
      }
      cleanup.push_back(path);
    }
    RETURN_IF_ERROR(BenchTrace(t, path, base, models, registry, simgrid, stub.get()));
  }
  const uint64_t n = absl::GetFlag(FLAGS_synthetic_events);
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
      "memsim bench [--bench_traces=T,...] [--synthetic_events=N] [--bench_models=a,b] "
      "[--machine=M]",
      "For each trace (the shipped real capture by default) and a generated synthetic trace\n"
      "(50 M events of the numa workload by default), prints decode events/s, replay events/s\n"
      "for each model with SimGrid stubbed out (analytic copies) and with SimGrid, the\n"
      "difference SimGrid makes, and the process's peak RSS. Nothing here is a test: numbers\n"
      "depend on the host.",
      {"bench_traces", "synthetic_events", "bench_models", "machine", "back_to_back"},
      RunBench};
}

}  // namespace memsim::cli
