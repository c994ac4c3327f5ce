#!/usr/bin/env bash
# Erasure of a person with many related rows (R8, R21), against baselines
# measured in the same run.
#
#   bench/erasure.sh [N]        (N demo people, default 100000)
#
# Builds release; fills a fresh SQLite data directory with `rekisteri demo
# --people N`; picks three demo people without holds and gives two of them
# ROWS related rows each (crates/store/examples/erasure_floor.rs) (default 10 000: half notes — each with its
# search row —, 30 % orders, 20 % contact values, half of those email
# addresses). Then times, on that same data:
#   erasure      rekisteri erasure person A (the store's erase_person: holds
#                re-checked, tombstones, requests minimised, orders kept
#                without the person, every row deleted, audit rows), the
#                time the command reports for the erasure itself
#   plain delete the same rows of twin B deleted by plain SQL (the
#                store's example erasure_floor, one transaction: the search
#                rows, then the person — the foreign keys cascade and set the
#                orders' person to NULL); no holds, tombstones or audit
#   small        rekisteri erasure person C, a demo person with ~10 rows
#   unsecure     twin D's plain delete with the full-text index's
#                secure-delete off: the cost of removing terms for good
# and prints the seconds and the ratio erasure ÷ plain delete.
# Environment: SEED (default 1), ROWS (default 10000), KEEP=1 keeps the data.
# CARGO_TARGET_DIR is honoured for the binary's place.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-100000}
SEED=${SEED:-1}
ROWS=${ROWS:-10000}
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 10 ]] || die "N must be a whole number above 10, not '$N'"
[[ "$ROWS" =~ ^[0-9]+$ && "$ROWS" -ge 10 ]] || die "ROWS must be a whole number of at least 10"
need cargo awk sqlite3
BIN=${CARGO_TARGET_DIR:-target}/release/rekisteri

OUT=bench/out/erasure
rm -rf -- "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data
DB=$DATA/rekisteri.db

echo "building release binaries…" >&2
cargo build --release --locked -p rekisteri >&2
cargo build --release --locked -p rekisteri-store --example erasure_floor >&2
FLOOR=${CARGO_TARGET_DIR:-target}/release/examples/erasure_floor

echo "demo: $N people…" >&2
run_timed demo "$BIN" --data-dir "$DATA" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"
run_timed user "$BIN" --data-dir "$DATA" user add officer --role privacy-officer
run_timed commitment "$BIN" --data-dir "$DATA" user commitment officer --signed 2026-01-01

# Three people no hold applies to.
mapfile -t PEOPLE < <(sqlite3 "$DB" "SELECT id FROM people p
  WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.person_id = p.id AND i.status IN ('open', 'debt_collection'))
    AND NOT EXISTS (SELECT 1 FROM person_organisations l WHERE l.person_id = p.id AND l.is_contact_person = 1)
  ORDER BY id LIMIT 4")
[ "${#PEOPLE[@]}" -eq 4 ] || die "the demo data has fewer than four people without holds"
A=${PEOPLE[0]} B=${PEOPLE[1]} C=${PEOPLE[2]} D=${PEOPLE[3]}

NOTES=$((ROWS / 2)) ORDERS=$((ROWS * 3 / 10)) CONTACTS=$((ROWS - ROWS / 2 - ROWS * 3 / 10))
echo "adding $ROWS rows to each of two people ($NOTES notes, $ORDERS orders, $CONTACTS contact values)…" >&2
for P in "$A" "$B" "$D"; do
  run_timed "fill-$P" "$FLOOR" fill "$DATA" "$P" "$NOTES" "$ORDERS" "$CONTACTS"
  expect_in "$OUT/fill-$P.out" "filled $P"
done
SMALL_ROWS=$(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM notes WHERE person_id = '$C') + (SELECT COUNT(*) FROM orders WHERE person_id = '$C')
  + (SELECT COUNT(*) FROM person_contacts WHERE person_id = '$C') + (SELECT COUNT(*) FROM invoices WHERE person_id = '$C')
  + (SELECT COUNT(*) FROM person_organisations WHERE person_id = '$C') + (SELECT COUNT(*) FROM permission_events WHERE person_id = '$C')")

# The command reports the erasure's own time: "erased ID in S s; …".
erase() {
  run_timed "$1" "$BIN" --data-dir "$DATA" erasure person "$2" --as officer
  expect_in "$OUT/$1.out" "erased $2 in"
  sed -E 's/.* in ([0-9.]+) s;.*/\1/' "$OUT/$1.out"
}

echo "erasure of A ($ROWS rows)…" >&2
ERASE_S=$(erase erasure "$A")
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM notes WHERE person_id = '$A'")" = 0 ] || die "A's notes are still there"

echo "plain delete of B ($ROWS rows)…" >&2
run_timed plain "$FLOOR" delete "$DATA" "$B"
PLAIN_S=$(sed -n 's/^plain_delete_s=//p' "$OUT/plain.out")
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM notes WHERE person_id = '$B'")" = 0 ] || die "B's notes are still there"

echo "erasure of C ($SMALL_ROWS rows)…" >&2
SMALL_S=$(erase small "$C")

# Last, as it changes the database: the same plain delete with the
# full-text index's secure delete off (deleted terms only marked, left in
# the index's pages until a merge): what R21's thoroughness costs.
echo "plain delete of D ($ROWS rows), full-text secure delete off…" >&2
FTS_SECURE_DELETE=0 run_timed unsecure "$FLOOR" delete "$DATA" "$D"
UNSECURE_S=$(sed -n 's/^plain_delete_s=//p' "$OUT/unsecure.out")

RATIO=$(calc "$ERASE_S / $PLAIN_S" 2)
{
  echo "# erasure, $(machine_info)"
  echo "demo people: $N; related rows of the erased person: $ROWS (+ $NOTES search rows)"
  printf '%-34s %10s\n' "what" "seconds"
  printf '%-34s %10s\n' "erase_person, $ROWS rows" "$ERASE_S"
  printf '%-34s %10s\n' "plain SQL delete, $ROWS rows" "$PLAIN_S"
  printf '%-34s %10s\n' "erase_person, $SMALL_ROWS rows (small)" "$SMALL_S"
  printf '%-34s %10s\n' "plain delete, FTS secure-delete off" "$UNSECURE_S"
  echo "erasure ÷ plain delete: $RATIO"
} | tee "$OUT/results.txt"
{
  echo "n=$N"; echo "rows=$ROWS"; echo "erase_s=$ERASE_S"; echo "plain_s=$PLAIN_S"
  echo "small_s=$SMALL_S"; echo "unsecure_s=$UNSECURE_S"; echo "ratio=$RATIO"
} >"$OUT/results.env"
[ "${KEEP:-0}" = 1 ] || rm -rf -- "$DATA"
