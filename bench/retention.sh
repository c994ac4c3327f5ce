#!/usr/bin/env bash
# The retention sweep (R9) and backups (B2), against baselines measured in
# the same run on the same data.
#
#   bench/retention.sh [N]       (N demo people, default 1000000)
#
# Builds release; fills a fresh SQLite data directory with `rekisteri demo
# --people N`; ends the customer relationship of EXPIRED people (default
# N/10) eleven years ago, by SQL. Then times:
#   dry run      rekisteri retention run --dry-run --format csv (every
#                policy's expired records with their holds; read-only)
#   sweep        rekisteri retention run: each expired person erased through
#                the erasure (holds re-checked, tombstones, Art. 19 notices
#                as jobs, the journal entry, audit rows), one transaction each
#   plain delete the same people (the ids the sweep recorded) deleted by
#                plain SQL on a copy taken before the sweep: one transaction,
#                their search rows then the people, the foreign keys cascading
#   backup       rekisteri backup create (VACUUM INTO, unencrypted) and with a
#                passphrase (age), against cp of the database file
#   restore      rekisteri backup restore into an empty data directory,
#                against cp of the file
# With REKISTERI_BENCH_POSTGRES=postgres://… also backup and restore of the
# same register on PostgreSQL (demo there too) against pg_dump -Fc and
# pg_restore run by hand.
# Environment: SEED (default 1), EXPIRED, KEEP=1 keeps the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-1000000}
SEED=${SEED:-1}
EXPIRED=${EXPIRED:-$((N / 10))}
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 10 ]] || die "N must be a whole number above 10, not '$N'"
[[ "$EXPIRED" =~ ^[0-9]+$ && "$EXPIRED" -le "$N" ]] || die "EXPIRED must be a whole number up to N"
need cargo awk sqlite3
BIN=${CARGO_TARGET_DIR:-target}/release/rekisteri

OUT=bench/out/retention
rm -rf -- "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data
DB=$DATA/rekisteri.db
export REKISTERI_BACKUP_PASSPHRASE=

echo "building release binaries…" >&2
cargo build --release --locked -p rekisteri >&2

echo "demo: $N people…" >&2
run_timed demo "$BIN" --data-dir "$DATA" demo --people "$N" --seed "$SEED"
expect_in "$OUT/demo.err" "demo: $N people"

echo "ending $EXPIRED relationships eleven years ago…" >&2
sqlite3 "$DB" "UPDATE people SET relationship_ended_on = '2015-06-30', relationship_end_reason = 'bench'
  WHERE id IN (SELECT id FROM people ORDER BY id LIMIT $EXPIRED)"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM people WHERE relationship_ended_on IS NOT NULL")" = "$EXPIRED" ] \
  || die "the relationships were not ended"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

# The baseline's copy, before the sweep changes anything.
PLAIN=$OUT/plain
mkdir -p "$PLAIN"
cp "$DB" "$PLAIN/rekisteri.db"

echo "dry run…" >&2
run_timed dry "$BIN" --data-dir "$DATA" retention run --dry-run --format csv
DRY_S=$ELAPSED
LISTED=$(grep -c '^customer_data,person,' "$OUT/dry.out" || true)
HELD=$(grep '^customer_data,person,' "$OUT/dry.out" | awk -F, '$9 != ""' | wc -l)
[ "$LISTED" = "$EXPIRED" ] || die "the dry run listed $LISTED people, not $EXPIRED"

echo "sweep…" >&2
run_timed sweep "$BIN" --data-dir "$DATA" retention run
SWEEP_S=$ELAPSED
ERASED=$(sqlite3 "$DB" "SELECT COUNT(*) FROM retention_sweep_items WHERE category = 'customer_data'")
[ "$ERASED" = "$((LISTED - HELD))" ] || die "the sweep erased $ERASED, the dry run expected $((LISTED - HELD))"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM people WHERE relationship_ended_on IS NOT NULL")" = "$HELD" ] \
  || die "people the sweep should have erased are left"

echo "plain delete of the same $ERASED people…" >&2
sqlite3 "$DB" "SELECT record_id FROM retention_sweep_items WHERE category = 'customer_data'" >"$OUT/erased.ids"
run_timed plain sqlite3 "$PLAIN/rekisteri.db" <<SQL
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE gone (id TEXT PRIMARY KEY);
.import $OUT/erased.ids gone
BEGIN;
DELETE FROM search_index WHERE person_id IN (SELECT id FROM gone);
UPDATE orders SET person_id = NULL WHERE person_id IN (SELECT id FROM gone);
UPDATE invoices SET person_id = NULL WHERE person_id IN (SELECT id FROM gone);
DELETE FROM people WHERE id IN (SELECT id FROM gone);
COMMIT;
SQL
PLAIN_S=$ELAPSED
[ "$(sqlite3 "$PLAIN/rekisteri.db" "SELECT COUNT(*) FROM people")" = "$(sqlite3 "$DB" "SELECT COUNT(*) FROM people")" ] \
  || die "the plain delete left a different number of people"

echo "backups…" >&2
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
DB_BYTES=$(stat -c %s "$DB")
run_timed copy cp "$DB" "$OUT/copy.db"
COPY_S=$ELAPSED
run_timed backup "$BIN" --data-dir "$DATA" backup create --out "$OUT/plain.backup"
BACKUP_S=$ELAPSED
echo "bench passphrase" >"$OUT/pass"
run_timed backup_age "$BIN" --data-dir "$DATA" backup create --out "$OUT/sealed.backup" --passphrase-file "$OUT/pass"
BACKUP_AGE_S=$ELAPSED
run_timed verify "$BIN" --data-dir "$DATA" backup verify "$OUT/sealed.backup" --passphrase-file "$OUT/pass"
VERIFY_S=$ELAPSED
run_timed copy_back cp "$OUT/copy.db" "$OUT/copy-back.db"
COPY_BACK_S=$ELAPSED
run_timed restore "$BIN" --data-dir "$OUT/restored" --erasure-journal "$DATA/erasure-journal.jsonl" \
  --audit-key "$DATA/audit.key" backup restore "$OUT/sealed.backup" --passphrase-file "$OUT/pass"
