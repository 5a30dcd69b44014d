#include "sim/sweep/point_worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "absl/strings/str_format.h"
#include "sim/hw/huge_alloc.h"
#include "sim/hw/machine_topology.h"
#include "sim/sweep/point_runner.h"
#include "sim/sweep/sweep_table.h"

namespace memsim::sweep {
namespace {

// Appends stdout and stderr to `path` from now on (left as they are if it cannot be opened).
void RedirectOutput(const std::string& path) {
  std::fflush(nullptr);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close(fd);
}

}  // namespace

std::string PointLogPath(const std::string& dir, uint32_t index) {
  return absl::StrFormat("%s/logs/point-%06u.log", dir, index);
}

PointWorker::PointWorker(std::string dir, const memmap::ModelRegistry& models)
    : dir_(std::move(dir)), models_(models) {}

bool PointWorker::CanRun(const config::SweepPoint& point) const {
  if (hw::SimPlatform::EngineHasRun()) return false;
  if (!point.error().empty() || point.replay().no_simgrid() || platform_ == nullptr) return true;
  return platform_->CanRebind(hw::MachineTopology(point.machine()));
}

absl::Status PointWorker::Run(const config::SweepPoint& point) {
  return RunSweepPoint(dir_, point, models_, &platform_);
}

int PointWorker::RunBatch(const config::SweepManifest& manifest, const std::vector<uint32_t>& batch,
                          int report_fd, const std::function<void(uint32_t)>& before_point) {
  // The next point's tables reuse this one's mappings (huge_alloc.h).
  hw::RecycleHugeMappings();
  for (const uint32_t index : batch) {
    const config::SweepPoint& point = manifest.point(index);
    if (!CanRun(point)) break;
    RedirectOutput(PointLogPath(dir_, index));
    if (before_point) before_point(index);
    const absl::Status s = Run(point);
    if (!s.ok()) std::fprintf(stderr, "memsim sweep: %s\n", std::string(s.message()).c_str());
    std::fflush(nullptr);
    // A failed point has recorded its error; one without an outcome ends the worker, and the
    // sweep records the failure.
    if (StateOf(dir_, index) == PointState::kPending) return 1;
    ssize_t n;
    do {
      n = write(report_fd, &index, sizeof index);
    } while (n < 0 && errno == EINTR);
  }
  return 0;
}

}  // namespace memsim::sweep
