#!/usr/bin/env bash
# Applies each erratum of the seed notes to a scratch clone, one at a time, runs the property suite and lists the
# tests that catch it. The suite first runs UNMUTATED in the same scratch clone; a test counts as catching a mutation
# only if it failed under the mutation AND passed unmutated, so a test that fails in any scratch clone (for a reason
# of its own) never makes a mutation look caught. A mutation that no test catches is reported as "NOT CAUGHT" and
# makes the script exit 1; so does an unmutated run with no passing test.
# The scratch clone is of the committed HEAD, in /tmp, with nothing beside it: the Fashion-MNIST tests (category
# FashionMnist, which read only the IDX files and none of the code the errata touch) are left out explicitly, so
# every run sees the same tests whatever PURE_FASHION_MNIST or /usr/share/datasets hold.
# Usage: bash tests/Errata/run-errata.sh [mutation ...]   (needs python3 only to apply the text edits)
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(python3 -c "import sys; sys.path.insert(0, '$root/tests/Errata'); import mutations; print('\n'.join(mutations.MUTATIONS))")
fi
unset PURE_FASHION_MNIST

# Runs the property suite of the scratch clone; writes the test methods that passed (every case of them) to $1.passed
# and those that failed (any case) to $1.failed, one per line, without the Pure.Properties. prefix.
run_suite() {
  dotnet test -c Release --no-build "$scratch/repo/tests/Properties" --filter "Category!=FashionMnist" \
    --logger "console;verbosity=normal" >"$1.log" 2>&1 || true
  grep -oE '^\s+Failed [A-Za-z0-9_.]+' "$1.log" | awk '{print $2}' | sed 's/^Pure\.Properties\.//' | sort -u >"$1.failed" || true
  grep -oE '^\s+Passed [A-Za-z0-9_.]+' "$1.log" | awk '{print $2}' | sed 's/^Pure\.Properties\.//' | sort -u \
    | comm -23 - "$1.failed" >"$1.passed" || true
}

clone() { rm -rf "$scratch/repo" && git clone -q "$root" "$scratch/repo"; }

clone
if ! dotnet build -c Release "$scratch/repo/tests/Properties" >"$scratch/build.log" 2>&1; then
  echo "unmutated: does not compile"; cat "$scratch/build.log"; exit 1
fi
run_suite "$scratch/baseline"
echo "unmutated: $(wc -l <"$scratch/baseline.passed") test methods pass, $(wc -l <"$scratch/baseline.failed") fail$( [ -s "$scratch/baseline.failed" ] && echo " ($(tr '\n' ' ' <"$scratch/baseline.failed")- not counted as catching)")"
if [ ! -s "$scratch/baseline.passed" ]; then echo "FAIL: no test passed unmutated" >&2; exit 1; fi

status=0
for name in "${names[@]}"; do
  clone
  python3 "$root/tests/Errata/mutations.py" "$name" "$scratch/repo" >/dev/null
  if ! dotnet build -c Release "$scratch/repo/tests/Properties" >"$scratch/build.log" 2>&1; then
    echo "$name: does not compile"; status=1; continue
  fi
  run_suite "$scratch/mutated"
  caught=$(comm -12 "$scratch/mutated.failed" "$scratch/baseline.passed" | tr '\n' ' ')
  if [ -z "$caught" ]; then echo "$name: NOT CAUGHT"; status=1; else echo "$name: caught by $caught"; fi
done
exit $status
