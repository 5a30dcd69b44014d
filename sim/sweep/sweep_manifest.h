// The sweep directory's manifest (DIR/manifest.textproto, proto/config.proto SweepManifest)
// and the state of its points: writing it from a spec, checking that a re-run is the same
// sweep (so that it resumes), and which points still have to run.
#ifndef MEMSIM_SIM_SWEEP_SWEEP_MANIFEST_H_
#define MEMSIM_SIM_SWEEP_SWEEP_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/config.pb.h"
#include "sim/memmap/model_registry.h"
#include "sim/sweep/sweep_spec.h"

namespace memsim::sweep {

// DIR/manifest.textproto.
std::string ManifestPath(const std::string& dir);

// Creates `dir` and its parents.
absl::Status MakeDirs(const std::string& dir);

// Reads DIR's manifest; an error asks whether DIR is a sweep directory.
absl::StatusOr<config::SweepManifest> ReadSweepManifest(const std::string& dir);

// Loads, checks and expands the spec and writes DIR/manifest.textproto (with DIR/points and
// DIR/logs), or checks that DIR already holds a sweep with exactly these points, which the
// caller then resumes (the rest of the spec may have changed: the manifest is rewritten).
// `flag_ok`: as ValidateSweepSpec.
absl::StatusOr<config::SweepManifest> PrepareSweepManifest(const std::string& spec_path,
                                                           const std::string& dir,
                                                           const memmap::ModelRegistry& models,
                                                           const FlagCheck& flag_ok);

// Records point `index` as failed with `error` (PointErrorPath).
absl::Status RecordPointFailure(const std::string& dir, uint32_t index, const std::string& error);

// Points with index in [first, end) without an outcome yet, in order; points whose expansion
// failed get their error recorded instead. With `retry_failed`, failed points count as not
// run (their error files are removed).
absl::StatusOr<std::vector<uint32_t>> PendingPoints(const config::SweepManifest& manifest,
                                                    const std::string& dir, bool retry_failed,
                                                    uint32_t first = 0, uint32_t end = UINT32_MAX);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_SWEEP_MANIFEST_H_
