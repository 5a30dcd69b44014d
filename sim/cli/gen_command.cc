// `memsim gen`: writes a synthetic workload's trace (sim/workload/, docs/workloads.md).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "sim/cli/builtin_commands.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/usage_error.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/workload/builtin_workloads.h"
#include "sim/workload/trace_generator.h"
#include "sim/workload/workload_params.h"

ABSL_FLAG(std::string, workload, "", "gen: the workload to generate (see the list above).");
ABSL_FLAG(uint32_t, nodes, 2, "gen: NUMA nodes of the machine.");
ABSL_FLAG(std::string, node_mem, "4GiB",
          "gen: memory per node (units B, KiB/K, MiB/M, GiB/G, TiB/T; kB, MB, GB, TB); a "
          "multiple of 4MiB.");
ABSL_FLAG(uint32_t, cpus, 8, "gen: CPUs, spread over the nodes in contiguous groups.");
ABSL_FLAG(uint64_t, num_events, 1000000,
          "gen: target event count (generation stops at the first complete kernel operation "
          "at or past it).");
ABSL_FLAG(std::string, duration, "",
          "gen: simulated time the trace spans, e.g. 10s or 500ms (default: 1us per event).");
ABSL_FLAG(std::string, footprint, "",
          "gen: memory the workload keeps in use (anon, numa: default 1/4 of memory; "
          "pagecache: the page-cache limit, default 1/2; slab: default 1/16).");
ABSL_FLAG(double, thp_share, 0.5,
          "gen anon, numa: share of anonymous memory (by bytes) backed by 2MiB THPs, 0..1.");
ABSL_FLAG(std::string, file_size, "1GiB", "gen pagecache: size of each file streamed.");
ABSL_FLAG(uint32_t, folio_order, 0,
          "gen pagecache: order of page-cache folios (0 = 4KiB pages, up to 9 = 2MiB).");
ABSL_FLAG(double, imbalance, 0.5,
          "gen numa: fraction of tasks moved to another node each balancing epoch, 0..1.");
ABSL_FLAG(double, fill, 0.9,
          "gen fragment: fraction of each node filled before the trace starts, 0..0.98.");
ABSL_FLAG(double, fragmentation, 0.5,
          "gen fragment: fraction of the filled movable pages freed at random, 0..1.");
ABSL_FLAG(double, unmovable_share, 0.03,
          "gen fragment: share of the fill that is unmovable kernel memory, 0..0.5.");
ABSL_FLAG(double, slab_random_free, 0.3,
          "gen slab: probability that an object free hits a random object rather than the "
          "oldest, 0..1.");

ABSL_FLAG(std::string, cxl_mem, "",
          "gen tiering: a CPU-less (CXL) node of this size after the --nodes DRAM nodes.");
ABSL_FLAG(double, hot_share, 0.2, "gen tiering: share of the footprint that is hot, 0..1.");
ABSL_FLAG(double, demote_watermark, 0.5,
          "gen tiering: share of a DRAM node's tasks' footprint the node holds before kswapd "
          "demotes cold pages to the CXL node, 0.05..0.95.");

namespace memsim::cli {

namespace {

constexpr const char* kGenericFlags[] = {"workload",   "nodes",    "node_mem", "cpus",
                                         "num_events", "duration", "seed"};

absl::StatusOr<workload::WorkloadParams> ParamsFromFlags() {
  workload::WorkloadParams p;
  p.nodes = absl::GetFlag(FLAGS_nodes);
  ASSIGN_OR_RETURN(p.node_mem_bytes, AsUsageError(workload::ParseByteSize(
                                         absl::GetFlag(FLAGS_node_mem), "--node_mem")));
  p.cpus = absl::GetFlag(FLAGS_cpus);
  p.events = absl::GetFlag(FLAGS_num_events);
  const std::string duration = absl::GetFlag(FLAGS_duration);
  if (!duration.empty()) {
    absl::Duration d;
    if (!absl::ParseDuration(duration, &d) || d <= absl::ZeroDuration()) {
      return UsageError(absl::StrCat("--duration: cannot parse '", duration,
                                     "' as a positive duration (e.g. 10s, 500ms)"));
    }
    p.duration_ns = static_cast<uint64_t>(absl::ToInt64Nanoseconds(d));
  }
  p.seed = absl::GetFlag(FLAGS_seed);
  const std::string footprint = absl::GetFlag(FLAGS_footprint);
  if (!footprint.empty()) {
    ASSIGN_OR_RETURN(p.footprint_bytes,
                     AsUsageError(workload::ParseByteSize(footprint, "--footprint")));
    if (p.footprint_bytes == 0) {
      return UsageError("--footprint must be positive (omit it for the default)");
    }
  }
  p.thp_share = absl::GetFlag(FLAGS_thp_share);
  ASSIGN_OR_RETURN(p.file_size_bytes, AsUsageError(workload::ParseByteSize(
                                          absl::GetFlag(FLAGS_file_size), "--file_size")));
  p.folio_order = absl::GetFlag(FLAGS_folio_order);
  p.imbalance = absl::GetFlag(FLAGS_imbalance);
  p.fill = absl::GetFlag(FLAGS_fill);
  p.fragmentation = absl::GetFlag(FLAGS_fragmentation);
  p.unmovable_share = absl::GetFlag(FLAGS_unmovable_share);
  p.slab_random_free = absl::GetFlag(FLAGS_slab_random_free);
  const std::string cxl_mem = absl::GetFlag(FLAGS_cxl_mem);
  if (!cxl_mem.empty()) {
    ASSIGN_OR_RETURN(p.cxl_mem_bytes, AsUsageError(workload::ParseByteSize(cxl_mem, "--cxl_mem")));
  }
  p.hot_share = absl::GetFlag(FLAGS_hot_share);
  p.demote_watermark = absl::GetFlag(FLAGS_demote_watermark);
  return p;
}

// The command line that reproduces the file, canonical (every parameter the workload reads,
// with its value) and without the output path, so that the same parameters give the same
// bytes whatever the file is called.
std::string CanonicalCommandLine(const workload::WorkloadEntry& entry) {
  std::string line = "memsim gen";
  auto add = [&line](const std::string& name) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag != nullptr) absl::StrAppend(&line, " --", name, "=", flag->CurrentValue());
  };
  for (const char* name : kGenericFlags) add(name);
  std::string flags = entry.flags;
  size_t pos = 0;
  while ((pos = flags.find("--", pos)) != std::string::npos) {
    size_t end = flags.find(' ', pos);
    add(flags.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2));
    pos += 2;
  }
  return line;
}

