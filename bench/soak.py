"""Mixed traffic against a running register for a while (bench/soak.sh).

    python3 bench/soak.py BASE TOKEN PID SECONDS WORKERS

Each worker loops over the staff's everyday mix: add a person (a new
address each time), read them, change them with If-Match, add a note,
list a page of people, search. Every answer is counted by status; an
error is a 5xx, a failed connection, or any answer the mix does not
expect. The server's resident memory (from /proc/PID/status) is sampled
every ten seconds. Prints one JSON object of the figures at the end.
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections import Counter

BASE, TOKEN, PID, SECONDS, WORKERS = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    float(sys.argv[4]),
    int(sys.argv[5]),
)
HOST = urllib.parse.urlparse(BASE)
END = time.monotonic() + SECONDS
statuses = Counter()
errors = Counter()
lock = threading.Lock()
SURNAMES = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen"]


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(n):
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    def call(method, path, body=None, expect=(200,), extra=None):
        h = dict(headers, **(extra or {}))
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
            r = conn.getresponse()
            data = r.read()
        except Exception as e:  # a failed connection is an error
            with lock:
                errors[f"{method} {path.split('?')[0]}: {type(e).__name__}"] += 1
            conn.close()
            return None, None, None
        with lock:
            statuses[r.status] += 1
            if r.status not in expect:
                errors[f"{method} {path.split('?')[0]}: {r.status}"] += 1
        return r.status, r.getheader("ETag"), data

    i = 0
    while time.monotonic() < END:
        i += 1
        last = SURNAMES[i % len(SURNAMES)]
        person = {
            "first_name": "Kesto",
            "last_name": last,
            "emails": [f"kesto.{n}.{i}.{int(time.time() * 1000)}@esimerkki.fi"],
            "phones": ["040 123 4567"],
            "source": "registration",
        }
        status, etag, data = call("POST", "/api/v1/people", person, expect=(201,))
        if status != 201:
            continue
        pid = json.loads(data)["id"]
        call("GET", f"/api/v1/people/{pid}")
        person["title"] = "asiakas"
        call("PUT", f"/api/v1/people/{pid}", person, extra={"If-Match": etag})
        call("POST", "/api/v1/notes", {"person_id": pid, "kind": "meeting_note", "body": f"Soitto {i}"}, expect=(201,))
        call("GET", "/api/v1/people?limit=50")
        call("GET", f"/api/v1/search?q={urllib.parse.quote(last[:5])}")


def main():
    samples = [(0.0, rss_kib())]
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(WORKERS)]
    for t in threads:
        t.start()
    while time.monotonic() < END:
        time.sleep(min(10, max(0.1, END - time.monotonic())))
        samples.append((time.monotonic() - started, rss_kib()))
    for t in threads:
        t.join(timeout=60)
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    tenth = max(1, len(samples) // 10)
    first = sum(s for _, s in samples[1 : tenth + 1]) / tenth
    last = sum(s for _, s in samples[-tenth:]) / tenth
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 1),
                "workers": WORKERS,
                "requests": total,
                "requests_per_s": round(total / elapsed, 1),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "errors": sum(errors.values()),
                "error_kinds": dict(errors.most_common(10)),
                "rss_kib_start": samples[0][1],
                "rss_kib_first_tenth": round(first),
                "rss_kib_last_tenth": round(last),
                "rss_kib_max": max(s for _, s in samples),
                "rss_last_over_first_tenth": round(last / first, 3) if first else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
