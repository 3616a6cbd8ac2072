#!/usr/bin/env bash
# Runs every measurement behind docs/performance.md and regenerates its tables and docs/performance.svg.
#
#   bash tests/Benchmarks/run-all.sh [--quick] [--pure-only] [--data DIR] [--shared-load]
#
#   --quick        a smoke run: 2 epochs, 200 batch-1 steps, fewer samples runs (minutes, not the measurement of record)
#   --pure-only    rerun Pure's measurements and keep results/peers.jsonl from an earlier run
#   --data DIR     the Fashion-MNIST folder (default ../shared/data/fashion-mnist, relative to the repository root)
#   --shared-load  mark the report as measured on a machine shared with other work
#
# Environment overrides: EPOCHS (batch 128, default 15), EPOCHS_32 (batch 32, default 5), STEPS (batch 1, default 2000),
# SAMPLE_EPOCHS (samples runs, default 3), SKLEARN_EPOCHS (default 5), GEMM_RUNS (default 21).
#
# Needs the .NET 10 SDK and, for the peers, Debian's Python with
#   apt-get install -y python3-torch python3-sklearn python3-numpy libopenblas0-pthread
# Writes JSON lines into tests/Benchmarks/results/ and then runs tests/Benchmarks/report.py.
set -euo pipefail

cd "$(dirname "$0")/../.."
DATA=../shared/data/fashion-mnist
QUICK=0
PURE_ONLY=0
SHARED=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --pure-only) PURE_ONLY=1 ;;
    --shared-load) SHARED=1 ;;
    --data) DATA="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--pure-only] [--shared-load] [--data DIR]" >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  EPOCHS=${EPOCHS:-2}; EPOCHS_32=${EPOCHS_32:-2}; STEPS=${STEPS:-200}; SAMPLE_EPOCHS=${SAMPLE_EPOCHS:-2}
  SKLEARN_EPOCHS=${SKLEARN_EPOCHS:-2}; GEMM_RUNS=${GEMM_RUNS:-15}
else
  EPOCHS=${EPOCHS:-15}; EPOCHS_32=${EPOCHS_32:-5}; STEPS=${STEPS:-2000}; SAMPLE_EPOCHS=${SAMPLE_EPOCHS:-3}
  SKLEARN_EPOCHS=${SKLEARN_EPOCHS:-5}; GEMM_RUNS=${GEMM_RUNS:-21}
fi
# Batch 1 with momentum 0.9 diverges at the default rate of 0.05; both Pure and PyTorch use this one for the steps runs.
STEPS_RATE=0.005
PYTHON=/usr/bin/python3
RESULTS=tests/Benchmarks/results
BENCH="dotnet tests/Benchmarks/bin/Release/net10.0/Benchmarks.dll"

[ -d "$DATA" ] || { echo "error: no data folder $DATA" >&2; exit 2; }
mkdir -p "$RESULTS"
COMMANDS=()
run() { # run OUTPUT COMMAND...: appends the command's JSON lines to OUTPUT and records the command
  local output="$1"; shift
  COMMANDS+=("$*")
  echo "# $*" >&2
  "$@" | tee -a "$output"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
dotnet build tests/Benchmarks -c Release -nologo -v quiet
COMMANDS+=("dotnet build tests/Benchmarks -c Release")

rm -f "$RESULTS/pure-gemm.jsonl" "$RESULTS/pure-mlp.jsonl" "$RESULTS/pure-samples.jsonl"
run "$RESULTS/pure-gemm.jsonl" $BENCH gemm --runs "$GEMM_RUNS"
for dtype in float32 float64; do
  run "$RESULTS/pure-mlp.jsonl" $BENCH mlp --data "$DATA" --dtype $dtype --batch 128 --epochs "$EPOCHS"
  run "$RESULTS/pure-mlp.jsonl" $BENCH mlp --data "$DATA" --dtype $dtype --batch 32 --epochs "$EPOCHS_32"
done
for dtype in float32 float64; do
  run "$RESULTS/pure-mlp.jsonl" $BENCH mlp --data "$DATA" --dtype $dtype --batch 1 --steps "$STEPS" --epochs 3 --learning-rate $STEPS_RATE
done
rm -f "$RESULTS/floor.jsonl"
run "$RESULTS/floor.jsonl" $BENCH floor
for samples in 1000 5000 15000 30000 60000; do
  run "$RESULTS/pure-samples.jsonl" $BENCH mlp --data "$DATA" --dtype float32 --batch 128 --epochs "$SAMPLE_EPOCHS" --samples $samples
done

if [ "$PURE_ONLY" = 0 ]; then
  rm -f "$RESULTS/peers.jsonl"
  run "$RESULTS/peers.jsonl" env -u OPENBLAS_CORETYPE $PYTHON tests/Benchmarks/peers/compare.py all --data "$DATA" \
    --epochs "$EPOCHS" --epochs-32 "$EPOCHS_32" --sklearn-epochs "$SKLEARN_EPOCHS" --steps "$STEPS" \
    --steps-learning-rate $STEPS_RATE --runs "$GEMM_RUNS"
fi
$PYTHON tests/Benchmarks/peers/compare.py ratios --pure "$RESULTS"/pure-*.jsonl --peers "$RESULTS/peers.jsonl" | tee "$RESULTS/ratios.txt"
COMMANDS+=("$PYTHON tests/Benchmarks/peers/compare.py ratios --pure $RESULTS/pure-*.jsonl --peers $RESULTS/peers.jsonl")

# What the report states about the run.
COMMIT=$(git rev-parse HEAD)
DIRTY=$([ -n "$(git status --porcelain -- src tests/Benchmarks ':!tests/Benchmarks/results')" ] && echo true || echo false)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
CORES=$(nproc)
MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
DOTNET="$(dotnet --version) SDK, $(dotnet --list-runtimes | grep Microsoft.NETCore.App | tail -1 | cut -d' ' -f1-2)"
PEERS=$($PYTHON -c 'import sys, numpy, sklearn; import torch; print(f"Python {sys.version.split()[0]}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, numpy {numpy.__version__}")' 2>/dev/null || echo "not installed")
BLAS=$(env -u OPENBLAS_CORETYPE $PYTHON -c 'import numpy; from threadpoolctl import threadpool_info; i = [x for x in threadpool_info() if x["user_api"] == "blas"][0]; print("%s %s, %s kernels, %s threads" % (i["internal_api"], i["version"], i["architecture"], i["num_threads"]))' 2>/dev/null || echo unknown)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%s\n' "${COMMANDS[@]}" | $PYTHON -c '
import json, sys
commands = [line.rstrip("\n") for line in sys.stdin if line.strip()]
keys = ["date", "commit", "dirty", "cpu", "cores", "memory", "dotnet", "python", "blas", "load_start", "load_end", "quick", "shared_load"]
values = dict(zip(keys, sys.argv[1:]))
for k in ("dirty", "quick", "shared_load"):
    values[k] = values[k] in ("true", "1")
values["commands"] = commands
json.dump(values, open(sys.argv[-1], "w"), indent=1)
' "$(date -u '+%Y-%m-%d %H:%M')" "$COMMIT" "$DIRTY" "$CPU" "$CORES" "$MEMORY" "$DOTNET" "$PEERS" "$BLAS" "$LOAD_START" "$LOAD_END" "$QUICK" "$SHARED" "$RESULTS/meta.json"
$PYTHON tests/Benchmarks/report.py