RESTORE_S=$ELAPSED
[ "$(sqlite3 "$OUT/restored/rekisteri.db" "SELECT COUNT(*) FROM people")" = "$(sqlite3 "$DB" "SELECT COUNT(*) FROM people")" ] \
  || die "the restored register has a different number of people"

PG_LINES=()
if [ -n "${REKISTERI_BENCH_POSTGRES:-}" ]; then
  need psql pg_dump pg_restore
  BASE=${REKISTERI_BENCH_POSTGRES%/*}
  for db in rk_bench_retention rk_bench_retention_plain rk_bench_retention_restored; do
    psql "$REKISTERI_BENCH_POSTGRES" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  done
  PG=$BASE/rk_bench_retention
  echo "PostgreSQL: demo $N people…" >&2
  run_timed pg_demo "$BIN" --database-url "$PG" --data-dir "$OUT/pg-data" --erasure-journal "$OUT/pg-journal.jsonl" demo --people "$N" --seed "$SEED"
  run_timed pg_dump pg_dump --format=custom --file="$OUT/pg.dump" --dbname="$PG"
  PG_DUMP_S=$ELAPSED
  run_timed pg_backup "$BIN" --database-url "$PG" --data-dir "$OUT/pg-data" --erasure-journal "$OUT/pg-journal.jsonl" backup create --out "$OUT/pg.backup"
  PG_BACKUP_S=$ELAPSED
  run_timed pg_restore pg_restore --no-owner --single-transaction --dbname="$BASE/rk_bench_retention_plain" "$OUT/pg.dump"
  PG_RESTORE_PLAIN_S=$ELAPSED
  run_timed pg_restore_ours "$BIN" --database-url "$BASE/rk_bench_retention_restored" --data-dir "$OUT/pg-data" \
    --erasure-journal "$OUT/pg-journal.jsonl" backup restore "$OUT/pg.backup"
  PG_RESTORE_S=$ELAPSED
  PG_LINES=(
    "$(printf '%-44s %10s %8s\n' "pg_dump -Fc (baseline)" "$PG_DUMP_S" "1.00")"
    "$(printf '%-44s %10s %8s\n' "backup create (PostgreSQL)" "$PG_BACKUP_S" "$(calc "$PG_BACKUP_S / $PG_DUMP_S" 2)")"
    "$(printf '%-44s %10s %8s\n' "pg_restore (baseline)" "$PG_RESTORE_PLAIN_S" "1.00")"
    "$(printf '%-44s %10s %8s\n' "backup restore (PostgreSQL)" "$PG_RESTORE_S" "$(calc "$PG_RESTORE_S / $PG_RESTORE_PLAIN_S" 2)")"
  )
  [ "${KEEP:-0}" = 1 ] || for db in rk_bench_retention rk_bench_retention_plain rk_bench_retention_restored; do
    psql "$REKISTERI_BENCH_POSTGRES" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
  done
fi

{
  echo "# retention and backups, $(machine_info)"
  echo "demo people: $N; relationships ended: $EXPIRED; held (left by the sweep): $HELD; erased: $ERASED"
  echo "database file: $DB_BYTES bytes"
  printf '%-44s %10s %8s\n' "what" "seconds" "ratio"
  printf '%-44s %10s %8s\n' "plain SQL delete of the erased (baseline)" "$PLAIN_S" "1.00"
  printf '%-44s %10s %8s\n' "retention run --dry-run (CSV)" "$DRY_S" "$(calc "$DRY_S / $PLAIN_S" 2)"
  printf '%-44s %10s %8s\n' "retention run (the sweep)" "$SWEEP_S" "$(calc "$SWEEP_S / $PLAIN_S" 2)"
  printf '%-44s %10s %8s\n' "cp of the database file (baseline)" "$COPY_S" "1.00"
  printf '%-44s %10s %8s\n' "backup create (VACUUM INTO)" "$BACKUP_S" "$(calc "$BACKUP_S / $COPY_S" 2)"
  printf '%-44s %10s %8s\n' "backup create --passphrase-file (age)" "$BACKUP_AGE_S" "$(calc "$BACKUP_AGE_S / $COPY_S" 2)"
  printf '%-44s %10s %8s\n' "backup verify (age, opens the copy)" "$VERIFY_S" "$(calc "$VERIFY_S / $COPY_S" 2)"
  printf '%-44s %10s %8s\n' "cp back (baseline)" "$COPY_BACK_S" "1.00"
  printf '%-44s %10s %8s\n' "backup restore (age, journal replayed)" "$RESTORE_S" "$(calc "$RESTORE_S / $COPY_BACK_S" 2)"
  for line in "${PG_LINES[@]}"; do echo "$line"; done
  echo "sweep: $(calc "$ERASED / $SWEEP_S" 0) people erased/s; plain delete: $(calc "$ERASED / $PLAIN_S" 0) people/s"
} | tee "$OUT/results.txt"
[ "${KEEP:-0}" = 1 ] || rm -rf -- "$DATA" "$PLAIN" "$OUT/restored" "$OUT"/*.db "$OUT"/*.backup "$OUT"/pg.dump
