#!/usr/bin/env bash
# The unit-test suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang), in the
# build directory tools/fuzz.sh uses (build-fuzz: every memsim library is built once, with
# -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined, -O2 -g1, and
# serves both the fuzz targets and the tests). docs/fuzzing.md, "Sanitizer build of the unit
# tests",
# has the figures and the list of what is left out and why.
#
#   tools/sanitize.sh                   build, then the default set of test binaries, 2 at a time
#   tools/sanitize.sh --no-build --gtest_filter='Trace*'   extra arguments go to each binary
#                                       (to ctest with --all)
#   tools/sanitize.sh --all             every test (the whole suite, memsim binary included)
#   tools/sanitize.sh --bin replay_test --bin report_test   only these binaries of the set
#
# Options: --build-dir D (default build-fuzz), --jobs N (build and tests, default 2),
# --no-build, --all, --bin NAME (repeatable: build and run only NAME; memsim is built too).
# Exit status non-zero if a test failed or a sanitizer reported.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="$root/build-fuzz"
jobs=2
build=1
all=0
only=()
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$(realpath -m "$2")"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --all) all=1; shift ;;
    --bin) only+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done

# The default set: the test binaries of the code that reads user input (util, trace, the
# importers, hwloc and machine configs) and of the replay core (caches and memory system,
# buddy allocator, memmap models, replay, access dump, result format, workloads). Left out
# unless --all, with the reason:
#  - cli_test, output_paths_test, placement_flags_test, own_machine_test, gen_cli_test,
#    sweep_cli_test, validate_cli_test, golden_test, label tools (plots, pandas): they drive
#    the memsim binary end to end, so they need every library and the CLI instrumented (the
#    longest part of the build) and run what the unit tests already cover, many times over;
#  - replay_simgrid_test, hw_sim_platform_test: SimGrid (not instrumented) runs the bulk
#    copies; the slowest tests of the suite, several times slower under ASan;
#  - hw_memory_system_timing_test, hw_host_calibrator_test, validate_*: the timing model and
#    calibration, long runs of code hw_memory_system_test already covers;
#  - sweep_test and label slurm: the sweep runner and the local Slurm cluster (serial, minutes).
subset=(util_test trace_test trace_bad_input_test trace_import_test kpageflags_importer_test
        perfetto_importer_test hw_machine_config_test hw_cache_test hw_hwloc_importer_test
        hw_memory_system_test mm_test memmap_test replay_test access_dump_test report_test
        workload_test)
if [ ${#only[@]} -gt 0 ]; then subset=("${only[@]}"); fi

if [ "$build" = 1 ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMEMSIM_FUZZ=ON -DMEMSIM_BUILD_TESTS=ON -DMEMSIM_BUILD_BENCH=OFF >/dev/null
  if [ "$all" = 1 ]; then
    cmake --build "$build_dir" -j"$jobs" --target all
  else
    # memsim too: bad_input, hwloc importer, tracecmd and access-dump tests run the binary.
    cmake --build "$build_dir" -j"$jobs" --target "${subset[@]}" memsim
  fi
fi

# Leaks are reported (LeakSanitizer, part of ASan); any report fails the test. ASan leaves
# SIGSEGV, SIGBUS and SIGFPE alone: the isolated_call tests crash a child on purpose and check
# that the signal is named (ASan would turn it into "exited with status 1"); a memsim bug that
# faults still fails its test, with the kernel's signal instead of ASan's report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/memsim-sanitize.XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
status=0
if [ "$all" = 1 ]; then
  TMPDIR=$run_tmp ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" --timeout 1800 \
    "${ctest_args[@]}" || status=$?
else
  # Each binary runs whole (one process per binary, not ctest's one per case: a sanitized
  # process start costs), from the source root as ctest runs them, $jobs at a time. A
  # binary's output goes to <build-dir>/sanitize/<binary>.log; failures are printed.
  logs="$build_dir/sanitize"
  mkdir -p "$logs"
  export MEMSIM_BIN="$build_dir/memsim" TMPDIR="$run_tmp" root build_dir logs
  # shellcheck disable=SC2016
  printf '%s\n' "${subset[@]}" | xargs -P "$jobs" -I{} bash -c '
    bin=$(find "$build_dir/tests" -type f -name {} -perm -u+x | head -n 1)
    if [ -z "$bin" ]; then echo "{}: not built (run without --no-build)"; exit 1; fi
    start=$(date +%s)
    TIMEFORMAT="%U %S"
    # CPU (user + sys, the test and the memsim processes it starts) into <binary>.time.
    { time (cd "$root" && timeout 1800 "$bin" --gtest_brief=1 "$@" >"$logs/{}.log" 2>&1); } \
        2>"$logs/{}.time"
    rc=$?
    read -r user sys <"$logs/{}.time" || true
    echo "{}: exit $rc, $(( $(date +%s) - start )) s wall, ${user:-?} s user + ${sys:-?} s sys"
    if [ $rc -ne 0 ]; then grep -E "FAILED|ERROR: |SUMMARY: |runtime error" "$logs/{}.log" | head -n 20; exit 1; fi
  ' _ "${ctest_args[@]}" || status=$?
fi
exit "$status"
