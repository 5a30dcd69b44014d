#include "sim/util/status_macros.h"

#include <cstdio>
#include <cstdlib>

namespace memsim {

void CheckFailed(const char* file, int line, const char* cond, const char* msg) {
  std::fprintf(stderr, "memsim: internal error at %s:%d: check '%s' failed: %s\n", file, line, cond,
               msg);
  std::abort();
}

}  // namespace memsim
