#include "sim/cli/replay_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/cli/command.h"
#include "sim/cli/common_flags.h"
#include "sim/cli/usage_error.h"
#include "sim/hw/machine_loader.h"
#include "sim/memmap/model_spec.h"
#include "sim/report/result_format.h"
#include "sim/util/status_macros.h"

namespace memsim::cli {

absl::StatusOr<std::string> PlacementFromFlags() {
  const std::string placement = absl::GetFlag(FLAGS_placement);
  const std::string old_name = absl::GetFlag(FLAGS_pfn_mapping);
  if (old_name.empty()) return placement;
  if (placement != "kernel" && placement != old_name) {
    return UsageError(
        absl::StrCat("--pfn_mapping is the old name of --placement; give one of "
                     "them, not both (--placement=",
                     placement, " --pfn_mapping=", old_name, ")"));
  }
  return old_name;
}

absl::StatusOr<replay::ReplayJob> JobFromFlags() {
  replay::ReplayJob job;
  job.trace_path = absl::GetFlag(FLAGS_trace);
  job.machine_path = absl::GetFlag(FLAGS_machine);
  if (job.trace_path.empty()) return UsageError("--trace is required");
  if (job.machine_path.empty()) return UsageError("--machine is required");
  ASSIGN_OR_RETURN(job.machine, hw::LoadMachine(job.machine_path));
  ASSIGN_OR_RETURN(std::string placement, PlacementFromFlags());
  ASSIGN_OR_RETURN(job.options.pfn_placement, AsUsageError(replay::ParsePfnPlacement(placement)));
  ASSIGN_OR_RETURN(job.options.cpu_placement,
                   AsUsageError(replay::ParseCpuPlacement(absl::GetFlag(FLAGS_cpu_mapping))));
  if (job.options.pfn_placement != replay::PfnPlacement::kKernel) {
    // kernel resolves per trace (the engine checks it); the others can be checked now.
    RETURN_IF_ERROR(AsUsageError(
        replay::ResolveCpuPlacement(job.options.cpu_placement, job.options.pfn_placement)
            .status()));
  }
  job.options.paced = !absl::GetFlag(FLAGS_back_to_back);
  job.options.quantum_ns = absl::GetFlag(FLAGS_quantum_ns);
  if (job.options.quantum_ns == 0) return UsageError("--quantum_ns must be > 0");
  return job;
}

absl::Status CheckOutOfRange(const result::Result& r, bool allow, const std::string& command) {
  uint64_t unmapped = 0, out_of_range = 0;
  for (const result::Counter& c : r.counters()) {
    if (c.name() == "unmapped_pfn_events") unmapped = c.value();
  }
  for (const result::Counter& c : r.inconsistencies()) {
    if (c.name() == "out_of_range") out_of_range = c.value();
  }
  if (unmapped + out_of_range == 0) return absl::OkStatus();
  const std::string what = absl::StrCat(
      unmapped, " event(s) with pfns outside the machine's nodes (unmapped_pfn_events)", " and ",
      out_of_range, " outside physical memory (out_of_range)");
  if (allow) {
    std::fprintf(stderr, "%s: warning: %s were dropped (--allow_out_of_range)\n", command.c_str(),
                 what.c_str());
    return absl::OkStatus();
  }
  return absl::OutOfRangeError(
      absl::StrCat(what,
                   ": the machine is smaller than the trace's pfn span. Size the machine for the "
                   "recording (`memsim machine import-hwloc --metadata=metadata.txt`, "
                   "docs/machine-model.md), use --pfn_mapping=proportional, or pass "
                   "--allow_out_of_range to drop them"));
}

std::function<void(uint64_t, uint64_t, uint64_t)> ProgressPrinter(const std::string& label) {
  auto start = std::chrono::steady_clock::now();
  return [label, start](uint64_t events, uint64_t done_bytes, uint64_t total_bytes) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double frac = total_bytes ? static_cast<double>(done_bytes) / total_bytes : 0;
    const double eta = frac > 0 ? s * (1 - frac) / frac : 0;
    ProgressLine(absl::StrFormat("replay %s: %.1f M events, %.2f M ev/s, %.0f%%, ETA %.0f s", label,
                                 events / 1e6, s > 0 ? events / s / 1e6 : 0, 100 * frac, eta));
  };
}

absl::StatusOr<config::MemmapModelConfig> ModelFromFlag(const std::string& spec,
                                                        const memmap::ModelRegistry& models) {
  // A config file's errors are data errors; a name that is not registered is a usage error.
  if (memmap::IsModelConfigPath(spec)) return memmap::ResolveModelSpec(spec, models);
  return AsUsageError(memmap::ResolveModelSpec(spec, models));
}

absl::Status RunPlotTool(const std::string& mode, const std::string& dir) {
  const std::string tool = absl::GetFlag(FLAGS_plot_tool);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed: cannot run the plotting tool");
  if (pid == 0) {
    execl(tool.c_str(), tool.c_str(), mode.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("plotting failed: ", tool, " ", mode, " ", dir,
                                            " (results and tables are written)"));
  }
  return absl::OkStatus();
}

void PrintMigrationCoverage(const result::Result& r, bool line) {
  const result::MigrationCoverage& m = r.migrations();
  const std::string text = report::MigrationCoverageLine(m.modelled_pages(), m.reported_pages());
  if (line && !text.empty()) {
    std::fprintf(stderr, "replay: %s, %s inferred; %s replayed\n", text.c_str(),
                 absl::StrCat(m.inferred_pages()).c_str(),
                 absl::StrCat(m.replayed_pages()).c_str());
  }
  const std::string w = report::MigrationCoverageWarning(m.modelled_pages(), m.reported_pages());
  if (!w.empty()) std::fprintf(stderr, "%s\n", w.c_str());
}

}  // namespace memsim::cli
