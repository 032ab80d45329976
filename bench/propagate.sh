#!/usr/bin/env bash
# Noisy-OR propagation from CSV, end to end: `hoshi risk propagate --json` (release) against the
# same fixed point in pandas/numpy (bench/peers/propagate_pandas.py), on the same files, in the
# same run. Checks they agree (the top ten by risk descending, then corporate number ascending,
# and the largest difference over every firm ≤ 1e-6), then prints wall time and peak RSS of both
# (/usr/bin/time -v) and the ratio.
#   bench/propagate.sh                     generate Japan (3,400,000 firms, seed 1) into bench/.worlds and run
#   bench/propagate.sh --firms N [--seed S]
#   bench/propagate.sh --dir DIR           an existing world (firms.csv, links.csv)
#   bench/propagate.sh --smoke             2,000 firms, debug build, seconds: the test command's run
# pandas and numpy are installed from PyPI into bench/.venv (gitignored) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
firms=3400000 seed=1 dir="" profile=release smoke=0
while [ $# -gt 0 ]; do
    case "$1" in
    --firms) firms=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --smoke) smoke=1; firms=2000; profile=debug; shift ;;
    *) echo "usage: bench/propagate.sh [--smoke] [--firms N] [--seed S] [--dir DIR]" >&2; exit 2 ;;
    esac
done
if [ "$profile" = release ]; then cargo build --quiet --release --bin hoshi; else cargo build --quiet --bin hoshi; fi
hoshi="${CARGO_TARGET_DIR:-$root/target}/$profile/hoshi"
. bench/need.sh
need time /usr/bin/time
need bc bc
venv="$root/bench/.venv"
if ! "$venv/bin/python" -c "import pandas, numpy" 2>/dev/null; then
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check pandas numpy
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$dir" ]; then
    if [ "$smoke" = 1 ]; then dir="$tmp/world"; else dir="$root/bench/.worlds/$firms-$seed"; fi
    if [ ! -s "$dir/links.csv" ]; then
        s=$(date +%s.%N)
        "$hoshi" gen --firms "$firms" --seed "$seed" --out "$dir"
        e=$(date +%s.%N)
        printf "generated %s in %.2f s (%s)\n" "$dir" "$(echo "$e - $s" | bc)" "$(du -sh "$dir" | cut -f1)"
    fi
fi
# timed PROGRAM… : runs it under /usr/bin/time -v, leaves stdout in $tmp/out and prints "wall_s rss_kib".
timed() {
    /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/time" || { cat "$tmp/time" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
    echo "$wall $rss"
}
read -r h_wall h_rss < <(timed "$hoshi" risk propagate "$dir" --json)
cp "$tmp/out" "$tmp/hoshi.json"
read -r p_wall p_rss < <(timed "$venv/bin/python" bench/peers/propagate_pandas.py "$dir" --write "$tmp/peer.npy")
cp "$tmp/out" "$tmp/peer.json"
# The comparison run (not timed): every firm's exposure from Hoshi.
"$hoshi" risk propagate "$dir" --write "$tmp/hoshi.csv" >/dev/null
"$venv/bin/python" - "$tmp" "$h_wall" "$h_rss" "$p_wall" "$p_rss" <<'PY'
import json, sys
import numpy as np, pandas as pd
tmp, h_wall, h_rss, p_wall, p_rss = sys.argv[1], *map(float, sys.argv[2:])
h = json.load(open(f"{tmp}/hoshi.json"))
p = json.load(open(f"{tmp}/peer.json"))
hr = pd.read_csv(f"{tmp}/hoshi.csv", dtype={"corporate_number": np.int64})["risk"].to_numpy()
pr = np.load(f"{tmp}/peer.npy")
diff = float(np.max(np.abs(hr - pr))) if len(hr) else 0.0
problems = []
if len(hr) != len(pr):
    problems.append(f"{len(hr)} firms from Hoshi, {len(pr)} from the peer")
elif diff > 1e-6:
    problems.append(f"largest difference {diff:.3g} > 1e-6")
ht = [t["corporate_number"] for t in h["top"]]
pt = [t["corporate_number"] for t in p["top"]]
if ht != pt:
    # Only a tie the two roundings break differently may reorder: then the risks must agree.
    hv = [t["risk"] for t in h["top"]]
    pv = [t["risk"] for t in p["top"]]
    if len(hv) != len(pv) or any(abs(a - b) > 1e-6 for a, b in zip(hv, pv)):
        problems.append(f"top ten differ: {ht} vs {pt}")
    else:
        print(f"note: the top ten differ only among near-ties (risks agree to 1e-6)")
print(f"world: {h['firms']:,} firms, {h['links']:,} links; {h['iterations']} iterations (peer {p['iterations']})")
print(f"ranking: {h['rank_rule']}; tenth's risk {h['tenth_risk']}, {h['ties_at_cutoff']:,} firms tie with it "
      f"(peer {p['ties_at_cutoff']:,}), {h['at_one']:,} at exactly 1.0 (peer {p['at_one']:,})")
ph = h["phases"]
print("hoshi phases: " + ", ".join(f"{k} {ph[k]:.3f}" for k in ("read", "parse", "build", "propagate", "rank")) + f"; seconds {h['seconds']:.3f}")
pp = p["phases"]
print("peer phases:  " + ", ".join(f"{k} {pp[k]:.3f}" for k in ("read", "build", "propagate", "rank")) + f"; seconds {p['seconds']:.3f}")
print(f"agreement: top ten {'same' if ht == pt else 'tie-equivalent'}, largest difference {diff:.3g}")
print(f"{'':8} {'wall s':>8} {'peak RSS MiB':>13}")
print(f"{'hoshi':8} {h_wall:8.2f} {h_rss / 1024:13.0f}")
print(f"{'pandas':8} {p_wall:8.2f} {p_rss / 1024:13.0f}")
print(f"ratio: hoshi is {p_wall / h_wall:.1f}x faster, uses {p_rss / h_rss:.1f}x less memory")
if problems:
    print("FAIL: " + "; ".join(problems))
    sys.exit(1)
print("ok: hoshi and pandas agree")
PY
