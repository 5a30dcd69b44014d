// The memsim version: CMake's project(VERSION) is the only place it is written
// (sim/util/CMakeLists.txt passes it to version.cc alone).
#ifndef MEMSIM_SIM_UTIL_VERSION_H_
#define MEMSIM_SIM_UTIL_VERSION_H_

#include <string_view>

namespace memsim {

// E.g. "1.2.3". Written into trace headers and results (memsim_version) and by `memsim --version`.
std::string_view MemsimVersion();

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_VERSION_H_
