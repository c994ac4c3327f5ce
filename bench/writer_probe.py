"""The longest time another writer waits for SQLite's write lock while a
command runs (issue 19 §1): a probe takes the lock (BEGIN IMMEDIATE) and
lets it go at once, every 20 ms, until STOP_FILE exists; prints the longest
wait in ms and how many probes ran.

    python3 bench/writer_probe.py DB_FILE STOP_FILE
"""

import os
import sqlite3
import sys
import time

db, stop = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, timeout=600, isolation_level=None)
longest, probes = 0.0, 0
while not os.path.exists(stop):
    started = time.monotonic()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")
    longest = max(longest, time.monotonic() - started)
    probes += 1
    time.sleep(0.02)
print(f"longest_wait_ms={longest * 1000:.0f}")
print(f"probes={probes}")
