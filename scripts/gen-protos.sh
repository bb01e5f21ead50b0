#!/bin/sh
# Regenerates the committed protobuf-c code from formats/*.proto (called by `make protos`).
# The generated header pins the protobuf-c version, so run this with the installed protoc-c
# whenever the library or a schema changes, and commit the result.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/formats"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ONNX → Sources/CONNX (source next to the target, header in its public include folder).
protoc-c --c_out="$tmp" onnx.proto
# The .c includes "onnx.pb-c.h", which SwiftPM finds through the target's include folder.
cp "$tmp/onnx.pb-c.c" "$root/Sources/CONNX/onnx.pb-c.c"
cp "$tmp/onnx.pb-c.h" "$root/Sources/CONNX/include/onnx.pb-c.h"
echo "regenerated Sources/CONNX from formats/onnx.proto with $(protoc-c --version | head -n 1)"
