#!/usr/bin/env bash
# Supplier import of ROWS rows (default 100,000): `hoshi import suppliers` (release, embedded SQLite
# with synchronous=FULL, one all-or-nothing transaction) against `sqlite3 .import` of the same file
# into a bare table, in the same run. Also a re-import with every row changed.
#   bench/import.sh [ROWS]     bench/import.sh --smoke (1,000 rows, debug build; the test command)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release; rows=${1:-100000}
if [ "${1:-}" = "--smoke" ]; then profile=debug; rows=1000; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ "$profile" = release ]; then cargo build --quiet --release --bin hoshi; else cargo build --quiet --bin hoshi; fi
hoshi="${CARGO_TARGET_DIR:-target}/$profile/hoshi"
. bench/need.sh
need sqlite3 sqlite3
need bc bc
gen() { # rows, path, amount multiplier (a second file changes every row)
python3 - "$1" "$2" "$3" <<'PY'
import sys
rows, path, k = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def cn(base):
    s = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(reversed(base)))
    return str(9 - s % 9) + base
out = ["法人番号,名称,年間購入額,供給品目,機密情報の保有,停止影響,ネットワーク接続,重要度,連絡先メール"]
for i in range(rows):
    out.append(f'{cn("%012d" % (700000000000 + i))},取引先{i}株式会社,"{(i % 900 + 1) * 1000 * k:,}",部品,'
               f'{"はい" if (i + k) % 5 == 0 else "いいえ"},{"はい" if i % 7 == 0 else "いいえ"},いいえ,{"高中低"[i % 3]},buy{i}@example.com')
open(path, "w", encoding="utf-8").write("\r\n".join(out) + "\r\n")
PY
}
gen "$rows" "$dir/suppliers.csv" 1
gen "$rows" "$dir/changed.csv" 2
HOSHI_LOG=warn "$hoshi" demo --seed-only --data "$dir/data" >/dev/null
buyer=6180001000001 # the demo automaker
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
dry=$(t "$hoshi" import suppliers "$dir/suppliers.csv" --buyer "$buyer" --dry-run --data "$dir/data")
first=$(t "$hoshi" import suppliers "$dir/suppliers.csv" --buyer "$buyer" --data "$dir/data")
again=$(t "$hoshi" import suppliers "$dir/changed.csv" --buyer "$buyer" --data "$dir/data")
same=$(t "$hoshi" import suppliers "$dir/changed.csv" --buyer "$buyer" --data "$dir/data")
count=$(sqlite3 "$dir/data/hoshi.db" "SELECT COUNT(*) FROM supplier_links WHERE buyer_org_id = (SELECT id FROM organizations WHERE corporate_number = '$buyer')")
[ "$count" -ge "$rows" ] || { echo "FAIL: only $count links after importing $rows rows" >&2; exit 1; }
peer=$(t sqlite3 "$dir/peer.db" "PRAGMA journal_mode=WAL;" "PRAGMA synchronous=FULL;" \
  "CREATE TABLE s (cn TEXT, name TEXT, amount TEXT, supplies TEXT, conf TEXT, outage TEXT, net TEXT, crit TEXT, email TEXT);" \
  ".import --csv --skip 1 $dir/suppliers.csv s")
[ "$(sqlite3 "$dir/peer.db" 'SELECT COUNT(*) FROM s')" = "$rows" ] || { echo "FAIL: the peer did not import $rows rows" >&2; exit 1; }
python3 - "$rows" "$dry" "$first" "$again" "$same" "$peer" <<'PY'
import json, sys
rows = int(sys.argv[1]); dry, first, again, same, peer = map(float, sys.argv[2:])
print(f"supplier import of {rows:,} rows (wall time of the whole command, release, SQLite synchronous=FULL)")
print("| what | seconds | rows/s | ratio peer/Hoshi (target ≥ 0.3) |")
print("|---|---|---|---|")
for label, s in [("peer: sqlite3 .import into a bare table", peer), ("hoshi dry run (read and check only)", dry),
                 ("hoshi first import (all new, with history)", first), ("hoshi re-import, every row changed", again),
                 ("hoshi re-import, nothing changed", same)]:
    print(f"| {label} | {s:.2f} | {rows / s:,.0f} | {peer / s:.2f} |")
print(json.dumps({"rows": rows, "peer": peer, "dry_run": dry, "first": first, "changed": again, "unchanged": same}))
PY
