#!/bin/sh
# Regenerates src/Pure.Onnx/Proto/Onnx.cs from src/Pure.Onnx/Proto/onnx.proto with the protoc of the NuGet package
# Google.Protobuf.Tools 3.36.2 (restored into the NuGet cache by src/Pure.Onnx/Pure.Onnx.csproj).
# Usage (from anywhere): sh tools/onnx/regenerate.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dotnet restore "$root/src/Pure.Onnx/Pure.Onnx.csproj" >/dev/null
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
protoc="$cache/google.protobuf.tools/3.36.2/tools/linux_x64/protoc"
chmod +x "$protoc" 2>/dev/null || true
proto="$root/src/Pure.Onnx/Proto"
# protoc runs on a copy with one added line, option csharp_namespace = "Pure.OnnxSchema": onnx.proto's package onnx
# would put the types in the global namespace Onnx, which hides the class Pure.Onnx from code outside namespace Pure
# (Onnx.Export would name the namespace). The committed onnx.proto stays as ONNX ships it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's/^package onnx;$/package onnx;\noption csharp_namespace = "Pure.OnnxSchema";/' "$proto/onnx.proto" > "$work/onnx.proto"
grep -q '^option csharp_namespace = "Pure.OnnxSchema";$' "$work/onnx.proto"
"$protoc" --proto_path="$work" --csharp_out="$proto" --csharp_opt=internal_access "$work/onnx.proto"
# The generated code is not ours to document or annotate: nullable context off and warnings off for this file only.
tmp="$proto/Onnx.cs.tmp"
{ printf '#nullable disable\n#pragma warning disable\n'; cat "$proto/Onnx.cs"; } > "$tmp"
mv "$tmp" "$proto/Onnx.cs"
echo "regenerated $proto/Onnx.cs with $("$protoc" --version)"
