#include "sim/sweep/sweep_manifest.h"

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "sim/report/result_format.h"
#include "sim/sweep/sweep_table.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"
#include "sim/util/text_proto.h"

namespace memsim::sweep {
namespace {

const char kManifest[] = "manifest.textproto";

std::string ManifestText(const config::SweepManifest& m) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  return text;
}

}  // namespace

std::string ManifestPath(const std::string& dir) { return dir + "/" + kManifest; }

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::InvalidArgumentError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<config::SweepManifest> ReadSweepManifest(const std::string& dir) {
  config::SweepManifest m;
  absl::Status s = ReadTextProto(ManifestPath(dir), m);
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat(s.message(), " (is ", dir, " the --out directory of a sweep?)"));
  }
  return m;
}

absl::StatusOr<config::SweepManifest> PrepareSweepManifest(const std::string& spec_path,
                                                           const std::string& dir,
                                                           const memmap::ModelRegistry& models,
                                                           const FlagCheck& flag_ok) {
  ASSIGN_OR_RETURN(config::SweepSpec spec, LoadSweepSpec(spec_path));
  absl::Status valid = ValidateSweepSpec(spec, report::MetricNames(), flag_ok);
  if (!valid.ok())
    return absl::Status(valid.code(), absl::StrCat(spec_path, ": ", valid.message()));
  ASSIGN_OR_RETURN(config::SweepManifest manifest, ExpandSweep(spec, spec_path, dir, models));
  RETURN_IF_ERROR(MakeDirs(dir + "/points"));
  RETURN_IF_ERROR(MakeDirs(dir + "/logs"));
  const std::string text = ManifestText(manifest);
  absl::StatusOr<std::string> old_text = ReadFileToString(ManifestPath(dir));
  if (old_text.ok()) {
    // Resuming: the points must be the same. The rest of the spec (description, labels,
    // plots) may have changed: the table and plots are rebuilt from the new one.
    config::SweepManifest old;
    RETURN_IF_ERROR(ParseTextProto(*old_text, ManifestPath(dir), old));
    config::SweepManifest old_points, new_points;
    *old_points.mutable_point() = old.point();
    *new_points.mutable_point() = manifest.point();
    if (ManifestText(old_points) != ManifestText(new_points)) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " holds a different sweep (the points in its ", kManifest,
          " differ from this spec's; relative paths count, so run from the same directory): "
          "use another --out, or delete ",
          dir));
    }
    if (*old_text == text) return manifest;
  }
  RETURN_IF_ERROR(WriteFileAtomically(ManifestPath(dir), text));
  return manifest;
}

absl::Status RecordPointFailure(const std::string& dir, uint32_t index, const std::string& error) {
  return WriteFileAtomically(PointErrorPath(dir, index), error + "\n");
}

absl::StatusOr<std::vector<uint32_t>> PendingPoints(const config::SweepManifest& manifest,
                                                    const std::string& dir, bool retry_failed,
                                                    uint32_t first, uint32_t end) {
  std::vector<uint32_t> pending;
  for (const config::SweepPoint& p : manifest.point()) {
    if (p.index() < first || p.index() >= end) continue;
    if (retry_failed && StateOf(dir, p.index()) == PointState::kFailed) {
      std::remove(PointErrorPath(dir, p.index()).c_str());
    }
    if (StateOf(dir, p.index()) != PointState::kPending) continue;
    if (!p.error().empty()) {
      RETURN_IF_ERROR(RecordPointFailure(dir, p.index(), p.error()));
      continue;
    }
    pending.push_back(p.index());
  }
  return pending;
}

}  // namespace memsim::sweep
