#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), configures and builds memsim into build/.
# BUILD_DIR and BUILD_TYPE override the defaults (build, Release: the same default as
# CMakeLists.txt). MEMSIM_WERROR=ON|OFF makes compiler warnings errors or not (CI=true means
# ON; tools/run-tests.sh sets ON); unset, the build directory keeps its setting.
# Arguments go to `cmake --build` (e.g. --target memsim).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
werror=()
if [ -n "${MEMSIM_WERROR:-}" ]; then
  werror=(-DMEMSIM_WERROR="$MEMSIM_WERROR")
elif [ "${CI:-}" = true ]; then
  werror=(-DMEMSIM_WERROR=ON)
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "${werror[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" "$@"
