#!/usr/bin/env bash
# End-to-end test of tools/slurm-local and tools/slurm-wait on a real one-node Slurm
# (Debian's slurmctld/slurmd/slurm-client, installed by tools/setup.sh). Run from the source
# root:  bash tests/tools/slurm_local_test.sh
# Prints each check; exits non-zero at the first one that fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

state=$(mktemp -d "${TMPDIR:-/tmp}/memsim-slurm-test.XXXXXX")
cleanup() {
  tools/slurm-local stop "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

alive() {  # alive PIDFILE NAME: the daemon named in PIDFILE runs
  [ -s "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]
}

# 1. Start; starting again over a running cluster restarts it cleanly.
tools/slurm-local start "$state" --timeout=60
first_ctld=$(cat "$state/run/slurmctld.pid")
tools/slurm-local start "$state" --timeout=60
alive "$state/run/slurmctld.pid" slurmctld || fail "slurmctld not running after 2nd start"
alive "$state/run/slurmd.pid" slurmd || fail "slurmd not running after 2nd start"
[ "$(cat "$state/run/slurmctld.pid")" != "$first_ctld" ] || fail "2nd start kept the old slurmctld"
[ ! -d "/proc/$first_ctld" ] || [ "$(cat "/proc/$first_ctld/comm" 2>/dev/null)" != slurmctld ] ||
  fail "first slurmctld ($first_ctld) still running"
ok "start twice in a row: one fresh slurmctld and slurmd"

for key in AuthType=auth/none CredType=cred/none ProctrackType=proctrack/linuxproc \
  TaskPlugin=task/none SelectType=select/cons_tres SlurmUser=root; do
  grep -qx "$key" "$state/slurm.conf" || fail "slurm.conf lacks $key"
done
grep -q "^NodeName=$(hostname -s) .*CPUs=$(nproc) " "$state/slurm.conf" ||
  fail "slurm.conf NodeName line: $(grep ^NodeName "$state/slurm.conf")"
ok "slurm.conf has the DESIGN recipe and NodeName=$(hostname -s) CPUs=$(nproc)"

eval "$(tools/slurm-local env "$state")"
[ "$SLURM_CONF" = "$(cd "$state" && pwd -P)/slurm.conf" ] || fail "env printed SLURM_CONF=$SLURM_CONF"
[ "$(sinfo -h -N -o '%t')" = idle ] || fail "node not idle: $(sinfo -N)"
ok "env: SLURM_CONF=$SLURM_CONF, sinfo shows the node idle"

# 2. A 4-task job array writing one file per task.
mkdir -p "$state/out"
cat >"$state/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --output=$state/out/slurm-%A_%a.out
echo "task \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_TASK_COUNT" >"$state/out/task-\$SLURM_ARRAY_TASK_ID"
EOF
job=$(sbatch --parsable --array=0-3 "$state/array.sbatch")
[[ "$job" =~ ^[0-9]+$ ]] || fail "sbatch --parsable printed '$job'"
deadline=$((SECONDS + 120))
while [ -n "$(squeue -h -j "$job")" ]; do
  [ $SECONDS -lt $deadline ] || fail "job $job still queued after 120 s: $(squeue -j "$job")"
  sleep 1
done
for i in 0 1 2 3; do
  got=$(cat "$state/out/task-$i" 2>/dev/null || true)
  [ "$got" = "task $i of 4" ] || fail "task-$i holds '$got', want 'task $i of 4'"
done
[ "$(ls "$state/out" | grep -c '^task-')" = 4 ] || fail "not exactly 4 task files: $(ls "$state/out")"
ok "array job $job: squeue empty, task-0..3 each hold 'task i of 4'"

wait_out=$(tools/slurm-wait "$job" --timeout=60)
[ "$wait_out" = "job $job: 4 tasks COMPLETED" ] || fail "slurm-wait printed '$wait_out'"
ok "slurm-wait $job: '$wait_out', exit 0"

# 3. slurm-wait reports a failed task (exit 1, names it) and a timeout (exit 124).
printf '#!/bin/bash\n[ "$SLURM_ARRAY_TASK_ID" = 1 ] && exit 7\nexit 0\n' >"$state/fail.sbatch"
job2=$(sbatch --parsable --array=0-2 -o /dev/null "$state/fail.sbatch")
set +e
err=$(tools/slurm-wait "$job2" --timeout=60 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 1 ] || fail "slurm-wait on a failed task exited $rc, want 1"
[ "$err" = "slurm-wait: not completed: ${job2}_1 " ] || fail "slurm-wait stderr '$err'"
ok "slurm-wait on array $job2 with task 1 failing: exit 1, names ${job2}_1"

job3=$(sbatch --parsable -o /dev/null --wrap='sleep 300')
set +e
tools/slurm-wait "$job3" --timeout=2 >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 124 ] || fail "slurm-wait on a running job with --timeout=2 exited $rc, want 124"
ok "slurm-wait --timeout=2 on a 300 s job: exit 124"

# 4. Stop with that job still running: daemons and its job step are gone.
step_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
    tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "SLURM_CONF=$SLURM_CONF" && echo "${p#/proc/}"
  done
  return 0
}
deadline=$((SECONDS + 30))
until [ -n "$(step_pids)" ]; do
  [ $SECONDS -lt $deadline ] || fail "job $job3 never got a slurmstepd"
  sleep 0.5
done
ctld=$(cat "$state/run/slurmctld.pid")
d=$(cat "$state/run/slurmd.pid")
tools/slurm-local stop "$state"
for p in $ctld $d; do [ ! -d "/proc/$p" ] || fail "pid $p still alive after stop"; done
sleep 0.5
[ -z "$(step_pids)" ] || fail "job steps still alive after stop: $(step_pids)"
[ ! -e "$state/run/slurmctld.pid" ] && [ ! -e "$state/run/slurmd.pid" ] || fail "pid files left"
tools/slurm-local stop "$state" >/dev/null || fail "second stop failed"
ok "stop: slurmctld $ctld, slurmd $d and the running job's step are gone; stop again is harmless"

# 5. After a crash (SIGKILL, stale pid files and state): start works again.
tools/slurm-local start "$state" --timeout=60 >/dev/null
kill -KILL "$(cat "$state/run/slurmctld.pid")" "$(cat "$state/run/slurmd.pid")"
sleep 0.5
tools/slurm-local start "$state" --timeout=60
eval "$(tools/slurm-local env "$state")"
job4=$(sbatch --parsable -o /dev/null --wrap="echo again >$state/out/again")
tools/slurm-wait "$job4" --timeout=60 >/dev/null || fail "job after restart did not complete"
[ "$(cat "$state/out/again")" = again ] || fail "job after restart wrote '$(cat "$state/out/again")'"
[ "$job4" = 1 ] || fail "fresh cluster should number jobs from 1, got $job4"
tools/slurm-local stop "$state" >/dev/null
ok "restart after SIGKILL of both daemons: fresh cluster, job $job4 completed"

echo "$checks passed, 0 failed"
