#include "sim/cli/usage_error.h"

#include "absl/strings/cord.h"

namespace memsim::cli {
namespace {

// The payload that marks a usage error (its value is unused).
constexpr char kUsagePayload[] = "memsim/usage-error";

}  // namespace

absl::Status UsageError(absl::string_view message) {
  return AsUsageError(absl::InvalidArgumentError(message));
}

absl::Status AsUsageError(absl::Status status) {
  if (!status.ok()) status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kUsagePayload).has_value();
}

int ExitCode(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  return IsUsageError(status) ? kExitUsageError : kExitDataError;
}

}  // namespace memsim::cli
