#!/usr/bin/env bash
# Registry reads over HTTP: `hoshi serve` (release, SQLite) against nginx serving the very same
# response bodies as static files, both loaded by wrk from this machine in the same run, and bulk
# verification of 3,000 and 10,000 numbers against one SQL IN query on the same database.
#   bench/http.sh [--firms N] [--seconds S] [--data DIR]   (default a generated 40,000-firm world: ~3,600 certificates; 5 s each)
#   bench/http.sh --smoke                                  (debug build, 300 firms, 1 s; the test command)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release firms=40000 secs=5 data= sizes="3000 10000"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) profile=debug firms=300 secs=1 sizes="100 300" ;;
    --firms) firms=$2; shift ;;
    --seconds) secs=$2; shift ;;
    --data) data=$2; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
. bench/need.sh
need wrk wrk
need nginx-light nginx
need sqlite3 sqlite3
need curl curl
if [ "$profile" = release ]; then cargo build --quiet --release --bin hoshi; else cargo build --quiet --bin hoshi; fi
hoshi="${CARGO_TARGET_DIR:-target}/$profile/hoshi"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "$data" ]; then
  data="$work/data"
  HOSHI_LOG=warn "$hoshi" gen --firms "$firms" --seed 2026 --out "$work/world" --data "$data" >/dev/null
fi
db="$data/hoshi.db"
port=$((20000 + RANDOM % 20000)); nport=$((port + 1))
# wrk is one client at full speed: the per-client registry API limit (600/min) is turned off, as
# nginx has none; the limit's own cost is one mutex-guarded map lookup per request.
HOSHI_LOG=warn "$hoshi" serve --data "$data" --addr "127.0.0.1:$port" --registry-rate-limit 0 >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
read -r cn serial < <(sqlite3 -separator ' ' "$db" "SELECT o.corporate_number, c.serial FROM certificates c JOIN organizations o ON o.id = c.org_id WHERE c.state = 'active' ORDER BY c.serial LIMIT 1")
name=$(sqlite3 "$db" "SELECT substr(name_ja, 1, 2) FROM organizations o JOIN certificates c ON c.org_id = o.id LIMIT 1")
q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$name")
size=$(curl -sf "http://127.0.0.1:$port/log/checkpoint" | sed -n 2p)
if [ "$size" -ge 256 ]; then tile=/log/tile/0/000 tlabel="full hash tile"; else tile="/log/tile/0/000.p/$size" tlabel="partial hash tile"; fi
# What each workload asks for, and the static file nginx serves with the same body.
paths=("/api/v1/registry/companies/$cn" "/registry" "/registry?q=$q" "/registry/certificates/$serial" "/log/checkpoint" "$tile")
files=(company.json list.html search.html certificate.html checkpoint.txt tile.bin)
labels=("company JSON" "list page" "search page" "certificate page" "checkpoint" "$tlabel")
mkdir -p "$work/www"
for i in "${!paths[@]}"; do
  curl -sf -H 'accept-language: ja' "http://127.0.0.1:$port${paths[$i]}" -o "$work/www/${files[$i]}" || { echo "FAIL: GET ${paths[$i]}" >&2; exit 1; }
done
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/json json; text/html html; text/plain txt; application/octet-stream bin; }
  server { listen 127.0.0.1:$nport; root $work/www; }
}
NGINX
nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/checkpoint.txt" >/dev/null && break; sleep 0.1; done
rps() { wrk -t2 -c32 -d"${secs}s" -H 'accept-language: ja' "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "registry reads over HTTP, $(nproc) cores, wrk -t2 -c32 -d${secs}s, $(date -u +%F)"
echo "| workload | Hoshi req/s | nginx req/s (same body) | ratio Hoshi/nginx (target ≥ 0.5) | body bytes |"
echo "|---|---|---|---|---|"
json="{"
for i in "${!paths[@]}"; do
  h=$(rps "http://127.0.0.1:$port${paths[$i]}")
  n=$(rps "http://127.0.0.1:$nport/${files[$i]}")
  bytes=$(stat -c %s "$work/www/${files[$i]}")
  ratio=$(python3 -c "print(f'{$h / $n:.2f}')")
  echo "| ${labels[$i]} | $h | $n | $ratio | $bytes |"
  json="$json\"${files[$i]}\": {\"hoshi\": $h, \"nginx\": $n},"
done
echo
echo "| bulk verification over HTTP | Hoshi median | one SQL IN query (same DB) | ratio | target |"
echo "|---|---|---|---|---|"
total=$(sqlite3 "$db" "SELECT COUNT(*) FROM organizations")
for n in $sizes; do
  [ "$total" -ge "$n" ] || { echo "| $n numbers | (only $total organisations) | | | |"; continue; }
  out=$(python3 bench/peers/verify_client.py "127.0.0.1:$port" "$db" "$n")
  python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); target = {3000: 20, 10000: 60}.get(r["n"], 60)
print(f"| {r['n']:,} numbers | {r['median_ms']:.1f} ms | {r['peer_median_ms']:.1f} ms | {r['median_ms'] / r['peer_median_ms']:.1f}x | ≤ {target} ms: {'met' if r['median_ms'] <= target else 'NOT met'} |")
PY
  json="$json\"verify_$n\": $out,"
done
echo "${json%,}}"
