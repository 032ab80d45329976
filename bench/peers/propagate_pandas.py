#!/usr/bin/env python3
"""The peer for `hoshi risk propagate`: the same noisy-OR fixed point in pandas/numpy.

    r_i = 1 - (1 - p_i) * prod_{j in suppliers(i)} (1 - w_ji * r_j)

Jacobi iteration from r = p until the largest change is below 1e-9 (as Hoshi), in log space
with one vectorised gather, log1p and bincount per iteration. Both CSVs are read with pandas
(C engine, corporate numbers as int64 so no Python strings are made); links are mapped to firm
positions with a pandas Index. Ranking: risk descending, then corporate number ascending.

Usage: propagate_pandas.py DIR [--write FILE.npy]   prints one JSON line like Hoshi's --json.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def main():
    started = time.perf_counter()
    d = sys.argv[1]
    write = sys.argv[sys.argv.index("--write") + 1] if "--write" in sys.argv else None
    firms = pd.read_csv(f"{d}/firms.csv", usecols=["corporate_number", "own_risk"],
                        dtype={"corporate_number": np.int64, "own_risk": np.float64})
    links = pd.read_csv(f"{d}/links.csv", dtype={"supplier": np.int64, "customer": np.int64, "weight": np.float64})
    t_read = time.perf_counter()
    index = pd.Index(firms["corporate_number"].to_numpy())
    if not index.is_unique:
        sys.exit("firms.csv: a corporate number appears twice")
    s = index.get_indexer(links["supplier"].to_numpy())
    c = index.get_indexer(links["customer"].to_numpy())
    if (s < 0).any() or (c < 0).any():
        sys.exit("links.csv: a corporate number is not in firms.csv")
    w = links["weight"].to_numpy()
    p = firms["own_risk"].to_numpy()
    n = len(p)
    del links
    np.seterr(divide="ignore")  # log1p(-1) = -inf is right: a certain compromise
    base = np.log1p(-p)
    t_build = time.perf_counter()
    r = p.copy()
    iterations = 0
    change = 0.0
    while iterations < 10_000:
        f = np.log1p(-(w * r[s]))
        nxt = -np.expm1(base + np.bincount(c, weights=f, minlength=n))
        change = float(np.max(np.abs(nxt - r))) if n else 0.0
        r = nxt
        iterations += 1
        if change < 1e-9:
            break
    t_prop = time.perf_counter()
    cn = firms["corporate_number"].to_numpy()
    order = np.lexsort((cn, -r))[:10]
    tenth = float(r[order[-1]]) if n else None
    out = {
        "firms": n, "links": int(len(w)), "iterations": iterations, "last_change": change,
        "top": [{"corporate_number": f"{cn[i]:013d}", "risk": float(r[i])} for i in order],
        "tenth_risk": tenth,
        "ties_at_cutoff": int(np.count_nonzero(r == tenth)) if n else 0,
        "at_one": int(np.count_nonzero(r == 1.0)),
    }
    t_rank = time.perf_counter()
    out["seconds"] = t_rank - started
    out["phases"] = {"read": t_read - started, "build": t_build - t_read, "propagate": t_prop - t_build, "rank": t_rank - t_prop}
    if write:
        np.save(write, r)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
