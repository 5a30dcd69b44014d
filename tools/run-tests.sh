#!/usr/bin/env bash
# Set-up + build + the whole test suite (what .ci/run runs). Prints ctest's summary.
# The build is CI's: warnings are errors (MEMSIM_WERROR=ON) and the benchmarks are compiled
# too. Tests put their temporary files under $TMPDIR: here a fresh directory for the run,
# which must be empty when the tests are done (a test that leaves files behind fails the run).
set -euo pipefail
cd "$(dirname "$0")/.."
MEMSIM_WERROR=${MEMSIM_WERROR:-ON} bash tools/build.sh --target all bench
# The C++ sources stay clang-formatted (.clang-format: Google style, 100 columns).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z 'sim/*.cc' 'sim/*.h' 'tests/*.cc' 'tests/*.h' 'tools/*.c' |
    xargs -0 clang-format --dry-run --Werror
fi
BUILD_DIR=${BUILD_DIR:-build}
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/memsim-run-tests.XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
status=0
TMPDIR=$run_tmp ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 900 ||
  status=$?
if [ -n "$(ls -A "$run_tmp")" ]; then
  echo "run-tests: the tests left files in \$TMPDIR:" >&2
  ls -A "$run_tmp" >&2
  status=1
fi
exit "$status"
