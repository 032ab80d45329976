#!/usr/bin/env python3
"""Crash loop: the registry operator issues, suspends, reinstates and revokes certificates over
HTTP while the server is SIGKILLed at random moments, again and again on the same data.

Records every acknowledged change (a 2xx answer) and every checkpoint seen at /log/checkpoint.
After each restart, every certificate's state in the registry must be what the acknowledged
changes made it (a change in flight at the kill may or may not have happened, and nothing else).
At the end: every acknowledged change is in the log's entries, in order; the registry's state is
the acknowledged one and the log's last event agrees; `hoshi registry audit` passes; Go's
reference tlog code checks the exported tiles (scripts/tlogcheck) and that every checkpoint seen
is consistent with the next one and with the final one (scripts/attack/tlogconsistency).

  scripts/attack/crash.py --hoshi target/debug/hoshi [--kills 20] [--applicants 40] [--seed S]

Prints one line per check and "crash: N passed, M failed"; exits 1 on any failure.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OPERATOR = "registry@ipa-demo.example"
ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
# action -> (states it applies to, state it leads to, the log's event)
ACTIONS = {
    "suspend": ((ACTIVE,), SUSPENDED, "suspended"),
    "reinstate": ((SUSPENDED,), ACTIVE, "reinstated"),
    "revoke": ((ACTIVE, SUSPENDED), REVOKED, "revoked"),
}

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


class Server:
    """`hoshi demo` on the data folder, its URL read from the first line it prints."""

    def __init__(self, hoshi, data):
        self.proc = subprocess.Popen(
            [hoshi, "demo", "--addr", "127.0.0.1:0", "--data", data],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOSHI_LOG": "error"},
            text=True,
        )
        first = self.proc.stdout.readline()
        m = re.search(r"http://([0-9.]+:[0-9]+)", first)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the server did not start: {first!r}")
        self.addr = m.group(1)
        threading.Thread(target=lambda: self.proc.stdout.read(), daemon=True).start()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


def request(addr, method, path, token=None, form=None, timeout=10):
    """(status, body) or raises OSError/HTTPException when the server is gone."""
    host, port = addr.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Accept-Language": "en", "Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def registry_state(addr):
    """Every certificate in the public registry: serial -> (state, corporate number)."""
    out, page = {}, 1
    while True:
        code, body = request(addr, "GET", f"/api/v1/registry/companies?page={page}")
        if code != 200:
            raise RuntimeError(f"registry search answered {code}")
        j = json.loads(body)
        for item in j["items"]:
            for c in item["certificates"]:
                out[c["serial"]] = (c["state"], item["corporate_number"])
        if page * j["page_size"] >= j["total"]:
            return out
        page += 1


def pending_applications(addr, token):
    """Application id -> applicant's corporate number, from the console's first page."""
    code, body = request(addr, "GET", "/registry/console", token)
    if code != 200:
        raise RuntimeError(f"the console answered {code}")
    return {
        int(m.group(2)): m.group(1)
        for m in re.finditer(r"\((\d{13})\) — .*?/registry/applications/(\d+)\"", body)
    }


class World:
    """What the acknowledged changes made the registry, and what is in doubt after a kill."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = {}  # serial -> state, as acknowledged
        self.busy = set()  # serials with a request in flight
        self.doubt = {}  # serial -> (event, state it would lead to): unanswered at the kill
        self.doubt_issues = {}  # application id -> applicant: unanswered at the kill
        self.acked = []  # (event, serial) in the order acknowledged
        self.unexpected = []  # answers that were neither 2xx nor a kill
        self.checkpoints = []  # every distinct checkpoint seen, in order
        self.apps = {}  # pending application id -> applicant
        self.claimed = set()
        self.issues_this_run = 0
        self.revokes_this_run = 0


