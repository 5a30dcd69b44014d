#include "sim/sweep/trace_maker.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/sweep/process_pool.h"
#include "sim/sweep/sweep_manifest.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {

absl::Status MakeSweepTraces(const config::SweepManifest& manifest, const std::string& dir,
                             const std::string& self, int jobs) {
  std::vector<ProcessTask> tasks;
  std::vector<std::string> outputs;
  for (const config::SweepPoint& p : manifest.point()) {
    if ((!p.has_gen() && !p.has_capture()) || !p.error().empty()) continue;
    if (std::find(outputs.begin(), outputs.end(), p.trace()) != outputs.end()) continue;
    outputs.push_back(p.trace());
    struct stat st {};
    if (stat(p.trace().c_str(), &st) == 0) continue;
    ProcessTask t;
    const google::protobuf::Map<std::string, std::string>* extra;
    if (p.has_gen()) {
      t.argv = {self, "gen", absl::StrCat("--workload=", p.gen().workload())};
      extra = &p.gen().flags();
    } else {
      t.argv = {self, "import", absl::StrCat("--from=", p.capture().from()), p.capture().input()};
      if (!p.capture().snapshot().empty()) {
        t.argv.push_back(absl::StrCat("--snapshot=", p.capture().snapshot()));
      }
      extra = &p.capture().flags();
    }
    std::vector<std::pair<std::string, std::string>> flags(extra->begin(), extra->end());
    std::sort(flags.begin(), flags.end());
    for (const auto& [k, v] : flags) t.argv.push_back(absl::StrCat("--", k, "=", v));
    t.argv.push_back(absl::StrCat("--o=", p.trace()));
    t.log_path =
        absl::StrCat(dir, "/logs/", std::filesystem::path(p.trace()).stem().string(), ".log");
    tasks.push_back(std::move(t));
  }
  if (tasks.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(MakeDirs(dir + "/traces"));
  std::fprintf(stderr, "sweep: making %zu trace(s) (memsim gen / import)\n", tasks.size());
  absl::Status status;
  RETURN_IF_ERROR(RunProcesses(tasks, jobs, [&](size_t i, const ProcessOutcome& o) {
    if (o.ok) return;
    const std::string trace = tasks[i].argv.back().substr(4);  // after "--o="
    const std::string error =
        absl::StrCat("making ", trace, ": memsim ", tasks[i].argv[1], " ", o.what, ": ",
                     LastLineOf(tasks[i].log_path), " (log ", tasks[i].log_path, ")");
    for (const config::SweepPoint& p : manifest.point()) {
      if (p.trace() == trace && status.ok()) {
        status.Update(RecordPointFailure(dir, p.index(), error));
      }
    }
  }));
  return status;
}

}  // namespace memsim::sweep
