#!/bin/bash
# How docs/examples/diabetes.json was chosen: settings tried on train.csv only (written by regression.py), each scored by
# the R² on Pure's own 25% hold-out of train.csv for seeds 1, 2 and 3 (each seed: another hold-out and other initial
# weights); test.csv is never read. Prints "layers epochs weight-decay mean-R² R²(seed 1) R²(seed 2) R²(seed 3)".
# Usage, from the project's root after regression.py has run: docs/comparison/regression-tuning.sh
P=${PURE:-"dotnet src/Pure.Cli/bin/Release/net10.0/Pure.Cli.dll"}
T=${TRAIN:-runs/comparison-regression/train.csv}
OUT=$(mktemp -d)
for layers in 8 16 32; do for epochs in 50 150 300; do for wd in 0 0.01 0.1; do
  r2s=""
  for seed in 1 2 3; do
    r2s="$r2s $($P train --task regression --data "$T" --validation-fraction 0 --layers $layers --epochs $epochs --weight-decay $wd --seed $seed --output "$OUT/run" | sed -n 's/^test R2: //p')"
  done
  echo "$layers $epochs $wd $(echo $r2s | awk '{printf "%.4f", ($1+$2+$3)/3}') $r2s"
done; done; done
rm -rf "$OUT"
