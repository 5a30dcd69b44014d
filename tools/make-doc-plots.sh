#!/usr/bin/env bash
# Re-runs the main job's comparison (the shipped real capture with its kpageflags snapshot, four
# models, 2-socket Skylake-SP), a synthetic NUMA workload's on the same machine (where the
# latency goes when metadata is remote) and the shipped sweeps (configs/sweeps/), and copies their plots
# and tables into docs/plots/, where the README and docs link them. Needs a built memsim
# (tools/build.sh). About 7 min with JOBS=1 on a 2-vCPU VM.
#   JOBS=N      sweep points run at once (default: nproc)
#   OUT=DIR     where the runs go (default out/doc-plots; SVGs stay there)
#   ONLY=compare  only the comparison plots (no sweeps)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
OUT=${OUT:-out/doc-plots}
JOBS=${JOBS:-$(nproc)}
mkdir -p docs/plots "$OUT"

"$BUILD_DIR/memsim" import --from=ftrace traces/mixed-compaction.ftrace.zst \
  --snapshot=traces/mixed-compaction.kpageflags-before.zst -o "$OUT/mixed-compaction.mtrace"
"$BUILD_DIR/memsim" compare --trace="$OUT/mixed-compaction.mtrace" \
  --machine=configs/machines/skylake-sp-2s-gold6140.textproto \
  --models=page64,page32,memdesc,allocatee --out="$OUT/compare" >/dev/null
for png in "$OUT/compare"/*.png; do
  cp "$png" "docs/plots/mixed-compaction-$(basename "$png")"
done
# Where the latency goes on two sockets: the capture was recorded on one node, so replayed
# as the kernel would place it none of its metadata is remote; a synthetic NUMA-balancing
# workload (memsim gen, docs/workloads.md) on the same machine has remote DRAM and coherence.
"$BUILD_DIR/memsim" gen --workload=numa --seed=1 --num_events=300000 -o "$OUT/numa.mtrace"
"$BUILD_DIR/memsim" compare --trace="$OUT/numa.mtrace" \
  --machine=configs/machines/skylake-sp-2s-gold6140.textproto \
  --models=page64,page32,memdesc,allocatee --out="$OUT/numa-2s" >/dev/null
for plot in latency_sources latency_breakdown; do
  cp "$OUT/numa-2s/$plot.png" "docs/plots/numa-2s-$plot.png"
done
[ "${ONLY:-}" = compare ] && { echo "make-doc-plots: docs/plots/ compare plots updated"; exit 0; }

for spec in configs/sweeps/*.textproto; do
  name=$(basename "$spec" .textproto)
  "$BUILD_DIR/memsim" sweep "$spec" --out="$OUT/$name" --jobs="$JOBS"
  cp "$OUT/$name"/*.png docs/plots/   # SVGs stay in $OUT (tools/plot writes both)
  cp "$OUT/$name/results.csv" "docs/plots/$name.results.csv"
  for be in "$OUT/$name"/*.breakeven.csv; do
    [ -e "$be" ] && cp "$be" docs/plots/
  done
done
echo "make-doc-plots: docs/plots/ updated"