std::string Description(const workload::WorkloadRegistry& registry) {
  std::string s =
      "Generates a synthetic trace of physical-memory events on a machine of --nodes nodes of\n"
      "--node_mem each and --cpus CPUs, deterministically for --seed (same flags and seed:\n"
      "byte-identical file). The trace starts with a snapshot of physical memory, then the\n"
      "events a recording of the workload would hold (docs/workloads.md).\n\nWorkloads:\n";
  for (const workload::WorkloadEntry& e : registry.entries()) {
    absl::StrAppend(&s, "  ", e.name, std::string(e.name.size() < 11 ? 11 - e.name.size() : 1, ' '),
                    e.summary, "\n             flags: ", e.flags, "\n");
  }
  absl::StrAppend(&s,
                  "\nExample: memsim gen --workload=anon --thp_share=0.25 -o anon.mtrace --seed=7");
  return s;
}

const workload::WorkloadRegistry& Registry() {
  static const workload::WorkloadRegistry* registry = [] {
    auto* r = new workload::WorkloadRegistry;
    workload::RegisterBuiltinWorkloads(*r);
    return r;
  }();
  return *registry;
}

absl::Status RunGen(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError(absl::StrCat("gen takes no positional arguments, got '", args[0], "'"));
  }
  const std::string name = absl::GetFlag(FLAGS_workload);
  if (name.empty()) return UsageError("--workload is required");
  const workload::WorkloadEntry* entry = Registry().Find(name);
  if (entry == nullptr) {
    return AsUsageError(Registry().Create(name, {}).status());  // names the known ones
  }
  const std::string out = absl::GetFlag(FLAGS_o);
  if (out.empty()) return UsageError("-o OUT.mtrace is required");
  ASSIGN_OR_RETURN(workload::WorkloadParams params, ParamsFromFlags());
  // The workload checks its parameters, all from flags: what it rejects is a usage error.
  RETURN_IF_ERROR(AsUsageError(Registry().Create(name, params).status()));

  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(
      workload::GenerateResult result,
      workload::GenerateTraceFile(Registry(), name, params, out, CanonicalCommandLine(*entry)));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string summary = absl::StrFormat(
      "%s: %llu events, %llu snapshot runs, %llu bytes (%.2f bytes/event) in %.2f s "
      "(%.2f M events/s)\n",
      out.c_str(), static_cast<unsigned long long>(result.events),
      static_cast<unsigned long long>(result.snapshot_runs),
      static_cast<unsigned long long>(result.bytes),
      result.events ? static_cast<double>(result.bytes) / result.events : 0.0, seconds,
      seconds > 0 ? result.events / seconds / 1e6 : 0.0);
  // With the trace itself on stdout, the summary goes to stderr.
  if (out == "-" || out == "/dev/stdout") {
    std::fputs(summary.c_str(), stderr);
    return absl::OkStatus();
  }
  return WriteStdout(summary);
}

}  // namespace

Command GenCommand() {
  Command c;
  c.name = "gen";
  c.summary =
      "generate a synthetic workload trace (anon, pagecache, slab, numa, fragment, tiering)";
  c.usage = "memsim gen --workload=NAME -o OUT.mtrace [--seed=N] [--flags]";
  c.description = Description(Registry());
  c.flags = {"workload",         "o",         "seed",          "nodes",
             "node_mem",         "cpus",      "num_events",    "duration",
             "footprint",        "thp_share", "file_size",     "folio_order",
             "imbalance",        "fill",      "fragmentation", "unmovable_share",
             "slab_random_free", "cxl_mem",   "hot_share",     "demote_watermark"};
  c.run = RunGen;
  return c;
}

}  // namespace memsim::cli
