#!/usr/bin/env bash
# Set-up + build + the main job: the shipped real capture (with its /proc/kpageflags
# snapshot) replayed on the shipped 2-socket Skylake-SP machine with every memmap model;
# prints the comparison table and writes results and plots to out/compare/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh --target memsim
BUILD_DIR=${BUILD_DIR:-build}
OUT=${OUT:-out}
mkdir -p "$OUT"
"$BUILD_DIR/memsim" import --from=ftrace traces/mixed-compaction.ftrace.zst \
  --snapshot=traces/mixed-compaction.kpageflags-before.zst -o "$OUT/mixed-compaction.mtrace"
"$BUILD_DIR/memsim" compare --trace="$OUT/mixed-compaction.mtrace" \
  --machine=configs/machines/skylake-sp-2s-gold6140.textproto \
  --models=page64,page32,memdesc,allocatee --out="$OUT/compare"
echo "results, table and plots: $OUT/compare/"
