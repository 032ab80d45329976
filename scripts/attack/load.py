#!/usr/bin/env python3
"""Load test: many connections at once mixing the public registry (list and search pages, a
company's JSON and page), bulk verification and signed-in pages, against one `hoshi serve` on a
demo world grown with `hoshi gen`. One wrk process per kind of request (scripts/attack/load.lua),
all at once, so each kind has its own latency percentiles from wrk's histogram of every request;
the server's RSS is read from /proc every second.

Passes when no request failed (no 5xx, no unexpected 4xx, no connection error or timeout) and
memory stays flat: the highest RSS in the last quarter is at most 1.5 times the RSS at the end of
the first quarter. The limits: anonymous registry API reads are limited per client (600 a
minute), so the server runs behind a trusted proxy as in production (--client-ip-header
X-Forwarded-For --trusted-proxy 127.0.0.1) and the anonymous kinds come from 20,000 clients
(198.18.0.0/15), each far below its limit; a 429 would be counted apart, not as an error. The
mix stays clear of the other limited routes (the cost calculator, /claim, registration, failed
sign-ins).

  scripts/attack/load [--seconds 60] [--connections 256] [--firms 40000] [--debug]   (the wrapper builds hoshi)
  scripts/attack/load.py --hoshi PATH [...]

Prints a table and "load: N passed, M failed"; exits 1 on any failure.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
USER, PASSWORD = "owner@mikawa-seiki.example", "hoshi-demo-2026"  # a supplier that is also a buyer
CLIENTS = 20000  # anonymous clients behind the proxy
KINDS = ["registry list", "company JSON", "company page", "bulk verify", "dashboard", "suppliers", "assessments"]
# Answers that are a documented refusal, not a failure (counted apart).
DOCUMENTED = {"429"}

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok  ", what, flush=True)
    else:
        failed += 1
        print("FAIL", what, flush=True)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(addr, method, path, headers=None, body=None):
    host, port = addr.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8", "replace")
    finally:
        c.close()


def cookie(headers, name):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


def sign_in(addr):
    """A session cookie, through the sign-in form as a browser would (its anonymous CSRF token)."""
    code, headers, page = call(addr, "GET", "/login")
    anon = cookie(headers, "hoshi_csrf")
    m = re.search(r'name="_csrf" value="([^"]+)"', page)
    if code != 200 or not anon or not m:
        raise RuntimeError(f"the sign-in form: {code}, cookie {anon}")
    form = urllib.parse.urlencode({"email": USER, "password": PASSWORD, "_csrf": m.group(1), "next": "/dashboard"})
    code, headers, body = call(addr, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded", "Cookie": anon}, form)
    session = cookie(headers, "hoshi_session")
    if code not in (200, 303) or not session:
        raise RuntimeError(f"sign-in answered {code}: {body[:300]}")
    return session


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hoshi", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--firms", type=int, default=40000)
    ap.add_argument("--verify-size", type=int, default=100, help="corporate numbers per bulk verification")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--only", help="run only these kinds, comma-separated (to look at one alone)")
    a = ap.parse_args()
    kinds = [k for k in KINDS if not a.only or k in a.only.split(",")]
    if a.connections < len(kinds):
        sys.exit(f"at least {len(kinds)} connections: one per kind")
    work = tempfile.mkdtemp(prefix="hoshi-load-")
    data = os.path.join(work, "data")
    env = {**os.environ, "HOSHI_LOG": "warn"}
    began = time.monotonic()
    subprocess.run([a.hoshi, "demo", "--seed-only", "--data", data], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([a.hoshi, "gen", "--firms", str(a.firms), "--seed", "2026", "--out", os.path.join(work, "world"), "--data", data],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    db = sqlite3.connect(f"file:{os.path.join(data, 'hoshi.db')}?mode=ro", uri=True)
    certified = [r[0] for r in db.execute(
        "SELECT DISTINCT o.corporate_number FROM organizations o JOIN certificates c ON c.org_id = o.id ORDER BY o.corporate_number")]
    others = [r[0] for r in db.execute(
        "SELECT corporate_number FROM organizations WHERE id NOT IN (SELECT org_id FROM certificates) ORDER BY id LIMIT 5000")]
    name = db.execute("SELECT substr(o.name_ja, 1, 2) FROM organizations o JOIN certificates c ON c.org_id = o.id LIMIT 1").fetchone()[0]
    db.close()
    print(f"world: {a.firms} generated firms on the demo, {len(certified)} certified companies; prepared in {time.monotonic() - began:.1f} s", flush=True)

    port = free_port()
    addr = f"127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([a.hoshi, "serve", "--data", data, "--addr", addr, "--client-ip-header", "X-Forwarded-For",
                               "--trusted-proxy", "127.0.0.1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    results, samples = {}, []
    try:
        for _ in range(300):
            try:
                if call(addr, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        session = sign_in(addr)
        q = urllib.parse.quote
        files = {
            "registry list": ["/registry", "/registry?page=2", "/registry?level=3", f"/registry?q={q(name)}",
                              f"/registry?prefecture={q('愛知県')}"],
            "company JSON": [f"/api/v1/registry/companies/{cn}" for cn in certified[:2000]],
            "company page": [f"/registry/companies/{cn}" for cn in certified[:2000]],
            "bulk verify": ["/api/v1/registry/verify"],
            "dashboard": ["/dashboard"],
            "suppliers": ["/suppliers"],
            "assessments": ["/assessments"],
        }
        half = a.verify_size // 2
        body = json.dumps({"corporate_numbers": certified[:half] + others[:a.verify_size - half], "required_level": 3})
        body_file = os.path.join(work, "verify.json")
        with open(body_file, "w") as f:
            f.write(body)
        signed_in = {"dashboard", "suppliers", "assessments"}
        # Every path answers 200 before the load (a wrong path would be a test bug, not load).
        for kind, paths in files.items():
            for p in paths[:3]:
                headers = {"Cookie": session} if kind in signed_in else {}
                if kind == "bulk verify":
                    code, _, text = call(addr, "POST", p, {**headers, "Content-Type": "application/json"}, body)
                else:
                    code, _, text = call(addr, "GET", p, headers)
                if code != 200:
                    raise RuntimeError(f"{kind} {p} answered {code} before the load: {text[:300]}")
        procs = {}
        share, extra = divmod(a.connections, len(kinds))
        for i, kind in enumerate(kinds):
            conns = share + (1 if i < extra else 0)
            paths_file = os.path.join(work, f"paths-{i}.txt")
            with open(paths_file, "w") as f:
                f.write("\n".join(files[kind]) + "\n")
            args = ["wrk", "-t1", f"-c{conns}", f"-d{a.seconds}s", "--timeout", "10s", "-s", os.path.join(HERE, "load.lua"),
                    f"http://{addr}", "--", kind, paths_file, "POST" if kind == "bulk verify" else "GET",
                    body_file if kind == "bulk verify" else "", session if kind in signed_in else "",
                    "0" if kind in signed_in else str(CLIENTS)]
            procs[kind] = (conns, subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        start = time.monotonic()
        samples.append((0.0, rss_kb(server.pid)))
        while any(p.poll() is None for _, p in procs.values()):
            time.sleep(max(0.0, len(samples) - (time.monotonic() - start)))
            samples.append((time.monotonic() - start, rss_kb(server.pid)))
        elapsed = time.monotonic() - start
        for kind, (conns, p) in procs.items():
            out = p.stdout.read()
            line = next((l for l in out.splitlines() if l.startswith('{"kind"')), None)
            if line is None:
                print(out)
                results[kind] = None
            else:
                results[kind] = {**json.loads(line), "connections": conns}
        alive = server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    serve_log = open(os.path.join(work, "serve.log")).read()

    print(f"\n{a.connections} connections for {a.seconds} s ({elapsed:.1f} s measured), {len(kinds)} kinds at once, one wrk each")
    print("| kind | connections | requests | req/s | p50 | p99 | max | answers |")
    print("|---|---|---|---|---|---|---|---|")
    total = 0
    for kind in kinds:
        r = results.get(kind)
        if not r:
            print(f"| {kind} | | no result | | | | | |")
            continue
        rps = r["requests"] / (r["duration_us"] / 1e6)
        total += rps
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        print(f"| {kind} | {r['connections']} | {r['requests']} | {rps:,.0f} | {r['p50_us'] / 1000:.1f} ms | "
              f"{r['p99_us'] / 1000:.1f} ms | {r['max_us'] / 1000:.1f} ms | {answers} |")
    print(f"| all | {a.connections} | {sum(r['requests'] for r in results.values() if r)} | {total:,.0f} | | | | |")
    rss = [(t, kb) for t, kb in samples if kb is not None]
    q1 = min(rss, key=lambda s: abs(s[0] - a.seconds / 4))
    last = [kb for t, kb in rss if t >= a.seconds * 3 / 4]
    print(f"RSS (MiB), one sample a second: {' '.join(f'{kb / 1024:.0f}' for _, kb in rss)}")
    print(f"RSS: {rss[0][1] / 1024:.1f} MiB before the load, {q1[1] / 1024:.1f} MiB after the first quarter, "
          f"{max(last) / 1024 if last else 0:.1f} MiB highest in the last quarter, {rss[-1][1] / 1024:.1f} MiB at the end\n")

    check(alive, "the server was still running at the end of the load")
    for kind in kinds:
        r = results.get(kind)
        if r is None or r["requests"] == 0:
            check(False, f"{kind}: wrk reported no request")
            continue
        e = r["errors"]
        sockets = e["connect"] + e["read"] + e["write"] + e["timeout"]
        bad = {k: v for k, v in r["statuses"].items() if not k.startswith("2") and k not in DOCUMENTED}
        limited = sum(v for k, v in r["statuses"].items() if k in DOCUMENTED)
        check(sockets == 0 and not bad, f"{kind}: {r['requests']} requests, no error (connection errors and timeouts: "
                                        f"{sockets}; answers other than 2xx: {bad or 'none'}; documented 429s: {limited})")
    check(len(last) > 0 and max(last) <= 1.5 * q1[1],
          f"memory is flat: the last quarter's highest RSS is at most 1.5× the RSS after the first quarter "
          f"({max(last) / 1024 if last else 0:.1f} ≤ 1.5 × {q1[1] / 1024:.1f} MiB)")
    check("panicked" not in serve_log, "the server's log has no panic")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seconds": a.seconds, "connections": a.connections, "firms": a.firms, "results": results,
                       "rss_kb": rss, "total_rps": total}, f, indent=1)
    if failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    print(f"load: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the summary still counts a run that could not finish
        print(f"FAIL the load test stopped: {e!r}", flush=True)
        print(f"load: {passed} passed, {failed + 1} failed", flush=True)
        sys.exit(1)
