#!/usr/bin/env bash
# The test command: installs what the tests need, then runs lints, the rules'
# inline tests and the whole test suite against real components.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
cargo run --quiet --locked -- rules test
