#!/usr/bin/env bash
# Set-up + build + the whole test suite (what .ci/run runs). Prints ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 900
