#!/usr/bin/env bash
# Packs every library under src/ (each project that is not a .NET tool: Pure, and Pure.Testing and Pure.FSharp where
# they exist) into a temporary local folder feed, then uses the packages as a user does:
# - runs every docs/*.fsx with dotnet fsi against the feed (#i "nuget: <folder>" then #r "nuget: Pure, *-*");
# - builds and runs .ci/console-check, a C# console program with PackageReferences to Pure (and Pure.Testing) at the
#   version just packed, copied to a temporary folder and restored from the feed.
# Stops at the first failure. Needs only the .NET SDK and the NuGet registry.
#
# Each commit packs a distinct version (MinVer, src/Directory.Build.props), so a re-pack is never shadowed by the
# NuGet cache. The runs still use a private, empty NUGET_PACKAGES folder, deleted at the end, and the script checks
# that every package they restored is byte for byte the one just made.
#
# #i "nuget: <folder>" takes an absolute folder only (a relative one is an "Invalid URI"), and a directive cannot be
# computed: each script names /tmp/pure-packages, the folder its header tells a user to pack into; this script runs a
# copy of each one whose #i line names the fresh feed instead, and changes nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed=$work/feed

ids=()
for project in src/*/*.csproj src/*/*.fsproj; do
    [[ -f $project ]] || continue
    if grep -q '<PackAsTool>true</PackAsTool>' "$project"; then echo "skipped $project: a .NET tool"; continue; fi
    if grep -q '<IsPackable>false</IsPackable>' "$project"; then echo "skipped $project: not packable"; continue; fi
    id=$(sed -n 's|.*<PackageId>\(.*\)</PackageId>.*|\1|p' "$project" | head -n 1)
    [[ -n $id ]] || id=$(basename "${project%.*}")
    step "pack: dotnet pack $project -c Release -o $feed"
    dotnet pack "$project" -c Release -o "$feed" -nologo
    ids+=("$id")
done
if [[ ! " ${ids[*]} " =~ " Pure " ]]; then echo "FAIL: src/Pure was not packed (packed: ${ids[*]})" >&2; exit 1; fi

# Every package of one commit has the same version; read it from Pure's file name.
version=
for package in "$feed"/Pure.*.nupkg; do
    name=${package##*/Pure.}
    if [[ $name =~ ^[0-9] ]]; then version=${name%.nupkg}; fi
done
if [[ -z $version ]]; then echo "FAIL: no Pure.<version>.nupkg in $feed: $(ls "$feed")" >&2; exit 1; fi
for id in "${ids[@]}"; do
    package=$feed/$id.$version.nupkg
    if [[ ! -f $package ]]; then echo "FAIL: expected $package (all packages of a commit share one version), found: $(ls "$feed")" >&2; exit 1; fi
    echo "made $(basename "$package") ($(wc -c < "$package") bytes)"
done

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

step "C# console check: .ci/console-check against Pure $version from the feed"
check=$work/console-check
cp -r .ci/console-check "$check"
cat > "$check/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="pure-feed" value="$feed" />
  </packageSources>
</configuration>
CONFIG
with_testing=false
arguments=()
if [[ -f $feed/Pure.Testing.$version.nupkg ]]; then with_testing=true; arguments=(Pure.Testing); fi
dotnet build "$check/ConsoleCheck.csproj" -c Release -nologo -p:PureVersion="$version" -p:WithPureTesting=$with_testing
status=0
dotnet "$check/bin/Release/net10.0/ConsoleCheck.dll" "${arguments[@]}" || status=$?
if (( status != 0 )); then echo "FAIL: the C# console check exited with code $status" >&2; exit 1; fi

step "check: the scripts and the console check ran the packages just made"
for id in "${ids[@]}"; do
    lower=${id,,}
    [[ -d $NUGET_PACKAGES/$lower ]] || { echo "$id: not restored by any script or check"; continue; }
    restored=$NUGET_PACKAGES/$lower/$version/$lower.$version.nupkg
    if ! cmp -s "$feed/$id.$version.nupkg" "$restored"; then
        echo "FAIL: the $id the scripts restored ($restored) is not the package just made ($feed/$id.$version.nupkg)" >&2
        exit 1
    fi
    others=$(find "$NUGET_PACKAGES/$lower" -mindepth 1 -maxdepth 1 ! -name "$version")
    if [[ -n $others ]]; then echo "FAIL: other versions of $id were restored: $others" >&2; exit 1; fi
    echo "$id $version from the local feed, identical to $id.$version.nupkg"
done
echo "${#scripts[@]} scripts and the C# console check passed"

step "done"
