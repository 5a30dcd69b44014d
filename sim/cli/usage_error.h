// Exit codes of memsim (docs/architecture.md): 0 success; 2 usage error, the command line is
// wrong (unknown command or flag, missing or extra arguments, a flag value that does not
// parse or is out of range); 1 data error, everything else (a malformed trace line, a corrupt
// file, invalid config content, I/O errors). A command marks its usage errors with
// UsageError / AsUsageError; any other error status exits 1.
#ifndef MEMSIM_SIM_CLI_USAGE_ERROR_H_
#define MEMSIM_SIM_CLI_USAGE_ERROR_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace memsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDataError = 1;
inline constexpr int kExitUsageError = 2;

// InvalidArgument(message), marked as a usage error.
absl::Status UsageError(absl::string_view message);

// `status` marked as a usage error (e.g. the error of parsing a flag's value); OK stays OK.
absl::Status AsUsageError(absl::Status status);
template <typename T>
absl::StatusOr<T> AsUsageError(absl::StatusOr<T> value) {
  if (value.ok()) return value;
  return AsUsageError(std::move(value).status());
}

bool IsUsageError(const absl::Status& status);

// kExitOk, kExitUsageError or kExitDataError.
int ExitCode(const absl::Status& status);

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_USAGE_ERROR_H_
