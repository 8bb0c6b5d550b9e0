#!/usr/bin/env bash
# Runs `cargo bench --bench verify` several times and prints, for each row, the median over the
# runs of axum-jwt-guard's time, jsonwebtoken's, the floors and their ratios (each ratio taken within
# one run, whose two sides were measured less than a minute apart).
#
# Usage: bench/verify.sh [runs]   (default 3; about 4 minutes per run on 2 cores)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
out="$repo/target/verify-runs"
rm -rf "$out"
for i in $(seq 1 "$runs"); do
  echo "run $i of $runs" >&2
  # criterion's progress lines go to stderr; errors still show.
  (cd "$repo" && cargo bench -q --bench verify -- --warm-up-time 1 --measurement-time 4 \
    --noplot 2>&1 >/dev/null) | { grep -v '^Benchmarking' >&2 || true; }
  mkdir -p "$out/$i"
  # Keep only what ratios.py reads: <group>/<function>/new/estimates.json.
  (cd "$repo/target/criterion" && find . -path '*/new/estimates.json' \
    -exec cp --parents {} "$out/$i/" \;)
done
python3 "$repo/bench/ratios.py" "$out"/*
