#!/usr/bin/env bash
# Re-runs the shipped sweeps (configs/sweeps/) and copies their plots and tables into
# docs/plots/, where the README and docs link them. Needs a built memsim (tools/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
OUT=${OUT:-out/doc-sweeps}
mkdir -p docs/plots
for spec in configs/sweeps/*.textproto; do
  name=$(basename "$spec" .textproto)
  "$BUILD_DIR/memsim" sweep "$spec" --out="$OUT/$name" --jobs="$(nproc)"
  cp "$OUT/$name"/*.png docs/plots/   # SVGs stay in $OUT (tools/plot writes both)
  cp "$OUT/$name/results.csv" "docs/plots/$name.results.csv"
  for be in "$OUT/$name"/*.breakeven.csv; do
    [ -e "$be" ] && cp "$be" docs/plots/
  done
done
echo "make-doc-plots: docs/plots/ updated"
