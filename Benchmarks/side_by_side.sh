#!/usr/bin/env bash
# imprint vs onnxruntime, side by side (Benchmarks/side_by_side.py): makes a virtual environment
# with onnxruntime, onnx and numpy from PyPI under .build/bench-venv, once, and runs the comparison
# with the release build. Skipped, with the reason, when the environment cannot be made.
# Usage: Benchmarks/side_by_side.sh [side_by_side.py options, e.g. --threads 2 --skip-resnet50]
set -euo pipefail
cd "$(dirname "$0")/.."
IMPRINT=${IMPRINT:-.build/release/imprint}
VENV=.build/bench-venv
WORK=.build/bench
PYTHON=${PYTHON:-python3}

if [ ! -x "$IMPRINT" ]; then
  echo "side_by_side: $IMPRINT is missing; run 'make release' first" >&2
  exit 66
fi
mkdir -p "$WORK"
if ! "$VENV/bin/python" -c 'import onnxruntime, onnx, numpy' 2>/dev/null; then
  if ! { "$PYTHON" -m venv "$VENV" && "$VENV/bin/pip" install -q onnxruntime onnx numpy; } >"$WORK/venv.log" 2>&1; then
    echo "side_by_side: SKIPPED: could not install onnxruntime, onnx and numpy into $VENV (see $WORK/venv.log)"
    exit 0
  fi
fi
exec "$VENV/bin/python" Benchmarks/side_by_side.py --imprint "$IMPRINT" --workdir "$WORK" "$@"
