#!/usr/bin/env bash
# The browser suite: Debian's chromium driven by playwright-core through the
# admin UI of the release binary, against the fake upstream. Screenshots go to
# test-output/browser/. Usage: bash tests/browser/run.sh
# (set KEYWAY_BIN / FAKE_UPSTREAM_BIN to skip the release build).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

# Debian's chromium (no browser download) and CJK fonts for the 中文 screenshots.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# playwright-core only: it drives the system chromium and downloads no browser.
npm ci --no-audit --no-fund --silent

if [ -z "${KEYWAY_BIN:-}" ]; then
  (cd "$root" && cargo build --release -p keyway -p keyway-testkit)
fi
node --test admin-flow.test.js
