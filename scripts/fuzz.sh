#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (release, with the fuzzer and address sanitizers) and runs
# each for FUZZ_SECONDS on a fresh copy of its committed seed corpus, one target at a time; then
# prints executions and crashes per target. Usage: scripts/fuzz.sh SECONDS [TARGET...]
# New corpus entries and crash inputs go to Fuzz/work/<target>/ (gitignored); the committed corpus
# under Fuzz/corpus/ is never written. Fork mode (one worker) keeps a target running after a crash,
# a timeout or an out-of-memory input, so every target gets its full time and crashes are counted.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
ALL_TARGETS=(onnx keras-h5 keras-archive plan npy idx device-spec periphery hdf5-dataset readback defect-map characterisation)
[ $# -gt 0 ] && TARGETS=("$@") || TARGETS=("${ALL_TARGETS[@]}")
SWIFT=${SWIFT:-swift}
NICE=${FUZZ_NICE:-nice -n 10}

# Two things to get right. SwiftPM's `--sanitize fuzzer` links libFuzzer's main (and keeps its own
# `main` alias out); but `--sanitize fuzzer --sanitize address` hands swiftc two `-sanitize=` flags in
# an order that changes from build to build, and swiftc keeps only the last, so the Swift code got
# coverage or ASan, never both. The combined flag, passed after SwiftPM's, wins. C targets (the
# protobuf-c code) get the same through clang, which adds up its -fsanitize flags.
FLAGS=(-c release --package-path Fuzz --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
echo "== building Fuzz/ (release, -sanitize=fuzzer,address)"
$NICE $SWIFT build "${FLAGS[@]}" || exit 1
BIN=$($SWIFT build "${FLAGS[@]}" --show-bin-path)
# A build without coverage fuzzes blind, one without ASan misses memory errors: refuse both rather
# than report meaningless numbers.
probe=$BIN/Datasets.build/NPYFormat.swift.o
if [ "$(objdump -h "$probe" | grep -c __sancov_cntrs)" -eq 0 ] || [ "$(nm "$probe" | grep -c __asan_report)" -eq 0 ]; then
  echo "$probe lacks coverage counters or ASan checks: the Swift code is not instrumented" >&2; exit 1
fi
for t in "${TARGETS[@]}"; do
  counters=$(ASAN_OPTIONS=detect_leaks=0 "$BIN/fuzz-$t" -runs=0 2>&1 | sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' | head -1)
  if [ "${counters:-0}" -lt 5000 ]; then echo "fuzz-$t has ${counters:-no} coverage counters: not instrumented" >&2; exit 1; fi
done

# Leaks found at exit are HDF5's and the Swift runtime's caches, not per-input growth; an input that
# grows memory without bound still ends as an out-of-memory crash (-rss_limit_mb, -malloc_limit_mb).
# An impossible allocation (petabytes, read from a damaged HDF5 header) returns NULL as glibc's malloc
# does, so the library's own error path runs; anything above 2 GiB is still reported.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export ASAN_OPTIONS
results=()
for t in "${TARGETS[@]}"; do
  work=Fuzz/work/$t
  artifacts=$work/artifacts-$(date +%Y%m%d-%H%M%S)
  rm -rf "$work/corpus" && mkdir -p "$work/corpus" "$artifacts"
  cp Fuzz/corpus/"$t"/* "$work/corpus/"
  log=$work/fuzz.log
  echo "== fuzz-$t for ${SECONDS_PER_TARGET}s (log: $log)"
  start=$(date +%s)
  $NICE "$BIN/fuzz-$t" "$work/corpus" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  # The last status line: "#<executions>: cov: … exec/s: <rate> oom/timeout/crash: <o>/<t>/<c> time: …"
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
  rate=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  failures=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$last")
  saved=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  results+=("$(printf '%-14s %12s %18s %7s %8s %8s %5s' "$t" "${execs:-?}" "${failures:-?}" "$saved" "${rate:-?}" "$elapsed" "$status")")
  [ "$saved" -gt 0 ] && grep -m3 -E '^SUMMARY' "$log"
done
echo
printf '%-14s %12s %18s %7s %8s %8s %5s\n' target executions oom/timeout/crash inputs exec/s seconds exit
printf '%s\n' "${results[@]}"
echo "(inputs: failing inputs saved under Fuzz/work/<target>/artifacts-<time>/; reproduce with Fuzz/.build/release/fuzz-<target> FILE)"
