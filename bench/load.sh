#!/usr/bin/env bash
# HTTP load against a register of N people, relative to /healthz in the same run.
#
#   bench/load.sh [N]                 (N people, default 1000000)
#
# Builds release; fills a fresh SQLite data directory under bench/out/load/
# with `rekisteri demo --people N`; adds a staff user and a token; serves on a
# free loopback port; collects ~1000 person ids through the list API; then runs
# wrk (2 threads, 32 connections, DURATION seconds each, --latency) against
#   (a) GET /healthz                        the baseline: no auth, no database
#   (b) GET /api/v1/people/{id}             audited reads, ids round-robin
#   (c) GET /api/v1/search?q=<prefix>       surname prefixes (Virta, Korho, Mäkin…)
# and prints requests/s of each, person reads as % of healthz, and latencies.
# Environment: DURATION (s, default 20), THREADS (2), CONNECTIONS (32),
# SEED (1), KEEP=1 keeps the data directory.
# CHAIN=compare also measures what the audit log's hash chain costs (B1):
# person reads again on a build without the chain (feature
# bench-unchained-audit), then once more with it, on the same data; the
# chained figure is the mean of the two chained runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-1000000}
DURATION=${DURATION:-20}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
SEED=${SEED:-1}
IDS_WANTED=1000
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 0 ]] || die "N must be a positive whole number, not '$N'"
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || die "DURATION must be whole seconds, not '$DURATION'"
need cargo python3 awk curl

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is missing; installing the Debian package…" >&2
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        need sudo
        SUDO=sudo
    fi
    $SUDO apt-get update
    $SUDO apt-get install -y wrk
    command -v wrk >/dev/null 2>&1 || die "wrk could not be installed"
fi

OUT=bench/out/load
DATA=$OUT/data
rm -rf -- "$OUT"
mkdir -p "$OUT"

build_release

echo "demo: $N people…" >&2
run_timed demo "$BIN" --data-dir "$DATA" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"
DEMO_S=$ELAPSED
run_timed user "$BIN" --data-dir "$DATA" user add bench --role staff
run_timed commitment "$BIN" --data-dir "$DATA" user commitment bench --signed "$(date -u +%F)"
run_timed token "$BIN" --data-dir "$DATA" token create bench --label bench
TOKEN=$(head -n 1 "$OUT/token.out")
[[ "$TOKEN" =~ ^rk_ ]] || die "token create printed no token: $(cat "$OUT/token.out")"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

SERVER_PID=
WRK_PID=
stop_server() {
    if [ -n "$WRK_PID" ]; then
        kill "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
        WRK_PID=
    fi
    [ -n "$SERVER_PID" ] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        # Ctrl-C is the server's graceful shutdown (it flushes the audit log).
        kill -INT "$SERVER_PID" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server did not stop in 10 s after SIGINT; killing it" >&2
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# Loopback only: no proxy may see the token.
CURL=(curl --noproxy '*' --silent --show-error --max-time 10)

# start_server BINARY: serves the data directory and waits for /healthz.
start_server() {
    RUST_LOG=${RUST_LOG:-info} "$1" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" >>"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    local ready=
    for _ in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 5 "$OUT/server.log")"
        if "${CURL[@]}" --fail --output /dev/null "$BASE/healthz" 2>/dev/null; then
            ready=1
            break
        fi
        sleep 0.1
    done
    [ -n "$ready" ] || die "the server did not answer /healthz within 10 s: $(tail -n 5 "$OUT/server.log")"
    echo "serving $1 on $BASE (pid $SERVER_PID)" >&2
}
start_server "$BIN"

