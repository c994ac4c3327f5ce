#!/usr/bin/env bash
# Marketing list export speed (R15), against a baseline measured in the same run.
#
#   bench/audience.sh [N]        (N demo people, default 1000000)
#
# Builds release; fills a fresh SQLite data directory with `rekisteri demo
# --people N` (people, organisations, orders, invoices, notes and marketing
# permissions); then times, on that same data:
#   baseline     rekisteri export people --format csv (every person, no rules)
#   letter csv   rekisteri export audience --channel letter (opt-out: most people)
#   email csv    rekisteri export audience --channel email (opt-in: those who agreed,
#                and existing customers for selling)
#   email json   the same as JSON
# and prints, for each, people scanned per second (the list reads all N),
# rows written per second, and the time as a ratio of the baseline's.
# Environment: SEED (default 1); KEEP=1 keeps the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-1000000}
SEED=${SEED:-1}
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 0 ]] || die "N must be a positive whole number, not '$N'"
need cargo awk

OUT=bench/out/audience
rm -rf -- "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data

build_release

echo "demo: $N people…" >&2
run_timed demo "$BIN" --data-dir "$DATA" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"
DEMO_S=$ELAPSED

echo "baseline: export people…" >&2
run_timed baseline "$BIN" --data-dir "$DATA" export people --format csv --output "$OUT/people.csv"
expect_in "$OUT/baseline.err" "exported"
BASE_S=$ELAPSED
BASE_ROWS=$(sed -n 's/^exported \([0-9]*\) people.*/\1/p' "$OUT/baseline.err")

audience() { # NAME CHANNEL FORMAT
    run_timed "$1" "$BIN" --data-dir "$DATA" export audience --channel "$2" \
        --marketing-purpose direct_marketing --purpose advertising_targeting \
        --format "$3" --output "$OUT/$1.$3"
    expect_in "$OUT/$1.err" "exported"
}
echo "audience: letter csv…" >&2
audience letter letter csv
LETTER_S=$ELAPSED
LETTER_ROWS=$(sed -n 's/^exported \([0-9]*\) people.*/\1/p' "$OUT/letter.err")
echo "audience: email csv…" >&2
audience email email csv
EMAIL_S=$ELAPSED
EMAIL_ROWS=$(sed -n 's/^exported \([0-9]*\) people.*/\1/p' "$OUT/email.err")
echo "audience: email json…" >&2
audience email_json email json
EMAIL_JSON_S=$ELAPSED

line() { # LABEL SECONDS ROWS
    printf '%-36s %9s %12s %12s %10s\n' "$1" "$2" "$(calc "$N / $2" 0)" "$(calc "$3 / $2" 0)" "$(calc "$2 / $BASE_S" 2)x"
}
{
    echo
    echo "Rekisteri marketing lists, N=$N demo people, SQLite ($(machine_info))"
    echo "demo filled in ${DEMO_S} s; database $(calc "$(du -sb "$DATA" | cut -f1) / 1048576" 1) MB"
    echo
    printf '%-36s %9s %12s %12s %10s\n' "step" "seconds" "scanned/s" "rows out/s" "vs base"
    line "export people csv (baseline)" "$BASE_S" "$BASE_ROWS"
    line "audience letter/direct_marketing csv" "$LETTER_S" "$LETTER_ROWS"
    line "audience email/direct_marketing csv" "$EMAIL_S" "$EMAIL_ROWS"
    line "audience email/direct_marketing json" "$EMAIL_JSON_S" "$EMAIL_ROWS"
    echo
    echo "rows: baseline $BASE_ROWS, letter $LETTER_ROWS, email $EMAIL_ROWS"
} | tee "$OUT/results.txt"

if [ "${KEEP:-0}" != 1 ]; then
    rm -rf -- "$DATA" "$OUT"/*.csv "$OUT"/*.json
fi
echo "(logs and results in $OUT/)" >&2
