#!/usr/bin/env bash
# The comparison script: every side-by-side run of docs/comparison.md, one after the other, from the repository root.
# Needs Python 3 with scikit-learn (Debian: apt-get install python3-sklearn); the library and its tests never do.
# Peers run at their strongest: OPENBLAS_CORETYPE unset (AVX-512 kernels).
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build Pure.sln -c Release --nologo -v quiet
PY=${PYTHON:-/usr/bin/python3}
echo "== digits (Adam, defaults)";  env -u OPENBLAS_CORETYPE "$PY" docs/comparison/digits.py
echo "== L-BFGS";                   env -u OPENBLAS_CORETYPE "$PY" docs/comparison/lbfgs.py
echo "== regression (diabetes)";    env -u OPENBLAS_CORETYPE "$PY" docs/comparison/regression.py --repeat 5
