#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) in an optimised build,
# with a seed from the clock unless FUZZ_SEED is set. Crashing inputs land in
# target/fuzz-crashes/<target>/; copy one into tests/fixtures/fuzz/<target>/
# once fixed, so the test suite replays it forever.
#
#   scripts/fuzz.sh 300            # five minutes per target
#   FUZZ_TARGET=yaml scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
export FUZZ_SECONDS="$seconds"
export FUZZ_SEED="${FUZZ_SEED:-$(date +%s)}"
echo "fuzz: ${seconds}s per target, seed ${FUZZ_SEED}" >&2
exec cargo test --release --locked --test fuzz -- --nocapture --test-threads 1
