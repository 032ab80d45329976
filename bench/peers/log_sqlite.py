"""Peer for bench/log.sh: the same durable log writes in Python's sqlite3, WAL, synchronous=FULL.

1. CHANGES events, each INSERTed and committed in its own transaction (one writer).
2. ENTRIES events appended to an RFC 6962 tree in one transaction: the entry row and its stored
   hashes (leaf and completed parents, SHA-256 as tlog does), executemany.
Prints one JSON line.
"""
import hashlib, json, os, sqlite3, sys, tempfile, time

entries = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
changes = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
path = os.path.join(tempfile.mkdtemp(), "peer.db")
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE log_pending (id INTEGER PRIMARY KEY, data BLOB NOT NULL, serial TEXT, created_at INTEGER NOT NULL)")
db.execute("CREATE TABLE log_entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, serial TEXT, created_at INTEGER NOT NULL)")
db.execute("CREATE TABLE log_hashes (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL)")

def event(i):
    return ('{"type":"hoshi.bench.v1","event":"changed","serial":"HSB-%07d","corporate_number":"1234567890123","level":3,"state":"active","at":"2026-12-02T00:00:00Z"}' % i).encode()

t = time.perf_counter()
for i in range(changes):
    db.execute("BEGIN")
    db.execute("INSERT INTO log_pending (data, serial, created_at) VALUES (?, NULL, 1)", (event(i),))
    db.execute("COMMIT")
acked = time.perf_counter() - t

def stored_hash_index(level, n):
    for _ in range(level):
        n = 2 * n + 1
    i = 0
    while n > 0:
        i += n
        n >>= 1
    return i + level

t = time.perf_counter()
hashes, rows, hrows = {}, [], []
for n in range(entries):
    data = event(1000000 + n)
    h = hashlib.sha256(b"\x00" + data).digest()
    at = stored_hash_index(0, n)
    new = [h]
    level, m = 0, n
    while m & 1:
        left = hashes[stored_hash_index(level, (n >> level) - 1)]
        h = hashlib.sha256(b"\x01" + left + h).digest()
        new.append(h)
        level += 1
        m >>= 1
    for k, x in enumerate(new):
        hashes[at + k] = x
        hrows.append((at + k, x))
    rows.append((n, data, None, 1))
db.execute("BEGIN")
db.executemany("INSERT INTO log_entries VALUES (?, ?, ?, ?)", rows)
db.executemany("INSERT INTO log_hashes VALUES (?, ?)", hrows)
db.execute("COMMIT")
seq = time.perf_counter() - t
print(json.dumps({"acknowledged": {"changes": changes, "seconds": acked, "per_second": changes / acked},
                  "sequence": {"entries": entries, "seconds": seq, "per_second": entries / seq}}))
