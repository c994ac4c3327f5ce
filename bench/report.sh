#!/usr/bin/env bash
# Access report speed (R14, R16), against a baseline measured in the same run.
#
#   bench/report.sh [N] [ROWS]   (N demo people, default 10000; ROWS related
#                                 rows of one person, default 10000)
#
# Builds release; fills a fresh SQLite data directory with `rekisteri demo
# --people N`; gives one person ROWS more rows (half notes, half one-line
# orders: `crates/server/examples/report_bench.rs`), then times (median of
# R runs, default 9) on that same data:
#   read (baseline)  the audited read of that person (GET /people/{id}'s store call)
#   light report     the whole report (JSON) of a demo person with their few rows
#   store            the heavy person's report as the store builds it (one snapshot)
#   json, html, csv  the heavy report built and rendered (the zip for csv)
# and prints each in milliseconds and as a ratio of the baseline's.
# Environment: SEED (default 1), R (default 9); KEEP=1 keeps the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-10000}
ROWS=${2:-10000}
SEED=${SEED:-1}
R=${R:-9}
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 2 ]] || die "N must be a whole number of at least 2, not '$N'"
[[ "$ROWS" =~ ^[0-9]+$ ]] || die "ROWS must be a whole number, not '$ROWS'"
need cargo awk

TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/rekisteri
OUT=bench/out/report
rm -rf -- "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data

echo "building release binaries…" >&2
cargo build --release --locked -p rekisteri --bin rekisteri --example report_bench >&2

echo "demo: $N people…" >&2
run_timed demo "$BIN" --data-dir "$DATA" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"

echo "report: a person with $ROWS more rows, $R runs each…" >&2
run_timed bench "$TARGET/release/examples/report_bench" "$DATA" "$ROWS" "$R"
value() { awk -v k="$1" '$1 == k { print $2 }' "$OUT/bench.out"; }
size() { awk -v k="$1" '$1 == k { print $3 }' "$OUT/bench.out"; }
READ_S=$(value read)

line() { # LABEL KEY
    local s
    s=$(value "$2")
    printf '%-40s %10s %10s %12s\n' "$1" "$(calc "$s * 1000" 2)" "$(calc "$s / $READ_S" 1)x" "${3:-}"
}
{
    echo
    echo "Rekisteri access report, N=$N demo people, one person with $(value heavy_rows) records in the report, SQLite ($(machine_info))"
    echo "median of $R runs"
    echo
    printf '%-40s %10s %10s %12s\n' "step" "ms" "vs read" "bytes"
    line "read the person (baseline)" read
    line "light report, $(value light_rows) records, json" light
    line "heavy report, store only" store
    line "heavy report, json" json "$(size json)"
    line "heavy report, html" html "$(size html)"
    line "heavy report, csv zip" csv "$(size csv)"
} | tee "$OUT/results.txt"

if [ "${KEEP:-0}" != 1 ]; then
    rm -rf -- "$DATA"
fi
