#!/usr/bin/env python3
"""API fuzzing: schemathesis generates requests from /api/openapi.json, anonymously and with a
read-write API token of a demo supplier that is also a buyer, and checks every answer:
not_a_server_error (no 5xx), status_code_conformance (every status is a documented one),
content_type_conformance (the documented media type) and response_schema_conformance (the body
matches the documented schema). All phases run: examples, coverage, fuzzing, stateful.

The server runs with the registry's per-client limit off (--registry-rate-limit 0): the fuzzer
is one client sending thousands of requests a minute, and would otherwise test the 429 only
(documented, and tested in crates/web/tests/limits_http.rs). The calculator's limit stays on.

  scripts/attack/fuzz [--max-examples 2000] [--seed S]      (the wrapper builds hoshi and the venv)

Prints each failure, the cases and operations per run, and "schemathesis: N passed, M failed"
(one per operation and run); exits 1 on any failure.
"""

import argparse
import base64
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
USER = "owner@mikawa-seiki.example"


def read_events(path):
    """Per operation: test cases run, and each failed check with the answer that failed it."""
    cases = collections.Counter()
    failures = collections.defaultdict(list)
    errors = []
    for line in open(path):
        ev = json.loads(line)
        if "ScenarioFinished" in ev:
            rec = ev["ScenarioFinished"]["recorder"]
            label = rec["label"]
            for cid, checks in rec.get("checks", {}).items():
                cases[label] += 1
                inter = rec.get("interactions", {}).get(cid) or {}
                case = rec.get("cases", {}).get(cid, {}).get("value", {})
                for c in checks:
                    if c["status"] == "failure":
                        resp = inter.get("response") or {}
                        body = resp.get("content") or {}
                        text = base64.b64decode(body["$base64"]).decode("utf-8", "replace") if "$base64" in body else str(body)
                        failures[label].append({
                            "check": c["name"],
                            "request": f"{inter.get('request', {}).get('method', case.get('method'))} {inter.get('request', {}).get('uri', case.get('path'))}",
                            "status": resp.get("status_code"),
                            "content_type": (resp.get("headers", {}).get("content-type") or [""])[0],
                            "body": text[:300],
                            "body_sent": str(case.get("body"))[:200] if case.get("body") is not None else None,
                        })
        elif "NonFatalError" in ev or "FatalError" in ev:
            errors.append(json.dumps(ev)[:500])
    return cases, failures, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hoshi", required=True)
    ap.add_argument("--st", required=True)
    ap.add_argument("--max-examples", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workers", default="2")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="hoshi-fuzz-")
    data = os.path.join(work, "data")
    env = {**os.environ, "HOSHI_LOG": "warn"}
    subprocess.run([a.hoshi, "demo", "--seed-only", "--data", data], env=env, check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([a.hoshi, "users", "token", "--email", USER, "--name", "fuzz", "--scope", "read_write", "--data", data],
                           env=env, check=True, capture_output=True, text=True).stdout.strip()
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([a.hoshi, "demo", "--addr", "127.0.0.1:0", "--data", data, "--registry-rate-limit", "0"],
                              env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    passed = failed = 0
    total_cases = 0
    try:
        m = re.search(r"http://([0-9.]+:[0-9]+)", server.stdout.readline())
        if not m:
            sys.exit("the server did not start")
        threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
        base = f"http://{m.group(1)}"
        for mode, headers in [("anonymous", []), ("read-write token", ["-H", f"Authorization: Bearer {token}"])]:
            report = os.path.join(work, f"{mode.split()[0]}.ndjson")
            args = [a.st, "run", f"{base}/api/openapi.json", "--checks", CHECKS, "--max-examples", str(a.max_examples),
                    "--workers", a.workers, "--report", "ndjson", "--report-ndjson-path", report, "--no-color",
                    "--suppress-health-check", "all", *headers]
            if a.seed is not None:
                args += ["--seed", str(a.seed)]
            began = time.monotonic()
            out = subprocess.run(args, capture_output=True, text=True, cwd=work)
            took = time.monotonic() - began
            cases, failures, errors = read_events(report) if os.path.exists(report) else ({}, {}, ["no report"])
            ops = sorted(set(cases) - {"Stateful tests"})
            seed = re.search(r"Seed: (\d+)", out.stdout)
            n = sum(cases.values())
            total_cases += n
            print(f"{mode}: {n} test cases over {len(ops)} operations (and the stateful phase) in {took:.0f} s, "
                  f"exit {out.returncode}, seed {seed.group(1) if seed else '?'}", flush=True)
            for label in sorted(set(cases) | set(failures)):
                f = failures.get(label, [])
                if f:
                    failed += 1
                    print(f"FAIL {mode}: {label}: {len(f)} failed checks", flush=True)
                    seen = set()
                    for x in f:
                        key = (x["check"], x["status"], x["content_type"])
                        if key in seen:
                            continue
                        seen.add(key)
                        print(f"       {x['check']}: {x['request']} -> {x['status']} {x['content_type']}: {x['body']}"
                              + (f" (body sent: {x['body_sent']})" if x["body_sent"] else ""), flush=True)
                else:
                    passed += 1
            for e in errors:
                failed += 1
                print(f"FAIL {mode}: schemathesis error {e}", flush=True)
            if out.returncode not in (0, 1) or (out.returncode == 1 and not failures and not errors):
                failed += 1
                print(f"FAIL {mode}: schemathesis exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-2000:]}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if "panicked" in open(os.path.join(work, "serve.log")).read():
        failed += 1
        print("FAIL the server's log shows a panic", flush=True)
    print(f"{total_cases} test cases in all", flush=True)
    if failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", flush=True)
    print(f"schemathesis: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the summary still counts a run that could not finish
        print(f"FAIL the fuzzing stopped: {e!r}", flush=True)
        print("schemathesis: 0 passed, 1 failed", flush=True)
        sys.exit(1)
