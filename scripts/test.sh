#!/usr/bin/env bash
# The whole test suite. PostgreSQL is required in CI (CI=true) and optional locally, where its half is
# skipped with a plain notice when the server cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${VIGIE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export VIGIE_TEST_POSTGRES_URL="$PG_URL"

pg_reachable() {
    if command -v psql >/dev/null 2>&1; then
        psql "$PG_URL" -Atqc 'select 1' >/dev/null 2>&1
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}

if [ "${VIGIE_TEST_SKIP_POSTGRES:-0}" = "1" ]; then
    echo "==> VIGIE_TEST_SKIP_POSTGRES=1: the PostgreSQL half of the suite is SKIPPED"
elif pg_reachable; then
    echo "==> PostgreSQL reachable at $PG_URL: every storage test runs on SQLite and on PostgreSQL"
elif [ "${CI:-}" = "true" ]; then
    echo "==> ERROR: PostgreSQL is not reachable at $PG_URL and CI requires it" >&2
    exit 1
else
    echo "==> WARNING: PostgreSQL is not reachable at $PG_URL: the PostgreSQL half of the suite is SKIPPED"
    export VIGIE_TEST_SKIP_POSTGRES=1
fi

# The document tests read each PDF with poppler's pdftotext and render it with pdftoppm.
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing poppler-utils (pdftotext, pdftoppm) for the document tests"
        apt-get update -qq && apt-get install -y -qq poppler-utils
    else
        echo "==> ERROR: the document tests need poppler-utils (pdftotext, pdftoppm): sudo apt-get install poppler-utils" >&2
        exit 1
    fi
fi

echo "==> Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

echo "==> Contract checks"
./scripts/contract-check.sh

if [ "${VIGIE_TEST_SKIP_POSTGRES:-0}" = "1" ]; then
    echo "==> NOTE: the PostgreSQL half of the suite was SKIPPED"
fi
