#!/usr/bin/env bash
# Set-up + build + the main job on the shipped default trace.
# Until the replay engine lands, the main job imports the shipped real capture and prints
# what it contains (`memsim inspect`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh --target memsim
BUILD_DIR=${BUILD_DIR:-build}
OUT=${OUT:-out}
mkdir -p "$OUT"
TRACE=traces/mixed-compaction.ftrace.zst
"$BUILD_DIR/memsim" import --from=ftrace "$TRACE" -o "$OUT/mixed-compaction.mtrace"
"$BUILD_DIR/memsim" inspect "$OUT/mixed-compaction.mtrace"
