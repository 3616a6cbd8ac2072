#!/usr/bin/env bash
# Alternates Pure and PyTorch (1 thread, its faster setting here, with its BLAS limited to 1 thread too, as compare.py all does) on the same training configurations, ROUNDS times,
# so that both see the same state of a shared, noisy machine; prints one JSON line per run. The medians of the
# per-round ratios are what docs/performance.md quotes as the interleaved comparison.
#   bash tests/Benchmarks/interleaved.sh [ROUNDS] [EPOCHS]   (defaults 3 and 4)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}; EPOCHS=${2:-4}; DATA=../shared/data/fashion-mnist
BENCH="dotnet tests/Benchmarks/bin/Release/net10.0/Benchmarks.dll"
dotnet build tests/Benchmarks -c Release -nologo -v quiet >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  for config in "float32 128" "float32 32" "float64 128" "float64 32"; do
    set -- $config
    $BENCH mlp --data "$DATA" --dtype "$1" --batch "$2" --epochs "$EPOCHS" | sed "s/^{/{\"round\":$round,/"
    env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/python3 tests/Benchmarks/peers/compare.py torch --data "$DATA" --dtype "$1" --batch "$2" \
      --epochs "$EPOCHS" --threads 1 | sed "s/^{/{\"round\": $round, /"
  done
done
