#!/usr/bin/env bash
# Builds memsim's libFuzzer targets (tests/fuzz, ASan + UBSan, clang) in a build directory of
# their own and runs each for a while, one after the other. docs/fuzzing.md explains.
#
#   tools/fuzz.sh                      smoke: every target for 10 s
#   tools/fuzz.sh --seconds 600        a campaign: 10 min per target
#   tools/fuzz.sh --seconds 120 replay_fuzzer ftrace_fuzzer
#   tools/fuzz.sh --build-only
#   tools/fuzz.sh --no-build --runs 1000000 model_fuzzer   a fixed number of executions
#   tools/fuzz.sh --runs 1000000 --seconds 1800 replay_fuzzer   whichever comes first
#   tools/fuzz.sh --seed 1 --runs 300 --seconds 10   CI's smoke: the same inputs on every run
#
# Options: --seconds N (per target, default 10), --runs N (executions per target; with
# --seconds too, whichever limit comes first), --build-dir D (default build-fuzz, shared
# with tools/sanitize.sh),
# --jobs N (build parallelism, default 2), --seed N (libFuzzer's -seed: with --runs the same
# inputs every time, so a smoke run cannot fail by chance), --build-only, --no-build.
# Scratch files go to $MEMSIM_FUZZ_TMPDIR, else /dev/shm if writable, else $TMPDIR.
# Committed seeds: tests/fuzz/corpus/<target>/ (read only). Inputs libFuzzer finds go to
# <build-dir>/corpus/<target>/, crashes to <build-dir>/crashes/<target>/. The exit status is
# non-zero if any target crashed; per target it prints libFuzzer's executions and exec/s.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=10
seconds_given=0
runs=""
seed=()
build_dir="$root/build-fuzz"
jobs=2
build=1
run=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; seconds_given=1; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seed) seed=(-seed="$2"); shift 2 ;;
    --build-dir) build_dir="$(realpath -m "$2")"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --build-only) run=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(mtrace_reader_fuzzer replay_fuzzer ftrace_fuzzer kpageflags_fuzzer perfetto_fuzzer
     machine_fuzzer model_fuzzer sweep_spec_fuzzer)
if [ ${#targets[@]} -eq 0 ]; then targets=("${all[@]}"); fi

if [ "$build" = 1 ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMEMSIM_FUZZ=ON -DMEMSIM_BUILD_TESTS=ON -DMEMSIM_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"
fi
[ "$run" = 1 ] || exit 0

# The targets write their inputs to scratch files (the parsers take paths) and the trace
# writer fsyncs: on tmpfs that costs nothing (ftrace_fuzzer: about 10x the execs/s).
if [ -z "${MEMSIM_FUZZ_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  MEMSIM_FUZZ_TMPDIR=/dev/shm
fi
export TMPDIR="${MEMSIM_FUZZ_TMPDIR:-${TMPDIR:-/tmp}}"

status=0
for t in "${targets[@]}"; do
  work="$build_dir/corpus/$t"
  crashes="$build_dir/crashes/$t"
  mkdir -p "$work" "$crashes"
  seeds="$root/tests/fuzz/corpus/$t"
  dict=()
  if [ -f "$root/tests/fuzz/$t.dict" ]; then dict=(-dict="$root/tests/fuzz/$t.dict"); fi
  log="$build_dir/$t.log"
  limit=(-max_total_time="$seconds")
  if [ -n "$runs" ] && [ "$seconds_given" = 1 ]; then
    limit=(-runs="$runs" -max_total_time="$seconds")
    echo "== $t: $runs runs or ${seconds}s"
  elif [ -n "$runs" ]; then
    limit=(-runs="$runs")
    echo "== $t: $runs runs"
  else
    echo "== $t: ${seconds}s"
  fi
  set +e
  # -timeout: an input taking longer than 25 s is a hang; -rss_limit_mb: libFuzzer's default.
  (cd "$crashes" && "$build_dir/tests/fuzz/$t" "$work" "$seeds" "${dict[@]}" \
      "${limit[@]}" "${seed[@]}" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1)
  rc=$?
  set -e
  grep -E "^Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec)" "$log" || true
  if [ $rc -ne 0 ]; then
    status=1
    echo "$t: FAILED (exit $rc); log $log, reproducer in $crashes" >&2
    grep -E "ERROR|SUMMARY|invariant" "$log" | head -n 5 >&2 || true
  fi
done
exit $status
