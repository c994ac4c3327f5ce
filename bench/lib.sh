# Shared helpers of the benchmark scripts; sourced, not run.
# shellcheck shell=bash

# A decimal point, whatever the user's locale ($EPOCHREALTIME and printf follow it).
export LC_ALL=C
# The scripts name the database with --data-dir; an inherited URL must not redirect them.
unset DATABASE_URL REKISTERI_DATA_DIR

BIN=${BIN:-target/release/rekisteri}

die() {
    echo "error: $*" >&2
    exit 1
}

need() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "$cmd is needed (see bench/README.md)"
    done
}

# Arithmetic on decimals: calc 'a / b' (awk, 3 decimals by default).
calc() {
    awk "BEGIN { printf \"%.${2:-3}f\", $1 }"
}

build_release() {
    echo "building release binaries…" >&2
    cargo build --release --locked -p rekisteri >&2
    cargo build --release --locked -p rekisteri-store --example insert_floor >&2
}

# run_timed NAME CMD…: runs CMD with stdout and stderr in $OUT/NAME.{out,err};
# sets ELAPSED (seconds). On failure shows the end of stderr and stops.
run_timed() {
    local name=$1
    shift
    local t0=$EPOCHREALTIME rc=0
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    ELAPSED=$(calc "$EPOCHREALTIME - $t0")
    if [ "$rc" -ne 0 ]; then
        echo "FAILED ($name, exit $rc): $*" >&2
        tail -n 20 "$OUT/$name.err" >&2
        exit 1
    fi
}

# The process's own stderr must say it handled the rows we expect.
expect_in() {
    local file=$1 text=$2
    grep -qF -- "$text" "$file" || die "$file does not say \"$text\": $(tail -n 3 "$file")"
}

# What was measured where: the commit (and a hash of uncommitted changes), the machine.
machine_info() {
    local commit dirty=
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    if ! git diff --quiet HEAD -- 2>/dev/null; then
        dirty=" + uncommitted changes $(git diff HEAD -- 2>/dev/null | sha256sum | cut -c1-8)"
    fi
    echo "commit ${commit}${dirty}, $(nproc) cores, $(uname -sr)"
}