def worker(w, addr, token, stop, rng):
    while not stop.is_set():
        with w.lock:
            app = None
            free = [a for a in w.apps if a not in w.claimed]
            if free and w.issues_this_run < 2 and rng.random() < 0.15:
                app = rng.choice(free)
                w.claimed.add(app)
                w.issues_this_run += 1
            serial = action = None
            if app is None:
                live = [s for s, st in w.state.items() if st in (ACTIVE, SUSPENDED) and s not in w.busy]
                if not live:
                    time.sleep(0.01)
                    continue
                serial = rng.choice(live)
                st = w.state[serial]
                if w.revokes_this_run < 1 and rng.random() < 0.05:
                    action = "revoke"
                    w.revokes_this_run += 1
                else:
                    action = "suspend" if st == ACTIVE else "reinstate"
                w.busy.add(serial)
        try:
            if app is not None:
                code, body = request(addr, "POST", f"/registry/applications/{app}/decide", token,
                                     {"decision": "issue", "reason": "crash loop: checked"})
            else:
                form = {"serial": serial, "action": action}
                if action != "reinstate":
                    form.update(reason="crash loop", category="other")
                code, body = request(addr, "POST", "/registry/changes", token, form)
        except (OSError, http.client.HTTPException):
            with w.lock:
                if app is not None:
                    w.doubt_issues[app] = w.apps.pop(app)
                else:
                    w.doubt[serial] = (ACTIONS[action][2], ACTIONS[action][1])
                    w.busy.discard(serial)
            return  # the server is gone
        with w.lock:
            if app is not None:
                m = re.search(r"Certificate issued: (HS\d{4}-\d{7})", body)
                if 200 <= code < 300 and m:
                    w.acked.append(("issued", m.group(1)))
                    w.state[m.group(1)] = ACTIVE
                    w.apps.pop(app, None)
                else:
                    w.unexpected.append(f"issue application {app}: {code} {body[:200]!r}")
            else:
                if 200 <= code < 300:
                    w.acked.append((ACTIONS[action][2], serial))
                    w.state[serial] = ACTIONS[action][1]
                else:
                    w.unexpected.append(f"{action} {serial}: {code} {body[:200]!r}")
                w.busy.discard(serial)


def poll_checkpoints(w, addr, stop):
    while not stop.is_set():
        try:
            code, body = request(addr, "GET", "/log/checkpoint", timeout=5)
        except (OSError, http.client.HTTPException):
            return
        if code == 200:
            with w.lock:
                if not w.checkpoints or w.checkpoints[-1] != body:
                    w.checkpoints.append(body)
        time.sleep(0.05)


def reconcile(w, addr, token, run):
    """After a restart: every certificate is in the acknowledged state, or (only if a change was
    in flight at the kill) in the state that change leads to; nothing else appeared."""
    actual = registry_state(addr)
    apps = pending_applications(addr, token)
    wrong = []
    with w.lock:
        for serial, st in w.state.items():
            got = actual.get(serial, (None,))[0]
            if serial in w.doubt:
                if got not in (st, w.doubt[serial][1]):
                    wrong.append(f"{serial}: {got}, neither {st} nor {w.doubt[serial][1]} (in flight)")
            elif got != st:
                wrong.append(f"{serial}: {got}, acknowledged {st}")
        # An issue in flight at the kill either happened (the application is gone from the
        # console and its applicant has a new certificate) or did not (still pending).
        new = {s: cn for s, (st, cn) in actual.items() if s not in w.state}
        for app, cn in list(w.doubt_issues.items()):
            mine = [s for s, c in new.items() if c == cn]
            if app in apps and not mine:
                continue
            if app not in apps and len(mine) == 1 and actual[mine[0]][0] == ACTIVE:
                w.state[mine[0]] = ACTIVE
                del new[mine[0]]
                continue
            wrong.append(f"application {app} in flight: pending={app in apps}, new certificates {mine}")
        if new and w.state:  # the first reconcile learns the demo's certificates
            wrong.append(f"certificates nobody asked for: {sorted(new)}")
        for serial in w.doubt:
            w.state[serial] = actual.get(serial, (None,))[0]
        w.doubt.clear()
        w.doubt_issues.clear()
        if not w.state:
            w.state = {s: st for s, (st, _) in actual.items()}
        # Only applicants with no certificate yet: issuing never supersedes one, so every state
        # change in the registry is one this loop asked for.
        certified = {cn for _, cn in actual.values()}
        w.apps = {app: cn for app, cn in apps.items() if cn not in certified}
        w.claimed = set()
        w.busy = set()
        w.issues_this_run = w.revokes_this_run = 0
    return wrong