# ~1000 person ids, 500 a page; at most 10 pages.
python3 - "$BASE" "$TOKEN" "$IDS_WANTED" "$OUT/ids.txt" <<'PY'
import json, sys, urllib.parse, urllib.request
base, token, wanted, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ids, after = [], None
for _ in range(10):
    query = {"limit": "500"}
    if after:
        query["after"] = after
    req = urllib.request.Request(
        f"{base}/api/v1/people?{urllib.parse.urlencode(query)}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with opener.open(req, timeout=60) as resp:
        page = json.load(resp)
    ids.extend(p["id"] for p in page["items"])
    after = page.get("next_cursor")
    if len(ids) >= wanted or not after:
        break
if not ids:
    sys.exit("the list API returned no people")
with open(out, "w") as f:
    f.write("\n".join(ids[:wanted]) + "\n")
print(f"collected {min(len(ids), wanted)} person ids", file=sys.stderr)
PY
IDS=$(wc -l <"$OUT/ids.txt")

# Each request kind must work once before it is measured.
check() {
    local what=$1 url=$2 code
    shift 2
    code=$("${CURL[@]}" --output "$OUT/check.body" --write-out '%{http_code}' "$@" "$url") || die "$what: $url failed"
    [ "$code" = 200 ] || die "$what: $url answered $code: $(head -c 300 "$OUT/check.body")"
}
AUTH=(--header "Authorization: Bearer $TOKEN")
check healthz "$BASE/healthz"
check "person read" "$BASE/api/v1/people/$(head -n 1 "$OUT/ids.txt")" "${AUTH[@]}"
check search "$BASE/api/v1/search?q=Virta" "${AUTH[@]}"
grep -q '"id"' "$OUT/check.body" || echo "warning: search for Virta found nothing: $(head -c 200 "$OUT/check.body")" >&2

# run_wrk MODE: sets the BENCH line's fields as W_<field> variables.
run_wrk() {
    local mode=$1 line field
    echo "wrk $mode: ${THREADS} threads, ${CONNECTIONS} connections, ${DURATION} s…" >&2
    # wrk takes the host from the URL; wrk.lua chooses each request's path.
    local url
    case $mode in
    healthz) url=$BASE/healthz ;;
    person | person_*) url=$BASE/api/v1/people/ ;;
    search) url=$BASE/api/v1/search ;;
    page) url=$BASE/people/ ;;
    esac
    # In the background, so that a signal to this script stops it at once.
    BENCH_MODE=${mode%%_*} BENCH_TOKEN=$TOKEN BENCH_COOKIE=${COOKIE:-} BENCH_IDS=$OUT/ids.txt \
        wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${DURATION}s" \
        --timeout 10s --latency --script bench/wrk.lua "$url" >"$OUT/wrk_$mode.txt" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || die "wrk $mode failed: $(tail -n 5 "$OUT/wrk_$mode.txt")"
    WRK_PID=
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during wrk $mode: $(tail -n 5 "$OUT/server.log")"
    line=$(grep '^BENCH ' "$OUT/wrk_$mode.txt") || die "wrk $mode printed no BENCH line: $(tail -n 5 "$OUT/wrk_$mode.txt")"
    for field in ${line#BENCH }; do
        printf -v "W_${field%%=*}" '%s' "${field#*=}"
    done
    local errors=$((W_non2xx + W_connect_errors + W_read_errors + W_write_errors + W_timeouts))
    if [ "$errors" -gt 0 ]; then
        echo "warning: wrk $mode: $W_non2xx non-2xx, $W_connect_errors connect, $W_read_errors read, $W_write_errors write errors, $W_timeouts timeouts" >&2
    fi
    eval "R_${mode}_rps=$W_rps R_${mode}_p50=$W_p50_us R_${mode}_p99=$W_p99_us R_${mode}_max=$W_max_us R_${mode}_err=$errors R_${mode}_n=$W_requests"
}

# The web interface: bench logs in with its one-time password, chooses its
# own (a session opened with a one-time password opens nothing else), and
# reads person pages (HTML, the person and their timeline) with the cookie.
OTP=$(head -n 1 "$OUT/user.out")
"${CURL[@]}" --fail --output "$OUT/login.json" --dump-header "$OUT/login.headers" \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench\",\"password\":\"$OTP\"}" "$BASE/api/v1/session" ||
    die "bench could not log in to the web interface"
