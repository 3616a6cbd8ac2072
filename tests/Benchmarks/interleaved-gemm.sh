#!/usr/bin/env bash
# Alternates Pure's gemm mode and numpy/OpenBLAS (compare.py gemm) ROUNDS times on the same shapes, so that both see
# the same state of a shared, noisy machine; prints their JSON lines with a "round" field. docs/performance.md quotes
# the median over rounds of Pure / OpenBLAS per shape.
#   bash tests/Benchmarks/interleaved-gemm.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
dotnet build tests/Benchmarks -c Release -nologo -v quiet >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  dotnet tests/Benchmarks/bin/Release/net10.0/Benchmarks.dll gemm --runs 15 --mathnet no | sed "s/^{/{\"round\":$round,/"
  env -u OPENBLAS_CORETYPE /usr/bin/python3 tests/Benchmarks/peers/compare.py gemm --runs 15 | sed "s/^{/{\"round\": $round, /"
done
