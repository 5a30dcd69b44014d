// Running the memsim binary from tests, as users do: MEMSIM_BIN (set by ctest) or the build
// directory's memsim.
#ifndef MEMSIM_TESTS_TESTING_MEMSIM_CLI_H_
#define MEMSIM_TESTS_TESTING_MEMSIM_CLI_H_

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/temp_dir.h"

namespace memsim::test_util {

inline std::string MemsimBin() {
  const char* b = std::getenv("MEMSIM_BIN");
  return b ? b : std::string(MEMSIM_BINARY_DIR) + "/memsim";
}

struct CmdResult {
  int exit_code = -1;
  std::string out;  // what the command printed on stdout (Memsim: stdout and stderr)
};

// Runs `sh -c cmd` and captures its stdout; `cmd` does its own redirections.
inline CmdResult Shell(const std::string& cmd) {
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `memsim <args>` through the shell, capturing stdout and stderr.
inline CmdResult Memsim(const std::string& args) {
  return Shell(MemsimBin() + " " + args + " 2>&1");
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

}  // namespace memsim::test_util

#endif  // MEMSIM_TESTS_TESTING_MEMSIM_CLI_H_
