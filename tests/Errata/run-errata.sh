#!/usr/bin/env bash
# Applies each erratum of the seed notes to a scratch clone, one at a time, runs the whole test suite and lists
# the tests that fail. A mutation that no test catches is reported as "NOT CAUGHT" and makes the script exit 1.
# Usage: bash tests/Errata/run-errata.sh [mutation ...]   (needs python3 only to apply the text edits)
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(python3 -c "import sys; sys.path.insert(0, '$root/tests/Errata'); import mutations; print('\n'.join(mutations.MUTATIONS))")
fi
status=0
for name in "${names[@]}"; do
  rm -rf "$scratch/repo" && git clone -q "$root" "$scratch/repo"
  python3 "$root/tests/Errata/mutations.py" "$name" "$scratch/repo" >/dev/null
  if ! dotnet build -c Release "$scratch/repo/tests/Properties" >"$scratch/build.log" 2>&1; then
    echo "$name: does not compile"; status=1; continue
  fi
  dotnet test -c Release --no-build "$scratch/repo/tests/Properties" >"$scratch/test.log" 2>&1 || true
  failed=$(grep -oE '^\s+Failed [A-Za-z0-9_.]+' "$scratch/test.log" | awk '{print $2}' | sed 's/^Pure\.Properties\.//' | sort -u | tr '\n' ' ')
  if [ -z "$failed" ]; then echo "$name: NOT CAUGHT"; status=1; else echo "$name: caught by $failed"; fi
done
exit $status