def run_go(prog_dir, args):
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": "/usr/share/gocode"}
    out = subprocess.run(["go", "run", "main.go", *args], cwd=prog_dir, env=env,
                         capture_output=True, text=True)
    text = out.stdout + out.stderr
    print(text, end="" if text.endswith("\n") else "\n", flush=True)
    return out.returncode == 0


def parse_entries(tiles):
    """Every log entry from the exported entry bundles, in index order."""
    root = os.path.join(tiles, "tile", "entries")
    files = []
    for d, _, names in os.walk(root):
        for n in names:
            files.append(os.path.join(d, n))

    def index(path):
        rel = re.sub(r"\.p/\d+$", "", os.path.relpath(path, root).replace(os.sep, "/"))
        return int(rel.replace("x", "").replace("/", ""))

    # A full bundle and a partial one never share an index in an export.
    entries = []
    for path in sorted(files, key=index):
        data = open(path, "rb").read()
        while data:
            n = int.from_bytes(data[:2], "big")
            entries.append(json.loads(data[2:2 + n]))
            data = data[2 + n:]
    return entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hoshi", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "hoshi"))
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-run", type=float, default=2.0, help="longest time before a kill, seconds")
    ap.add_argument("--keep", action="store_true", help="keep the data folder")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    began = time.monotonic()
    work = tempfile.mkdtemp(prefix="hoshi-crash-loop-")
    data = os.path.join(work, "data")
    env = {**os.environ, "HOSHI_LOG": "warn"}
    print(f"crash loop: {a.kills} SIGKILLs, {a.workers} writers, random seed {seed}, data {data}", flush=True)
    subprocess.run([a.hoshi, "demo", "--seed-only", "--extra-applicants", str(a.applicants), "--data", data],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([a.hoshi, "users", "token", "--email", OPERATOR, "--name", "crash-loop", "--scope",
                            "read_write", "--data", data], env=env, check=True, capture_output=True, text=True).stdout.strip()
    print(f"seeded the demo world with {a.applicants} applicants in {time.monotonic() - began:.1f} s", flush=True)

    w = World()
    wrong_after_restart = []
    server = None
    try:
        for run in range(a.kills + 1):
            server = Server(a.hoshi, data)
            for _ in range(200):
                try:
                    if request(server.addr, "GET", "/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.02)
            wrong = reconcile(w, server.addr, token, run)
            wrong_after_restart += [f"after kill {run}: {x}" for x in wrong]
            if run == a.kills:
                break
            stop = threading.Event()
            threads = [threading.Thread(target=poll_checkpoints, args=(w, server.addr, stop))]
            threads += [threading.Thread(target=worker, args=(w, server.addr, token, stop, random.Random(rng.random())))
                        for _ in range(a.workers)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, a.max_run))
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            n = len(w.acked)
            print(f"kill {run + 1}: {n} changes acknowledged so far, {len(w.doubt)} changes and "
                  f"{len(w.doubt_issues)} issues in flight, {len(w.checkpoints)} checkpoints seen", flush=True)
        # The final run: the last checkpoint it serves, then a clean stop.
        time.sleep(1.5)
        code, body = request(server.addr, "GET", "/log/checkpoint")
        if code == 200 and (not w.checkpoints or w.checkpoints[-1] != body):
            w.checkpoints.append(body)
        final_state = registry_state(server.addr)
        bundles_missing = []
        for event, serial in w.acked:
            if event == "issued":
                code, _ = request(server.addr, "GET", f"/api/v1/certificates/{serial}/bundle")
                if code != 200:
                    bundles_missing.append(f"{serial}: {code}")
        server.stop()
        server = None
    finally:
        if server is not None:
            server.kill()

    kinds = {}
    for event, _ in w.acked:
        kinds[event] = kinds.get(event, 0) + 1
    print(f"{a.kills} kills; {len(w.acked)} changes acknowledged ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}); "
          f"{len(w.checkpoints)} distinct checkpoints seen", flush=True)
    check(kinds.get("issued", 0) >= 1 and len(kinds) == 4, "the workload issued, suspended, reinstated and revoked")
    check(not w.unexpected, f"every change asked for was acknowledged or cut off by a kill ({len(w.unexpected)} other answers: {w.unexpected[:3]})")
    check(not wrong_after_restart, f"after every restart each certificate is in its acknowledged state, or in the state an unanswered change leads to ({wrong_after_restart[:5]})")
    wrong = [f"{s}: {final_state.get(s, (None,))[0]}, acknowledged {st}" for s, st in w.state.items() if final_state.get(s, (None,))[0] != st]
    check(not wrong, f"the registry's final state is the acknowledged state of all {len(w.state)} certificates ({wrong[:5]})")
    check(not bundles_missing, f"every acknowledged certificate has a bundle with its log proof ({bundles_missing[:5]})")

    tiles = os.path.join(work, "export")
    out = subprocess.run([a.hoshi, "registry", "export-tiles", tiles, "--data", data], env=env, capture_output=True, text=True)
    check(out.returncode == 0, f"hoshi registry export-tiles {out.stderr.strip()[:300]}")
    out = subprocess.run([a.hoshi, "registry", "audit", "--data", data], env=env, capture_output=True, text=True)
    check(out.returncode == 0, f"hoshi registry audit: {(out.stdout + out.stderr).strip()[:300]}")

    entries = parse_entries(tiles)
    by_serial = {}
    for e in entries:
        if e.get("type") == "hoshi.registry.event.v1":
            by_serial.setdefault(e["serial"], []).append(e)
    missing = []
    for serial in {s for _, s in w.acked}:
        logged = [e["event"] for e in by_serial.get(serial, [])]
        it = iter(logged)
        mine = [ev for ev, s in w.acked if s == serial]
        if not all(ev in it for ev in mine):  # a subsequence, in order
            missing.append(f"{serial}: acknowledged {mine}, logged {logged}")
    check(not missing, f"every acknowledged change is in the log's entries, in order ({len(w.acked)} changes, {len(entries)} entries; {missing[:3]})")
    disagree = [f"{s}: logged {by_serial[s][-1]['state']}, registry {st}" for s, st in w.state.items()
                if s in by_serial and by_serial[s][-1]["state"] != st]
    check(not disagree, f"each certificate's last logged event names its state in the registry ({disagree[:3]})")

    cps = os.path.join(work, "checkpoints.json")
    with open(cps, "w") as f:
        json.dump(w.checkpoints, f)
    check(run_go(os.path.join(ROOT, "scripts", "tlogcheck"), [tiles]), "Go's tlogcheck accepts the exported tiles after the crashes")
    key = os.path.join(data, "keys", "log.key")
    check(run_go(os.path.join(HERE, "tlogconsistency"), [tiles, cps, key]),
          f"Go's tlog: the {len(w.checkpoints)} checkpoints seen are each consistent with the next and with the final one")
    print(f"crash loop took {time.monotonic() - began:.1f} s", flush=True)
    if failed == 0 and not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"data kept in {work}", flush=True)
    print(f"crash: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the summary still counts a run that could not finish
        print(f"FAIL the crash loop stopped: {e!r}", flush=True)
        print(f"crash: {passed} passed, {failed + 1} failed", flush=True)
        sys.exit(1)
