#!/usr/bin/env bash
# Durable log appends: Hoshi (release) against Python's sqlite3 doing the same writes, same run.
#   bench/log.sh [ENTRIES] [CHANGES] [--postgres URL]   (default 20,000 and 2,000)
#   bench/log.sh --smoke                                (seconds; the test command runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=--release
if [ "${1:-}" = "--smoke" ]; then set -- 500 80; profile=; fi
entries=${1:-20000}; changes=${2:-2000}; shift $(( $# >= 2 ? 2 : $# )) || true
hoshi=$(cargo run --quiet $profile -p hoshi-app --example bench_log -- "$entries" "$changes" "$@")
peer=$(python3 bench/peers/log_sqlite.py "$entries" "$changes")
python3 - "$hoshi" "$peer" <<'PY'
import json, sys
h, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"durable log appends ({h['backend']}, Hoshi) vs Python sqlite3 (WAL, synchronous=FULL), same run")
print("| workload | Hoshi | peer | ratio Hoshi/peer |")
print("|---|---|---|---|")
for k, label in [("acknowledged", "one transaction per change (8 writers)"), ("sequence", "sequencing a backlog into the tree")]:
    n = "changes" if k == "acknowledged" else "entries"
    print(f"| {label}, {h[k][n]:,} | {h[k]['per_second']:,.0f}/s ({h[k]['seconds']:.2f} s) | {p[k]['per_second']:,.0f}/s ({p[k]['seconds']:.2f} s) | {h[k]['per_second'] / p[k]['per_second']:.2f}x |")
print(f"audit of the stored tree after the run: {h['audit_seconds']:.3f} s")
print(json.dumps({"hoshi": h, "peer": p}))
PY
