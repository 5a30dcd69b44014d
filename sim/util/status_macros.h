// RETURN_IF_ERROR / ASSIGN_OR_RETURN: the Abseil release in Debian 12 (20220623) lacks them.
#ifndef MEMSIM_SIM_UTIL_STATUS_MACROS_H_
#define MEMSIM_SIM_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MEMSIM_CONCAT_INNER_(a, b) a##b
#define MEMSIM_CONCAT_(a, b) MEMSIM_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status memsim_status_ = (expr);          \
    if (!memsim_status_.ok()) return memsim_status_; \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status if not OK.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  MEMSIM_ASSIGN_OR_RETURN_IMPL_(MEMSIM_CONCAT_(memsim_statusor_, __LINE__), lhs, rexpr)

#define MEMSIM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

// A broken invariant of our own (never bad user input): print and abort.
#define MEMSIM_CHECK(cond, msg)                                           \
  do {                                                                    \
    if (!(cond)) ::memsim::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

namespace memsim {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond, const char* msg);
}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_STATUS_MACROS_H_
