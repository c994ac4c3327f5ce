#!/usr/bin/env bash
# Import and export speed, against a floor measured in the same run.
#
#   bench/import_export.sh [N]        (N people, default 1000000)
#
# Builds release; writes a CSV of N synthetic people; times, each into a fresh
# SQLite data directory under bench/out/import_export/:
#   floor        crates/store/examples/insert_floor.rs: N bare single-row
#                INSERTs into `people` in one transaction (the same schema and
#                pragmas): what the database takes, with none of the import's work
#   import       rekisteri import people FILE.csv --source staff_entry, with
#                bench/writer_probe.py beside it: the longest another writer
#                waited for SQLite's write lock meanwhile
#   export csv   rekisteri export people --format csv  --output …
#   export json  rekisteri export people --format json --output …
#   demo         rekisteri demo --people N (people with organisations, orders,
#                invoices and notes), into another fresh directory
# and prints rows/s for each and the import as a percentage of the floor.
# Environment: SEED (default 1) for the CSV and the demo; KEEP=1 keeps the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-1000000}
SEED=${SEED:-1}
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 0 ]] || die "N must be a positive whole number, not '$N'"
need cargo python3 awk

OUT=bench/out/import_export
rm -rf -- "$OUT"
mkdir -p "$OUT"

build_release

echo "generating $N people…" >&2
run_timed generate python3 bench/gen_people.py "$N" "$OUT/people.csv" "$SEED"
GEN_S=$ELAPSED
CSV_MB=$(calc "$(stat -c %s "$OUT/people.csv") / 1048576" 1)

echo "floor: $N single-row INSERTs…" >&2
run_timed floor target/release/examples/insert_floor "$N"
FLOOR_RPS=$(sed -n 's/^floor_rows_per_sec=//p' "$OUT/floor.out")
[ -n "$FLOOR_RPS" ] || die "insert_floor printed no floor_rows_per_sec: $(cat "$OUT/floor.out")"
FLOOR_S=$(calc "$N / $FLOOR_RPS")

# For reading the floor, not a baseline: the same loop with both of its threads
# (tokio's and sqlx's SQLite worker) on one CPU. Each single-row INSERT is a
# hand-off between the two, and on many VMs waking an idle CPU costs more than
# the INSERT, so this is often much faster than the floor itself.
FLOOR_PINNED_RPS=
if command -v taskset >/dev/null 2>&1; then
    echo "floor pinned to one CPU (for information)…" >&2
    run_timed floor_pinned taskset -c 0 target/release/examples/insert_floor "$N"
    FLOOR_PINNED_RPS=$(sed -n 's/^floor_rows_per_sec=//p' "$OUT/floor_pinned.out")
fi

echo "import (with a writer probe beside it)…" >&2
# The register is made first, so that the probe can wait for its writer
# while the import runs: its longest wait is the longest the import held
# SQLite's one writer (issue 19 §1).
"$BIN" --data-dir "$OUT/data" migrate >"$OUT/migrate.out" 2>&1
rm -f "$OUT/probe.stop"
python3 bench/writer_probe.py "$OUT/data/rekisteri.db" "$OUT/probe.stop" >"$OUT/probe.out" &
PROBE=$!
trap 'touch "$OUT/probe.stop"; kill $PROBE 2>/dev/null || true' EXIT
run_timed import "$BIN" --data-dir "$OUT/data" import people "$OUT/people.csv" --source staff_entry
touch "$OUT/probe.stop"
wait "$PROBE"
expect_in "$OUT/import.err" "imported $N people"
IMPORT_S=$ELAPSED
HOLD_MS=$(sed -n 's/^longest_wait_ms=//p' "$OUT/probe.out")
DB_MB=$(calc "$(du -sb "$OUT/data" | cut -f1) / 1048576" 1)

echo "export csv…" >&2
run_timed export_csv "$BIN" --data-dir "$OUT/data" export people --format csv --output "$OUT/export.csv"
expect_in "$OUT/export_csv.err" "exported $N people"
EXPORT_CSV_S=$ELAPSED

