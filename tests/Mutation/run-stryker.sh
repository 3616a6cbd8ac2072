#!/usr/bin/env bash
# Mutation testing of Pure's core with Stryker.NET 5.1.0 (a local dotnet tool: .config/dotnet-tools.json).
# Not part of CI. Runs one source file at a time, each against the property-test classes that cover it,
# because a run over the whole suite compiles every mutant of src/Pure and its coverage run does not finish
# in reasonable time. Reports go to StrykerOutput/<file>/ (ignored by git).
#
# Usage: tests/Mutation/run-stryker.sh [file ...]   e.g. tests/Mutation/run-stryker.sh Backprop.cs Model/Loss.cs
# With no argument every file below is run in turn. CONCURRENCY (default 2) sets Stryker's test processes.
# TOGETHER=1 mutates all the named files in one Stryker run against the union of their test classes: the
# mutants of src/Pure are compiled once and the coverage run happens once (reports in StrykerOutput/together/).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
concurrency="${CONCURRENCY:-2}"

# Test classes that cover each file (namespace Pure.Properties).
declare -A classes=(
  [Backprop.cs]="GradientProperties AdjointProperties HandComputedTests BatchProperties ShapeProperties BadInputTests PurityProperties SoftmaxProperties MutationKillTests ModelGuardTests"
  [Optimizers/Optimizer.cs]="OptimizerTests DescentProperties InPlaceTrainingProperties BadInputTests PurityProperties HandComputedTests MutationKillTests OptimizerGuardTests"
  [Optimizers/InPlaceTransforms.cs]="OptimizerTests InPlaceTrainingProperties DescentProperties MutationKillTests InPlaceTransformKillTests"
  [Optimizers/OptimizerState.cs]="OptimizerTests CheckpointTests BadInputTests MutationKillTests OptimizerGuardTests"
  [Model/Activation.cs]="ActivationAndLossTests VectorActivationTests SoftmaxProperties GradientProperties BadInputTests ModelFileTests MutationKillTests ModelGuardTests"
  [Model/Loss.cs]="ActivationAndLossTests SoftmaxProperties GradientProperties HandComputedTests BadInputTests ModelFileTests MutationKillTests ModelGuardTests"
  [Model/DenseLayer.cs]="BadInputTests ShapeProperties ListOverloadTests ModelFileTests MutationKillTests ModelGuardTests"
  [Model/Network.cs]="BadInputTests ShapeProperties ModelFileTests NpzTests ListOverloadTests MutationKillTests ModelGuardTests"
  [Model/Parameters.cs]="BadInputTests ShapeProperties OptimizerTests CheckpointTests NpzTests MutationKillTests ModelGuardTests"
  [Model/Model.cs]="ModelFileTests CheckpointTests BadInputTests MutationKillTests ModelGuardTests"
  [Model/Results.cs]="TrainingProperties BadInputTests MutationKillTests ModelGuardTests"
)
order=(Backprop.cs Optimizers/Optimizer.cs Optimizers/InPlaceTransforms.cs Optimizers/OptimizerState.cs
       Model/Loss.cs Model/Activation.cs Model/DenseLayer.cs Model/Network.cs Model/Parameters.cs Model/Model.cs Model/Results.cs)
files=("$@")
[ ${#files[@]} -eq 0 ] && files=("${order[@]}")

run() { # $1 = output name, $2 = filter, rest = files to mutate
  local out="$root/StrykerOutput/$1" filter="$2"; shift 2
  local mutate=() f
  for f in "$@"; do mutate+=(--mutate "**/src/Pure/$f"); done
  echo "== $*  ($(date -u +%H:%M:%S) UTC)  filter: $filter"
  local start; start=$(date +%s)
  (cd tests/Properties && dotnet stryker \
      --project Pure.csproj \
      "${mutate[@]}" \
      --test-case-filter "$filter" \
      --configuration Release \
      --concurrency "$concurrency" \
      --reporter Progress --reporter ClearText --reporter Json --reporter Html \
      --output "$out" \
      --skip-version-check)
  echo "== $* done in $(( $(date +%s) - start )) s; reports in $out/reports"
}

for file in "${files[@]}"; do
  [ -n "${classes[$file]:-}" ] || { echo "No test classes listed for '$file'; expected one of: ${order[*]}" >&2; exit 2; }
done

if [ "${TOGETHER:-0}" = 1 ]; then
  declare -A seen=()
  filter=""
  for file in "${files[@]}"; do
    for c in ${classes[$file]}; do
      [ -n "${seen[$c]:-}" ] && continue
      seen[$c]=1
      filter="${filter:+$filter|}FullyQualifiedName~Pure.Properties.$c."
    done
  done
  run together "$filter" "${files[@]}"
  exit 0
fi

for file in "${files[@]}"; do
  filter=""
  for c in ${classes[$file]}; do filter="${filter:+$filter|}FullyQualifiedName~Pure.Properties.$c."; done
  run "${file//\//-}" "$filter" "$file"
done
