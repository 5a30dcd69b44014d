#include "sim/util/version.h"

#ifndef MEMSIM_VERSION_STRING
#error "MEMSIM_VERSION_STRING comes from CMake (sim/util/CMakeLists.txt)"
#endif

namespace memsim {

std::string_view MemsimVersion() { return MEMSIM_VERSION_STRING; }

}  // namespace memsim
