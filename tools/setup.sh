#!/usr/bin/env bash
# Installs every Debian package memsim needs to build, test, record traces and plot.
# Idempotent: packages already present are not reinstalled; apt-get update runs only
# when something is missing. Needs root (or sudo) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ccache clang-format
  libprotobuf-dev protobuf-compiler
  libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimgrid-dev
  libzstd-dev zstd zlib1g-dev
  libhwloc-dev hwloc
  libnuma-dev
  libtracecmd-dev libtraceevent-dev libtracefs-dev trace-cmd
  # perf record / perf script for tools/record --perf and `memsim import --from=perf`.
  linux-perf
  python3 python3-matplotlib python3-numpy python3-pandas
  # libFuzzer + ASan/UBSan runtime for tests/fuzz (tools/fuzz.sh, docs/fuzzing.md).
  clang libclang-rt-14-dev
  # One-node Slurm for the sweep job-array test (tools/slurm-local): slurmctld, slurmd,
  # and slurm-client (sbatch, squeue, sinfo, scancel). What the slurm-wlm metapackage pulls.
  slurmctld slurmd slurm-client
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
