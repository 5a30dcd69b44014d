#include "sim/memmap/model_spec.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/util/input_file.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {

absl::StatusOr<config::MemmapModelConfig> LoadMemmapModelConfig(const std::string& path,
                                                                const ModelRegistry& models) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  ASSIGN_OR_RETURN(config::MemmapModelConfig config, ParseMemmapModelConfig(text, path));
  absl::Status valid = models.Validate(config);
  if (!valid.ok()) return absl::Status(valid.code(), absl::StrCat(path, ": ", valid.message()));
  return config;
}

bool IsModelConfigPath(const std::string& spec) {
  return absl::StrContains(spec, "/") || absl::EndsWith(spec, ".textproto");
}

absl::StatusOr<config::MemmapModelConfig> ResolveModelSpec(const std::string& spec,
                                                           const ModelRegistry& models) {
  if (IsModelConfigPath(spec)) {
    return LoadMemmapModelConfig(spec, models);
  }
  if (!models.contains(spec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown model '", spec, "' (registered: ", absl::StrJoin(models.names(), ", "),
        "; or give a config file path)"));
  }
  config::MemmapModelConfig cfg;
  const auto* field = cfg.GetDescriptor()->FindFieldByName(spec);
  if (field == nullptr || field->message_type() == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", spec, "' has no config field in MemmapModelConfig"));
  }
  cfg.GetReflection()->MutableMessage(&cfg, field);  // sets the oneof to its defaults
  cfg.set_label(spec);
  RETURN_IF_ERROR(models.Validate(cfg));
  return cfg;
}

}  // namespace memsim::memmap