COOKIE=$(grep -i '^set-cookie: __Host-rekisteri-session=' "$OUT/login.headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
CSRF=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$OUT/login.json")
"${CURL[@]}" --fail --output /dev/null -X PUT -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
    -H 'Content-Type: application/json' \
    -d "{\"current_password\":\"$OTP\",\"new_password\":\"kuormitustesti kestää kauan\"}" \
    "$BASE/api/v1/me/password" || die "bench could not choose its password"
check "person page" "$BASE/people/$(head -n 1 "$OUT/ids.txt")" --header "Cookie: $COOKIE"

run_wrk healthz
run_wrk person
run_wrk search
run_wrk page

if [ "${CHAIN:-}" = compare ]; then
    UNCHAINED=target/unchained/release/rekisteri
    stop_server
    echo "building the benchmark-only binary without the audit chain…" >&2
    cargo build --release --locked -p rekisteri --features bench-unchained-audit --target-dir target/unchained >&2
    start_server "$UNCHAINED"
    run_wrk person_unchained
    stop_server
    start_server "$BIN"
    run_wrk person_chained
fi

stop_server
DB_MB=$(calc "$(du -sb "$DATA" | cut -f1) / 1048576" 1)

ms() { calc "$1 / 1000" 2; }
PERSON_PCT=$(calc "100 * $R_person_rps / $R_healthz_rps" 1)
SEARCH_PCT=$(calc "100 * $R_search_rps / $R_healthz_rps" 1)
SEARCH_P99_MS=$(ms "$R_search_p99")
{
    echo
    echo "Rekisteri HTTP load, N=$N people (demo in ${DEMO_S} s, database ${DB_MB} MB), SQLite ($(machine_info))"
    echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION} s each; $IDS person ids round-robin"
    echo
    printf '%-30s %10s %10s %9s %9s %9s %8s\n' "request" "req/s" "vs healthz" "p50 ms" "p99 ms" "max ms" "errors"
    for m in healthz person search page; do
        rps_v=R_${m}_rps p50_v=R_${m}_p50 p99_v=R_${m}_p99 max_v=R_${m}_max err_v=R_${m}_err
        case $m in
        healthz) label="GET /healthz" ;;
        person) label="GET /api/v1/people/{id}" ;;
        search) label="GET /api/v1/search?q=…" ;;
        page) label="GET /people/{id} (HTML)" ;;
        esac
        printf '%-30s %10s %10s %9s %9s %9s %8s\n' "$label" "$(calc "${!rps_v}" 0)" \
            "$(calc "100 * ${!rps_v} / $R_healthz_rps" 1)%" "$(ms "${!p50_v}")" "$(ms "${!p99_v}")" "$(ms "${!max_v}")" "${!err_v}"
    done
    echo
    met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi; }
    echo "target: person reads >= 30% of healthz req/s   $(met "$PERSON_PCT >= 30") (${PERSON_PCT}%)"
    echo "target: search p99 < 15 ms (at 1M people)       $(met "$SEARCH_P99_MS < 15") (${SEARCH_P99_MS} ms at N=$N)"
    echo "person page (HTML, with its timeline) vs the JSON read: $(calc "100 * $R_page_rps / $R_person_rps" 1)%"
    if [ "${CHAIN:-}" = compare ]; then
        CHAINED_RPS=$(calc "($R_person_rps + $R_person_chained_rps) / 2" 0)
        echo
        echo "audit chain (B1), person reads: chained ${CHAINED_RPS} req/s (mean of $(calc "$R_person_rps" 0) and $(calc "$R_person_chained_rps" 0)),"
        echo "  unchained $(calc "$R_person_unchained_rps" 0) req/s: the chain keeps $(calc "100 * $CHAINED_RPS / $R_person_unchained_rps" 1)% of unchained throughput"
    fi
    if [ $((R_healthz_err + R_person_err + R_search_err + R_page_err)) -gt 0 ]; then
        echo "WARNING: some requests failed (errors column); see $OUT/wrk_*.txt and $OUT/server.log"
    fi
} | tee "$OUT/results.txt"

{
    echo "n=$N"
    echo "healthz_rps=$(calc "$R_healthz_rps" 0)"
    echo "person_rps=$(calc "$R_person_rps" 0)"
    echo "person_pct_of_healthz=$PERSON_PCT"
    echo "search_rps=$(calc "$R_search_rps" 0)"
    echo "search_pct_of_healthz=$SEARCH_PCT"
    echo "search_p50_ms=$(ms "$R_search_p50")"
    echo "search_p99_ms=$SEARCH_P99_MS"
    echo "person_p99_ms=$(ms "$R_person_p99")"
    echo "page_rps=$(calc "$R_page_rps" 0)"
    echo "page_pct_of_person=$(calc "100 * $R_page_rps / $R_person_rps" 1)"
} >"$OUT/results.env"

if [ "${KEEP:-0}" != 1 ]; then
    rm -rf -- "$DATA" "$OUT/token.out"
fi
echo "(logs and results in $OUT/)" >&2
