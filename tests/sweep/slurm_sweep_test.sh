#!/usr/bin/env bash
# `memsim sweep --slurm` end to end on a real one-node Slurm (tools/slurm-local): the sweep
# is submitted as a job array (2 points per array task), waited for, gathered with
# --collect and plotted; its table must equal the same sweep run locally, byte for byte.
# Usage (from the source root): bash tests/sweep/slurm_sweep_test.sh MEMSIM_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
memsim=${1:?usage: slurm_sweep_test.sh MEMSIM_BINARY}

work=$(mktemp -d "${TMPDIR:-/tmp}/memsim-slurm-sweep.XXXXXX")
state="$work/cluster"
cleanup() {
  tools/slurm-local stop "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$work/spec.textproto" <<SPEC
name: "slurm-e2e"
base {
  gen { workload: "anon" flags { key: "num_events" value: "3000" }
        flags { key: "nodes" value: "2" } flags { key: "node_mem" value: "1GiB" } }
  machine: "tests/replay/testdata/tiny-2s.textproto"
  replay { back_to_back: true }
}
axis { name: "model" path: "model" values: "page64" values: "memdesc" values: "allocatee" }
axis { name: "thp_share" label: "THP share" path: "gen.thp_share" values: "0" values: "1" }
plot { x: "thp_share" metric: "alloc_mean_ns" breakeven: true file: "alloc" }
SPEC

tools/slurm-local start "$state" --timeout=60
eval "$(tools/slurm-local env "$state")"

out=$("$memsim" sweep "$work/spec.textproto" --out="$work/slurm" --slurm --slurm_batch=2)
echo "$out"
job=$(sed -n 's/^submitted job \([0-9][0-9]*\) (3 array tasks)$/\1/p' <<<"$out")
[ -n "$job" ] || fail "no 'submitted job N (3 array tasks)' line"
grep -q '^#SBATCH --array=0-2$' "$work/slurm/slurm/array.sbatch" || fail "array script"
echo "ok: submitted job $job as 3 array tasks of 2 points"

tools/slurm-wait "$job" --timeout=240 || fail "job $job did not complete"
echo "ok: job $job completed"

"$memsim" sweep --collect "$work/slurm" || fail "--collect"
[ -s "$work/slurm/alloc.png" ] && [ -s "$work/slurm/alloc.svg" ] || fail "plots not drawn"
echo "ok: collected 6 points and drew the plot"

"$memsim" sweep "$work/spec.textproto" --out="$work/local" --jobs=2 --noplot
cmp "$work/slurm/results.csv" "$work/local/results.csv" || fail "results.csv differs from the local run"
cmp "$work/slurm/results.jsonl" "$work/local/results.jsonl" || fail "results.jsonl differs"
[ "$(grep -c ',ok,' "$work/slurm/results.csv")" = 6 ] || fail "not 6 ok rows"
echo "ok: the Slurm table equals the local run's, 6 rows ok"
echo "slurm sweep test: 4 checks passed"
