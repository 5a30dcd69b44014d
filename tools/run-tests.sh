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
# Fuzz smoke (docs/fuzzing.md): every libFuzzer target (ASan + UBSan, clang) on its committed
# seeds plus 300 inputs from a fixed seed, so the same inputs every run. About 5 minutes cold on
# 2 cores, most of it the sanitizer build; MEMSIM_FUZZ_SMOKE=0 skips it. It runs before ctest
# so that ctest's summary stays the last thing printed.
if [ "${MEMSIM_FUZZ_SMOKE:-1}" != 0 ]; then
  echo "== fuzz smoke (tools/fuzz.sh --seed 1 --runs 300 --seconds 10)"
  bash tools/fuzz.sh --seed 1 --runs 300 --seconds 10
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
