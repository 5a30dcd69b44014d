#include "sim/cli/replay_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/cli/command.h"
#include "sim/cli/common_flags.h"
#include "sim/hw/machine_loader.h"
#include "sim/util/status_macros.h"

namespace memsim::cli {

absl::StatusOr<replay::ReplayJob> JobFromFlags() {
  replay::ReplayJob job;
  job.trace_path = absl::GetFlag(FLAGS_trace);
  job.machine_path = absl::GetFlag(FLAGS_machine);
  if (job.trace_path.empty()) return absl::InvalidArgumentError("--trace is required");
  if (job.machine_path.empty()) return absl::InvalidArgumentError("--machine is required");
  ASSIGN_OR_RETURN(job.machine, hw::LoadMachine(job.machine_path));
  ASSIGN_OR_RETURN(job.options.pfn_placement,
                   replay::ParsePfnPlacement(absl::GetFlag(FLAGS_pfn_mapping)));
  ASSIGN_OR_RETURN(job.options.cpu_placement,
                   replay::ParseCpuPlacement(absl::GetFlag(FLAGS_cpu_mapping)));
  job.options.paced = !absl::GetFlag(FLAGS_back_to_back);
  job.options.quantum_ns = absl::GetFlag(FLAGS_quantum_ns);
  if (job.options.quantum_ns == 0) return absl::InvalidArgumentError("--quantum_ns must be > 0");
  return job;
}

absl::StatusOr<CopierHolder> CopierHolder::Create(const config::Machine& machine, bool simgrid) {
  CopierHolder h;
  h.topology_ = std::make_unique<hw::MachineTopology>(machine);  // validated where it was read
  if (simgrid) {
    ASSIGN_OR_RETURN(h.platform_, hw::SimPlatform::Create(*h.topology_));
    h.copier_ = replay::NewSimGridCopier(h.platform_.get());
  } else {
    h.copier_ = replay::NewAnalyticCopier(*h.topology_);
  }
  return h;
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

}  // namespace memsim::cli
