"""bench/http.sh's bulk-verification client and peer.

Sends POST /api/v1/registry/verify with N corporate numbers over one keep-alive connection
(RUNS times, median), and, as the bound, runs one SQL IN query for the same numbers on the same
SQLite file with Python's sqlite3 (the work the request cannot avoid: reading those rows).
Usage: verify_client.py HOST:PORT DB N [RUNS]. Prints one JSON line.
"""
import http.client, json, sqlite3, statistics, sys, time

hostport, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 21
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
numbers = [r[0] for r in con.execute("SELECT corporate_number FROM organizations ORDER BY id LIMIT ?", (n,))]
if len(numbers) < n:
    sys.exit(f"the database has {len(numbers)} organisations, fewer than {n}")
body = json.dumps({"corporate_numbers": numbers, "required_level": 3})
host, port = hostport.split(":")
c = http.client.HTTPConnection(host, int(port))
times = []
for i in range(runs + 2):
    t = time.perf_counter()
    c.request("POST", "/api/v1/registry/verify", body, {"content-type": "application/json"})
    r = c.getresponse()
    data = r.read()
    dt = time.perf_counter() - t
    if r.status != 200:
        sys.exit(f"verify answered {r.status}: {data[:300]!r}")
    if i >= 2:
        times.append(dt)
results = json.loads(data)["results"]
assert len(results) == n, len(results)
peer = []
q = ("SELECT o.corporate_number, c.serial, c.level, c.state, c.valid_until FROM organizations o "
     "LEFT JOIN certificates c ON c.org_id = o.id WHERE o.corporate_number IN (%s)" % ",".join("?" * n))
for i in range(runs):
    t = time.perf_counter()
    rows = con.execute(q, numbers).fetchall()
    peer.append(time.perf_counter() - t)
print(json.dumps({"n": n, "median_ms": statistics.median(times) * 1000, "peer_median_ms": statistics.median(peer) * 1000,
                  "meets": sum(1 for x in results if x.get("meets_requirement")), "peer_rows": len(rows)}))
