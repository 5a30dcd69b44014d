#include "sim/sweep/slurm_submitter.h"

#include <cstdio>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sim/sweep/process_pool.h"
#include "sim/sweep/sweep_manifest.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {

absl::Status SubmitToSlurm(const config::SweepManifest& manifest, const std::string& dir,
                           const std::string& self, const SlurmOptions& options) {
  const int batch = options.batch;
  if (batch < 1) return absl::InvalidArgumentError("--slurm_batch must be >= 1");
  const int tasks = (manifest.point_size() + batch - 1) / batch;
  if (tasks == 0) return absl::InvalidArgumentError("the sweep has no points");
  RETURN_IF_ERROR(MakeDirs(dir + "/slurm"));
  const std::string abs_dir = std::filesystem::absolute(dir).lexically_normal().string();
  const std::string script = absl::StrCat(
      "#!/bin/bash\n", "# memsim sweep ", manifest.spec().name(), ": one array task per ", batch,
      " point(s). Written by `memsim sweep --slurm`; gather with `memsim sweep --collect ", abs_dir,
      "`.\n", "#SBATCH --job-name=memsim-", manifest.spec().name(), "\n", "#SBATCH --array=0-",
      tasks - 1, "\n", "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n",
      "#SBATCH --output=", abs_dir, "/slurm/task-%a.out\n", "exec ", self,
      " sweep --run_task=\"$SLURM_ARRAY_TASK_ID\" --slurm_batch=", batch, " ", abs_dir, "\n");
  const std::string script_path = dir + "/slurm/array.sbatch";
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  std::vector<std::string> argv = {options.sbatch, "--parsable"};
  for (absl::string_view a : absl::StrSplit(options.sbatch_args, ' ', absl::SkipEmpty())) {
    argv.emplace_back(a);
  }
  argv.push_back(script_path);
  ASSIGN_OR_RETURN(std::string out, RunAndCapture(argv));
  std::string job = std::string(absl::StripAsciiWhitespace(out));
  job = job.substr(0, job.find(';'));  // --parsable prints "jobid[;cluster]"
  if (job.empty()) return absl::InternalError(absl::StrCat(argv[0], " printed no job id"));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/slurm/job_id", job + "\n"));
  std::printf("submitted job %s (%d array tasks)\n", job.c_str(), tasks);
  std::fprintf(stderr, "sweep: when it has finished: memsim sweep --collect %s\n", dir.c_str());
  return absl::OkStatus();
}

}  // namespace memsim::sweep
