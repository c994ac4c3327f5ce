#!/usr/bin/env bash
# A soak (issue 19): mixed traffic against one `rekisteri serve` for a long
# while, to see that nothing fails and memory stays flat.
#
#   bench/soak.sh [N]          (N demo people first, default 10000)
#
# Builds release; fills a fresh SQLite data directory under bench/out/soak/
# with `rekisteri demo --people N`; adds a staff user and a token; serves on
# a free loopback port; runs bench/soak.py for DURATION seconds (default
# 1800) with WORKERS (default 8) workers, each looping over add, read,
# change (If-Match), note, list and search. Prints requests/s, the answers
# by status, the errors (any 5xx, failed connection or unexpected status:
# the target is 0), and the server's resident memory: the mean of the last
# tenth of the run over the mean of the first tenth (flat: close to 1).
# The baseline of the rate is GET /healthz for 10 s in the same run.
# Environment: DURATION, WORKERS, KEEP=1 keeps the data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-10000}
DURATION=${DURATION:-1800}
WORKERS=${WORKERS:-8}
[[ "$N" =~ ^[0-9]+$ ]] || die "N must be a whole number, not '$N'"
need cargo python3 awk
[ "${SKIP_BUILD:-0}" = 1 ] || build_release

OUT=bench/out/soak
rm -rf "$OUT"
mkdir -p "$OUT"
DATA="$OUT/data"
rk() { "$BIN" --data-dir "$DATA" "$@"; }

run_timed demo rk demo --people "$N"
rk user add soak --role staff >/dev/null
rk user commitment soak --signed 2026-11-24 >/dev/null
TOKEN=$(rk token create soak)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" >"$OUT/serve.out" 2>"$OUT/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
    sleep 0.1
done

machine_info
echo "baseline: GET /healthz, $WORKERS workers, 10 s"
BASE_RATE=$(python3 - "$PORT" "$WORKERS" <<'EOF'
import http.client, sys, threading, time
port, workers = int(sys.argv[1]), int(sys.argv[2])
end, n, lock = time.monotonic() + 10, [0], threading.Lock()
def w():
    c = http.client.HTTPConnection("127.0.0.1", port)
    while time.monotonic() < end:
        c.request("GET", "/healthz"); c.getresponse().read()
        with lock: n[0] += 1
ts = [threading.Thread(target=w) for _ in range(workers)]
[t.start() for t in ts]; [t.join() for t in ts]
print(round(n[0] / 10, 1))
EOF
)
echo "soak: $DURATION s of mixed traffic, $WORKERS workers, $N people to start"
python3 bench/soak.py "http://127.0.0.1:$PORT" "$TOKEN" "$SERVER" "$DURATION" "$WORKERS" | tee "$OUT/soak.json"
python3 - "$OUT/soak.json" "$BASE_RATE" <<'EOF'
import json, sys
r, base = json.load(open(sys.argv[1])), float(sys.argv[2])
print(f"\nrequests/s {r['requests_per_s']} = {r['requests_per_s'] / base:.3f} of /healthz ({base}/s)")
print(f"errors {r['errors']} (target 0)")
print(f"memory: last tenth {r['rss_kib_last_tenth']} KiB / first tenth {r['rss_kib_first_tenth']} KiB = {r['rss_last_over_first_tenth']}")
EOF
if grep -qi "panicked\|database is locked" "$OUT/serve.err"; then
    echo "the server's log names a panic or a locked database:" >&2
    grep -i "panicked\|database is locked" "$OUT/serve.err" | head -5 >&2
fi
