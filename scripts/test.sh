#!/usr/bin/env bash
# The whole test suite: Rust unit + end-to-end tests (SQLite and the local
# PostgreSQL), then the client suites (official SDKs, Claude Code, browser)
# when their directories exist. Usage: scripts/test.sh [--rust-only]
set -euo pipefail
cd "$(dirname "$0")/.."

export KEYWAY_TEST_PG_URL="${KEYWAY_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

echo "==> cargo test (workspace)"
cargo test --workspace --all-targets

if [[ "${1:-}" == "--rust-only" ]]; then
  exit 0
fi

if [[ -x tests/clients/run.sh || -f tests/clients/run.sh ]]; then
  echo "==> client compatibility suite (openai/anthropic SDKs, Claude Code)"
  bash tests/clients/run.sh
fi

if [[ -f tests/browser/run.sh ]]; then
  echo "==> admin UI browser suite (Chromium)"
  bash tests/browser/run.sh
fi

if [[ -d crates/keyway-bench ]]; then
  echo "==> benchmark smoke run"
  cargo run -p keyway-bench --release -- --quick
fi
echo "==> all tests passed"
