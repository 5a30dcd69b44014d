#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), configures and builds memsim into build/.
# BUILD_DIR and BUILD_TYPE override the defaults (build, Release).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" "$@"
