#!/usr/bin/env bash
# Packs src/Pure into a temporary local folder feed and runs every docs/*.fsx with dotnet fsi against that package,
# as a user references it (#i "nuget: <folder>" then #r "nuget: Pure"). Stops at the first script that fails.
# Needs only the .NET SDK and the NuGet registry (FSharp.Core, FsCheck and Pure's dependencies come from there).
#
# Two details of dotnet fsi shape this script:
# - #i "nuget: <folder>" takes an absolute folder only (a relative one is an "Invalid URI"), and a directive cannot be
#   computed. Each script names /tmp/pure-packages, the folder its header tells a user to pack into; this script runs
#   a copy of each one whose #i line names the fresh feed instead, and changes nothing else.
# - Restored packages are cached by id and version: a re-packed Pure 0.1.0 would be served stale from
#   ~/.nuget/packages. The runs therefore use a private, empty NUGET_PACKAGES folder, deleted at the end, and the
#   script checks that the Pure they restored is byte for byte the package just made.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed=$work/feed

step "pack: dotnet pack src/Pure -c Release -o $feed"
dotnet pack src/Pure -c Release -o "$feed" -nologo
packages=("$feed"/Pure.*.nupkg)
if (( ${#packages[@]} != 1 )) || [[ ! -f ${packages[0]} ]]; then
    echo "FAIL: expected one Pure.*.nupkg in $feed, found: ${packages[*]}" >&2
    exit 1
fi
package=${packages[0]}
version=${package##*/Pure.}
version=${version%.nupkg}
echo "made $(basename "$package") ($(wc -c < "$package") bytes)"

export NUGET_PACKAGES=$work/nuget-packages
mkdir -p "$work/scripts"
scripts=(docs/*.fsx)
if [[ ! -f ${scripts[0]} ]]; then echo "FAIL: no docs/*.fsx to run" >&2; exit 1; fi
for script in "${scripts[@]}"; do
    sources=$(grep -c '^#i "nuget: ' "$script" || true)
    if (( sources != 1 )); then
        echo "FAIL: $script must have exactly one '#i \"nuget: <folder>\"' line, found $sources" >&2
        exit 1
    fi
    copy=$work/scripts/$(basename "$script")
    sed "s|^#i \"nuget: .*\"\$|#i \"nuget: $feed\"|" "$script" > "$copy"
    step "dotnet fsi $script (run as $copy, #i \"nuget: $feed\")"
    start=$SECONDS
    status=0
    dotnet fsi "$copy" || status=$?
    if (( status != 0 )); then
        echo "FAIL: $script exited with code $status (it ran as a copy whose only change is its #i line)" >&2
        exit 1
    fi
    echo "$script passed in $((SECONDS - start)) s"
done

step "check: the scripts ran the package just made"
restored=$NUGET_PACKAGES/pure/$version/pure.$version.nupkg
if ! cmp -s "$package" "$restored"; then
    echo "FAIL: the Pure the scripts restored ($restored) is not the package just made ($package)" >&2
    exit 1
fi
others=$(find "$NUGET_PACKAGES/pure" -mindepth 1 -maxdepth 1 ! -name "$version")
if [[ -n $others ]]; then echo "FAIL: other versions of Pure were restored: $others" >&2; exit 1; fi
echo "Pure $version from the local feed, identical to $(basename "$package"); ${#scripts[@]} scripts passed"

step "done"
