// Names of temporary files that exist right now, so that a run stopped by SIGINT, SIGTERM,
// SIGHUP or SIGPIPE leaves none behind: the first Register() installs a handler for each of
// those signals whose disposition is still the default; the handler unlinks every registered
// path, restores the default disposition and re-raises, so the exit status still says which
// signal ended the process. Signals that were ignored or handled by someone else are left
// alone. SIGKILL cannot be caught: OutputFile avoids names altogether where the filesystem
// supports O_TMPFILE (sim/util/output_file.h), and this registry covers the rest.
#ifndef MEMSIM_SIM_UTIL_TEMP_FILE_REGISTRY_H_
#define MEMSIM_SIM_UTIL_TEMP_FILE_REGISTRY_H_

#include <string>

namespace memsim {

class TempFileRegistry {
 public:
  // At most this many paths are registered at once; more are not cleaned up on a signal.
  static constexpr int kMaxEntries = 32;
  // At most this many bytes of path (longer paths are not registered).
  static constexpr int kMaxPathBytes = 4096;

  // Registers `path` (an existing temporary file) for removal on a fatal signal. Returns a
  // token for Unregister(), or -1 if the registry is full or the path too long.
  static int Register(const std::string& path);
  // Forgets the entry (after the file was renamed into place or removed). -1 is a no-op.
  static void Unregister(int token);
  // Number of paths registered now (for tests).
  static int Count();
};

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_TEMP_FILE_REGISTRY_H_
