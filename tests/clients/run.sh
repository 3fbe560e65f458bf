#!/usr/bin/env bash
# The client-compatibility suite: the official `openai` and `anthropic` Python
# SDKs and the Claude Code CLI, all pinned, against the release `keyway`
# binary in front of the fake upstream (crates/keyway-testkit).
#
# Usage: bash tests/clients/run.sh [pytest args…]
#   KEYWAY_BIN / FAKE_UPSTREAM_BIN  use these binaries instead of building
#   CARGO_TARGET_DIR                where the release build goes (default: target)
#   KEEP_CLIENTS_TMP=1              keep the scratch directory (logs, data)
# Extra arguments go to both pytest runs (e.g. -k tool, -x).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

step() { printf '\n==> %s\n' "$*"; }

# --- binaries ------------------------------------------------------------------
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
if [[ -z "${KEYWAY_BIN:-}" || -z "${FAKE_UPSTREAM_BIN:-}" ]]; then
  step "cargo build --release -p keyway -p keyway-testkit"
  (cd "$root" && cargo build --release -p keyway -p keyway-testkit)
fi
keyway_bin="${KEYWAY_BIN:-$target/release/keyway}"
fake_bin="${FAKE_UPSTREAM_BIN:-$target/release/fake-upstream}"
for b in "$keyway_bin" "$fake_bin"; do
  [[ -x "$b" ]] || { echo "missing binary: $b" >&2; exit 1; }
done

# --- clients -------------------------------------------------------------------
step "python venv (tests/clients/.venv) with pinned openai, anthropic, pytest"
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
# Reinstall only when requirements.txt changed since the last install.
stamp=".venv/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi
.venv/bin/python -c 'import openai, anthropic, pytest; print("openai", openai.__version__, "| anthropic", anthropic.__version__, "| pytest", pytest.__version__)'

step "Claude Code CLI (npm ci, pinned in package-lock.json)"
npm_stamp="node_modules/.keyway-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat "$npm_stamp" 2>/dev/null)" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$npm_stamp"
fi
# The package's postinstall copies the native binary over bin/claude.exe; if
# install scripts did not run, use the platform package's binary directly.
claude_bin=""
for c in node_modules/@anthropic-ai/claude-code-linux-x64/claude \
         node_modules/@anthropic-ai/claude-code-linux-arm64/claude \
         node_modules/.bin/claude; do
  if [[ -x "$c" ]] && "$c" --version >/dev/null 2>&1; then claude_bin="$here/$c"; break; fi
done
[[ -n "$claude_bin" ]] || { echo "no runnable Claude Code binary under node_modules" >&2; exit 1; }
echo "claude: $("$claude_bin" --version)"

# --- fake upstream + Keyway ----------------------------------------------------
scratch="$(mktemp -d "${TMPDIR:-/tmp}/keyway-clients.XXXXXX")"
fake_pid=""
keyway_pid=""
cleanup() {
  local rc=$?
  for pid in "$keyway_pid" "$fake_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ $rc -ne 0 ]]; then
    echo "--- keyway output (last 60 lines) ---"; tail -n 60 "$scratch/keyway.log" 2>/dev/null || true
    echo "--- fake-upstream output ---"; tail -n 20 "$scratch/fake.log" 2>/dev/null || true
  fi
  if [[ "${KEEP_CLIENTS_TMP:-}" == 1 ]]; then echo "scratch kept: $scratch"; else rm -rf "$scratch"; fi
  exit $rc
}
trap cleanup EXIT INT TERM

# Waits until FILE has a line matching REGEX; prints the line.
wait_line() {
  local file=$1 regex=$2 pid=$3
  for _ in $(seq 1 300); do
    if line="$(grep -m1 -E "$regex" "$file" 2>/dev/null)"; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited early:" >&2; cat "$file" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out waiting for /$regex/ in $file" >&2; cat "$file" >&2; return 1
}

step "start fake upstream"
"$fake_bin" 127.0.0.1:0 > "$scratch/fake.log" 2>&1 &
fake_pid=$!
fake_addr="$(wait_line "$scratch/fake.log" '^listening on ' "$fake_pid" | awk '{print $3}')"
echo "fake upstream at $fake_addr"

step "start keyway"
sed -e "s#@OPENAI_BASE@#http://$fake_addr/v1#" -e "s#@ANTHROPIC_BASE@#http://$fake_addr#" keyway.toml > "$scratch/keyway.toml"
mkdir -p "$scratch/data"
export KEYWAY_ADMIN_TOKEN="clients-suite-admin-token-0123456789"
env -u KEYWAY_MASTER_KEY -u KEYWAY_DATABASE_URL -u KEYWAY_ADMIN_PASSWORD NO_COLOR=1 RUST_LOG="${RUST_LOG:-info}" \
  "$keyway_bin" serve --listen 127.0.0.1:0 --data-dir "$scratch/data" --config "$scratch/keyway.toml" \
  > "$scratch/keyway.log" 2>&1 &
keyway_pid=$!
wait_line "$scratch/keyway.log" 'Press Ctrl-C to stop' "$keyway_pid" >/dev/null
keyway_url="$(grep -m1 -E '^ *Listening on' "$scratch/keyway.log" | awk '{print $NF}')"
echo "keyway at $keyway_url"

# Nothing from the caller's environment may steer the clients: SDKs read
# ANTHROPIC_*/OPENAI_* variables and proxies when an argument is missing.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(ANTHROPIC_|OPENAI_|CLAUDE_|CLAUDECODE)|^(https?|all|no)_proxy$|^(HTTPS?|ALL|NO)_PROXY$' || true)
export KEYWAY_URL="$keyway_url"
export KEYWAY_KEY="db_sk_clients_suite_0123456789abcdefghijk"
export KEYWAY_OTHER_KEY="db_sk_clients_others_0123456789abcdefghij"
export KEYWAY_LOG_FILE="$scratch/keyway.log"
export CLAUDE_BIN="$claude_bin"
export PYTHONDONTWRITEBYTECODE=1

# --- tests ---------------------------------------------------------------------
# pytest exits 5 when nothing was collected: fine only when arguments such
# as -k deliberately selected tests of the other run.
run_pytest() {
  local rc=0
  .venv/bin/python -m pytest -p no:cacheprovider -v "$@" "${extra[@]}" || rc=$?
  if [[ $rc -eq 5 && ${#extra[@]} -gt 0 ]]; then rc=0; fi
  return $rc
}
extra=("$@")
failed=0
step "pytest: openai + anthropic SDKs, bridge"
run_pytest test_openai_sdk.py test_anthropic_sdk.py test_bridge.py || failed=1

step "pytest: Claude Code headless"
run_pytest test_claude_code.py || failed=1

if [[ $failed -ne 0 ]]; then
  echo "client compatibility suite FAILED" >&2
  exit 1
fi
echo "client compatibility suite passed"
