#!/usr/bin/env bash
# The job queue's throughput (issue 13) on SQLite and, when
# REKISTERI_BENCH_POSTGRES names a server, on PostgreSQL, against plain
# inserts into the same table measured in the same run.
#
#   bench/jobs.sh [N]        (N jobs, default 20000)
#
# Builds the store's example jobs_bench (release) and runs it on a fresh
# SQLite data directory and on a fresh PostgreSQL database: N rows inserted
# 500 a statement in one transaction (the baseline), N one-row inserts each
# in its own transaction, N Store::enqueue calls, and the N jobs claimed
# (16 at a time) and completed as the runner does. Prints jobs per second
# and each as a ratio of the baseline.
# Environment: REKISTERI_BENCH_POSTGRES=postgres://user:pass@host/db (a
# database the script may create rk_bench_jobs beside; dropped after).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${1:-20000}
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 0 ]] || die "N must be a positive whole number, not '$N'"
need cargo awk

OUT=bench/out/jobs
rm -rf -- "$OUT"
mkdir -p "$OUT"

echo "building the benchmark (release)…" >&2
cargo build --release --locked -p rekisteri-store --example jobs_bench >&2
EX=${CARGO_TARGET_DIR:-target}/release/examples/jobs_bench

machine_info

echo "== SQLite ($N jobs)"
mkdir -p "$OUT/sqlite"
"$EX" "$OUT/sqlite" "$N" | tee "$OUT/sqlite.txt"

if [ -n "${REKISTERI_BENCH_POSTGRES:-}" ]; then
    need psql
    base=${REKISTERI_BENCH_POSTGRES%/*}
    psql -q "$REKISTERI_BENCH_POSTGRES" -c "DROP DATABASE IF EXISTS rk_bench_jobs" -c "CREATE DATABASE rk_bench_jobs"
    echo "== PostgreSQL ($N jobs)"
    "$EX" "$base/rk_bench_jobs" "$N" | tee "$OUT/postgres.txt"
    psql -q "$REKISTERI_BENCH_POSTGRES" -c "DROP DATABASE rk_bench_jobs"
else
    echo "(PostgreSQL skipped: set REKISTERI_BENCH_POSTGRES)"
fi
