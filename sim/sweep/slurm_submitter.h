// Submitting a prepared sweep to Slurm as one job array (docs/sweeps.md): each array task
// runs `memsim sweep --run_task=N --slurm_batch=B DIR`, i.e. B points in turn; the table
// is gathered afterwards by `memsim sweep --collect DIR`.
#ifndef MEMSIM_SIM_SWEEP_SLURM_SUBMITTER_H_
#define MEMSIM_SIM_SWEEP_SLURM_SUBMITTER_H_

#include <string>

#include "absl/status/status.h"
#include "proto/config.pb.h"

namespace memsim::sweep {

struct SlurmOptions {
  std::string sbatch = "sbatch";  // the sbatch program
  std::string sbatch_args;        // extra sbatch options, space-separated
  int batch = 1;                  // points per array task, >= 1
};

// Writes DIR/slurm/array.sbatch, submits it with `sbatch --parsable` and records the job id
// in DIR/slurm/job_id. `self`: the memsim binary the tasks run.
absl::Status SubmitToSlurm(const config::SweepManifest& manifest, const std::string& dir,
                           const std::string& self, const SlurmOptions& options);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_SLURM_SUBMITTER_H_
