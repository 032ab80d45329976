#!/usr/bin/env bash
# Hoshi's browser tests: starts `hoshi demo` on a free port with a fresh data
# folder, runs the tests in tests/ with Node's test runner against it in
# headless Debian Chromium (playwright-core), stops the server, and exits
# with the test runner's status.
#
#   bash e2e/run.sh
#
# HOSHI_BIN     the hoshi binary (default: $CARGO_TARGET_DIR/debug/hoshi, or
#               ../target/debug/hoshi from this folder; built if missing)
# CHROMIUM_PATH the browser (default /usr/bin/chromium; installed if missing)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$here"

# --- the browser ----------------------------------------------------------
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "e2e: installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# --- playwright-core ------------------------------------------------------
if [ ! -d node_modules/playwright-core ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# --- the server binary ----------------------------------------------------
if [ -z "${HOSHI_BIN:-}" ]; then
  target="${CARGO_TARGET_DIR:-$repo/target}"
  case "$target" in /*) ;; *) target="$repo/$target" ;; esac
  HOSHI_BIN="$target/debug/hoshi"
  if [ ! -x "$HOSHI_BIN" ]; then
    echo "e2e: $HOSHI_BIN is missing; building it" >&2
    (cd "$repo" && cargo build --bin hoshi)
  fi
fi
if [ ! -x "$HOSHI_BIN" ]; then
  echo "e2e: no hoshi binary at $HOSHI_BIN" >&2
  exit 1
fi

# --- start the demo server ------------------------------------------------
mkdir -p test-results
data="$(mktemp -d "${TMPDIR:-/tmp}/hoshi-e2e.XXXXXX")"
log="$here/test-results/server.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
url="http://127.0.0.1:$port"
"$HOSHI_BIN" demo --addr "127.0.0.1:$port" --data "$data" >"$log" 2>&1 &
server_pid=$!

healthy() {
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null --max-time 2 "$url/healthz" 2>/dev/null
  else
    node -e "fetch('$url/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  fi
}
deadline=$((SECONDS + 30))
until healthy; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: hoshi demo exited before answering; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "e2e: hoshi demo did not answer $url/healthz within 30s; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "e2e: hoshi demo is up at $url (log: $log)"

# --- the tests ------------------------------------------------------------
status=0
HOSHI_URL="$url" node --test tests/*.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: failed; screenshots and the server log are in $here/test-results/" >&2
fi
exit "$status"
