#!/usr/bin/env bash
# The sweep against a real Slurm (docs/sweeps.md, "The Slurm test"): installs Debian's slurm-wlm and munge with apt-get
# when sbatch is missing, starts a one-node cluster on this machine (munged, slurmctld and slurmd, with a slurm.conf and
# a munge key written into a temporary folder, on ports of their own), emits a 4-run sweep on the embedded digits, submits
# it with sbatch --wait, summarizes it, runs the same sweep with --jobs 2, and checks that the two summary.csv files are
# equal byte for byte (run names, swept values, status, every metric and the model's SHA-256). The daemons it started are
# stopped by PID when it exits, on failure too. Needs root (or sudo) for apt-get, and a built Release tree:
#   dotnet build Pure.sln -c Release && bash tests/Slurm/run-slurm-test.sh
# Environment: PURE_CLI_DLL (default src/Pure.Cli/bin/Release/net10.0/Pure.Cli.dll), PURE_SLURM_KEEP=1 keeps the folder.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dll=${PURE_CLI_DLL:-$repo/src/Pure.Cli/bin/Release/net10.0/Pure.Cli.dll}
if [[ ! -f $dll ]]; then echo "FAIL: $dll is missing; build first: dotnet build Pure.sln -c Release" >&2; exit 1; fi
pure=(dotnet "$dll")

sudo=()
if (( $(id -u) != 0 )); then sudo=(sudo); fi
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm and munge (apt-get)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
echo "$(slurmctld -V), $(munged -V 2>&1 | head -n 1)"

work=$(mktemp -d "${TMPDIR:-/tmp}/pure-slurm.XXXXXX")
chmod 700 "$work"
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if (( status != 0 )); then
        echo "--- slurmctld.log (tail)"; tail -n 20 "$work/slurmctld.log" 2>/dev/null || true
        echo "--- slurmd.log (tail)"; tail -n 20 "$work/slurmd.log" 2>/dev/null || true
    fi
    if [[ ${PURE_SLURM_KEEP:-} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT

host=$(hostname -s)
user=$(id -un)
cpus=$(nproc)
memory=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$work/munge" "$work/state" "$work/spool"
chmod 700 "$work/munge"
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
socket=$work/munge/munge.socket
cat > "$work/slurm.conf" <<EOF
ClusterName=puretest
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

munged --foreground --force --socket="$socket" --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" > "$work/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $socket ]] && break; sleep 0.1; done
[[ -S $socket ]] || { echo "FAIL: munged did not open $socket" >&2; exit 1; }
slurmctld -D -f "$SLURM_CONF" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" > "$work/slurmd.out" 2>&1 &
pids+=($!)
echo "started munged, slurmctld and slurmd (PIDs ${pids[*]}) with $SLURM_CONF, $cpus CPUs"

state=
for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.5
done
[[ $state == idle ]] || { echo "FAIL: the node $host is '$state', not idle, after 60 s" >&2; exit 1; }
echo "node $host idle ${SECONDS} s after the start of the script"

cat > "$work/base.json" <<'EOF'
{"layers": [8], "epochs": 1, "seed": 7, "grid": {"learning-rate": [0.01, 0.001]}}
EOF
sweep=(sweep --experiment "$work/base.json" --grid batch=32,64)
"${pure[@]}" "${sweep[@]}" --output "$work/slurm" --emit slurm --time 00:10:00 --slurm-option=--job-name=pure-slurm-test
job=$(timeout 600 sbatch --wait --parsable "$work/slurm/sweep.sbatch") || { echo "FAIL: sbatch --wait: the array failed (job ${job:-?})" >&2; cat "$work"/slurm/logs/*.err >&2 || true; exit 1; }
echo "job array $job finished: $(ls "$work/slurm/logs" | grep -c '^slurm-.*\.out$') task logs"
"${pure[@]}" sweep summarize "$work/slurm"

"${pure[@]}" "${sweep[@]}" --output "$work/jobs" --jobs 2
"${pure[@]}" sweep summarize "$work/jobs"

rows=$(tail -n +2 "$work/slurm/summary.csv" | cut -d, -f4 | grep -c '^ok$' || true)
if (( rows != 4 )); then echo "FAIL: expected 4 runs ok under Slurm, got $rows" >&2; cat "$work/slurm/summary.csv" >&2; exit 1; fi
if ! cmp "$work/slurm/summary.csv" "$work/jobs/summary.csv"; then
    echo "FAIL: the summaries of sbatch and --jobs 2 differ" >&2
    diff "$work/slurm/summary.csv" "$work/jobs/summary.csv" >&2 || true
    exit 1
fi
cat "$work/slurm/summary.csv"
echo "ok: the Slurm array's summary.csv equals --jobs 2's byte for byte (4 runs, every metric and model hash)"