echo "export json…" >&2
run_timed export_json "$BIN" --data-dir "$OUT/data" export people --format json --output "$OUT/export.json"
expect_in "$OUT/export_json.err" "exported $N people"
EXPORT_JSON_S=$ELAPSED

echo "demo…" >&2
run_timed demo "$BIN" --data-dir "$OUT/demo" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"
DEMO_S=$ELAPSED

rps() { calc "$N / $1" 0; }
IMPORT_RPS=$(rps "$IMPORT_S")
IMPORT_PCT=$(calc "100 * $IMPORT_RPS / $FLOOR_RPS" 1)

{
    echo
    echo "Rekisteri import/export, N=$N people, SQLite ($(machine_info))"
    echo "CSV generated in ${GEN_S} s (${CSV_MB} MB); database after import ${DB_MB} MB"
    echo
    printf '%-34s %10s %12s %10s\n' "step" "seconds" "rows/s" "vs floor"
    printf '%-34s %10s %12s %10s\n' "floor (bare INSERT into people)" "$FLOOR_S" "$(calc "$FLOOR_RPS" 0)" "100.0%"
    if [ -n "$FLOOR_PINNED_RPS" ]; then
        printf '%-34s %10s %12s %10s\n' "  (info: floor pinned to 1 CPU)" "$(calc "$N / $FLOOR_PINNED_RPS")" "$(calc "$FLOOR_PINNED_RPS" 0)" "$(calc "100 * $FLOOR_PINNED_RPS / $FLOOR_RPS" 1)%"
    fi
    printf '%-34s %10s %12s %10s\n' "import people (CSV)" "$IMPORT_S" "$IMPORT_RPS" "${IMPORT_PCT}%"
    echo "longest writer hold during the import: ${HOLD_MS} ms = $(calc "$HOLD_MS / 10 / $IMPORT_S" 1)% of the import's time"
    printf '%-34s %10s %12s %10s\n' "export people --format csv" "$EXPORT_CSV_S" "$(rps "$EXPORT_CSV_S")" "$(calc "100 * $N / $EXPORT_CSV_S / $FLOOR_RPS" 1)%"
    printf '%-34s %10s %12s %10s\n' "export people --format json" "$EXPORT_JSON_S" "$(rps "$EXPORT_JSON_S")" "$(calc "100 * $N / $EXPORT_JSON_S / $FLOOR_RPS" 1)%"
    printf '%-34s %10s %12s %10s\n' "demo --people N (with related data)" "$DEMO_S" "$(rps "$DEMO_S")" "$(calc "100 * $N / $DEMO_S / $FLOOR_RPS" 1)%"
    echo
    met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi; }
    echo "target: import >= 100000 people/s        $(met "$IMPORT_RPS >= 100000") ($IMPORT_RPS/s)"
    echo "target: import >= 25% of the floor       $(met "$IMPORT_PCT >= 25") (${IMPORT_PCT}%)"
} | tee "$OUT/results.txt"

{
    echo "n=$N"
    echo "floor_rows_per_sec=$(calc "$FLOOR_RPS" 0)"
    echo "floor_pinned_rows_per_sec=${FLOOR_PINNED_RPS:+$(calc "$FLOOR_PINNED_RPS" 0)}"
    echo "import_rows_per_sec=$IMPORT_RPS"
    echo "import_pct_of_floor=$IMPORT_PCT"
    echo "import_longest_writer_hold_ms=$HOLD_MS"
    echo "export_csv_rows_per_sec=$(rps "$EXPORT_CSV_S")"
    echo "export_json_rows_per_sec=$(rps "$EXPORT_JSON_S")"
    echo "demo_people_per_sec=$(rps "$DEMO_S")"
} >"$OUT/results.env"

if [ "${KEEP:-0}" != 1 ]; then
    rm -rf -- "$OUT/data" "$OUT/demo" "$OUT/people.csv" "$OUT/export.csv" "$OUT/export.json"
fi
echo "(logs and results in $OUT/)" >&2
