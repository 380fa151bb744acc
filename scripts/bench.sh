#!/usr/bin/env bash
# make bench: for each backend, seed BENCH_INCIDENTS incidents, start the release server, drive
# sustained authenticated POST /incidents and filtered GET /incidents with wrk, and measure in the same
# run the raw single-row insert ceiling of the database (pgbench on PostgreSQL, a raw insert loop on
# SQLite). Prints requests/s, p50/p99 latency and the API/raw ratio. Figures depend on the machine:
# on 2 cores the load generator and the server compete for the same CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_INCIDENTS:-1000000}
DUR=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-16}
# The list latency target is read at a front-end's concurrency, not at saturation.
LIST_CONNS=${BENCH_LIST_CONNECTIONS:-4}
BACKENDS=${BENCH_BACKENDS:-"sqlite postgres"}
IMPORT_ROWS=${BENCH_IMPORT_ROWS:-100000}
PG_SERVER=${VIGIE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

if ! command -v wrk >/dev/null 2>&1; then
    echo "--> installing wrk"
    (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; })
fi

cargo build --release -q -p vigie
BIN=target/release/vigie
mkdir -p bench/results
REPORT=bench/results/latest.txt
: > "$REPORT"
say() { echo "$@" | tee -a "$REPORT"; }

say "Vigie benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores: $N incidents loaded, ${DUR}s per run, POST with $CONNS connections"
for backend in $BACKENDS; do
    WORK=$(mktemp -d)
    if [ "$backend" = sqlite ]; then
        URL="sqlite://$WORK/bench.db"
    else
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS vigie_bench WITH (FORCE)" >/dev/null
        psql "$PG_SERVER/postgres" -qc "CREATE DATABASE vigie_bench" >/dev/null
        URL="$PG_SERVER/vigie_bench?sslmode=disable"
    fi
    export VIGIE_DATABASE_URL="$URL" VIGIE_DATA_DIR="$WORK" RUST_LOG=warn
    start=$(date +%s)
    read -r ORG RES RESIDENCES < <("$BIN" bench seed --incidents "$N" --client-id bench --client-secret bench-secret-0123456789)
    say ""
    say "== $backend: seeded $N incidents in $(( $(date +%s) - start ))s"

    PORT=$((20000 + RANDOM % 20000))
    VIGIE_BIND="127.0.0.1:$PORT" VIGIE_RATE_LIMIT_PER_SECOND=0 VIGIE_DB_POOL_SIZE=$CONNS "$BIN" serve > "$WORK/server.log" 2>&1 &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    export BENCH_TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" \
        -d grant_type=client_credentials -d client_id=bench -d client_secret=bench-secret-0123456789 \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    export BENCH_RESIDENCE="$RES"

    reloads() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^vigie_token_revocation_reloads / {print $2}'; }
    RELOADS0=$(reloads); T0=$(date +%s.%N)
    read -r _ POST_RPS POST_P50 POST_P99 POST_N POST_ERR < <(wrk -t2 -c"$CONNS" -d"${DUR}s" -s scripts/bench/post-incident.lua \
        "http://127.0.0.1:$PORT/api/v1/incidents" | grep '^RESULT')
    # Matches 1 incident in 180 of the seeded set (see vigie bench seed): a page of 50 is always full.
    LIST_URL="http://127.0.0.1:$PORT/api/v1/incidents?category=dumping&residence_id=$RES&status=reported&limit=50"
    ITEMS=$(curl -fs -H "Authorization: Bearer $BENCH_TOKEN" "$LIST_URL" | python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"items\"]))")
    read -r _ GET_RPS GET_P50 GET_P99 GET_N GET_ERR < <(wrk -t2 -c"$LIST_CONNS" -d"${DUR}s" -s scripts/bench/get-incidents.lua "$LIST_URL" | grep '^RESULT')
    RELOADS=$(( $(reloads) - RELOADS0 )); RELOAD_SECS=$(python3 -c "import time; print(f'{time.time()-$T0:.0f}')")
    # Bulk import: the CLI end to end (upload, parse, checks, writes, job follow-up).
    "$BIN" bench import-file --rows "$IMPORT_ROWS" --out "$WORK/import.csv"
    t0=$(date +%s.%N)
    VIGIE_TOKEN="$BENCH_TOKEN" "$BIN" import "$WORK/import.csv" --api "http://127.0.0.1:$PORT" --mode all_or_nothing > "$WORK/import.out" 2>&1 \
        || { cat "$WORK/import.out"; exit 1; }
    t1=$(date +%s.%N)
    IMPORT_SECS=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    IMPORT_RPS=$(python3 -c "print(f'{$IMPORT_ROWS/($t1-$t0):.0f}')")
    kill $SERVER; wait $SERVER 2>/dev/null || true
    # What the access journal costs: the same reads on the same data, each on a fresh server warmed
    # up for 3 s, with the journal on and then off (VIGIE_ACCESS_JOURNAL=false exists only for this
    # comparison).
    paired_get() {
        VIGIE_ACCESS_JOURNAL=$1 VIGIE_BIND="127.0.0.1:$PORT" VIGIE_RATE_LIMIT_PER_SECOND=0 VIGIE_DB_POOL_SIZE=$CONNS "$BIN" serve > "$WORK/server-journal-$1.log" 2>&1 &
        SERVER=$!
        for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
        wrk -t2 -c"$LIST_CONNS" -d3s -s scripts/bench/get-incidents.lua "$LIST_URL" > /dev/null
        wrk -t2 -c"$LIST_CONNS" -d"${DUR}s" -s scripts/bench/get-incidents.lua "$LIST_URL" | grep '^RESULT'
        kill $SERVER; wait $SERVER 2>/dev/null || true
    }
    read -r _ J_RPS J_P50 J_P99 J_N J_ERR < <(paired_get true)
    read -r _ NJ_RPS NJ_P50 NJ_P99 NJ_N NJ_ERR < <(paired_get false)
    trap - EXIT
    RAW_BULK=$("$BIN" bench raw-bulk --rows "$IMPORT_ROWS" --org-id "$ORG" --residence-ids "$RESIDENCES")

    if [ "$backend" = sqlite ]; then
        RAW=$("$BIN" bench raw-insert --org-id "$ORG" --residence-id "$RES" --seconds "$DUR" --threads "$CONNS")
        RAW_TOOL="raw single-row insert loop ($CONNS threads, one transaction per row)"
    else
        RAW=$(pgbench -n -c "$CONNS" -j 2 -T "$DUR" -D org="$ORG" -D res="$RES" -f scripts/bench/pg-insert.sql "$URL" 2>/dev/null \
            | awk '/^tps/ {print $3; exit}')
        RAW_TOOL="pgbench, same INSERT ($CONNS clients)"
    fi
    RATIO=$(python3 -c "print(f'{100*float($POST_RPS)/float($RAW):.0f}')")
    say "POST /incidents     : $POST_RPS req/s, p50 $POST_P50 ms, p99 $POST_P99 ms ($POST_N requests, $POST_ERR errors)"
    say "raw ceiling         : $RAW rows/s [$RAW_TOOL]"
    say "API / raw           : $RATIO % (target >= 50 %)"
    say "GET /incidents (category+residence+status filter, limit 50 -> $ITEMS items, $N rows, $LIST_CONNS connections): $GET_RPS req/s, p50 $GET_P50 ms, p99 $GET_P99 ms ($GET_N requests, $GET_ERR errors) (target p99 <= 20 ms)"
    say "same GET, journal on: $J_RPS req/s, p50 $J_P50 ms, p99 $J_P99 ms ($J_N requests, $J_ERR errors) [fresh server, warmed up]"
    say "same GET, no journal: $NJ_RPS req/s, p50 $NJ_P50 ms, p99 $NJ_P99 ms ($NJ_N requests, $NJ_ERR errors) [fresh server, warmed up]"
    say "journal cost        : p50 x$(python3 -c "print(f'{float($J_P50)/max(float($NJ_P50),0.001):.2f}')"), p99 x$(python3 -c "print(f'{float($J_P99)/max(float($NJ_P99),0.001):.2f}')"), throughput x$(python3 -c "print(f'{float($NJ_RPS)/max(float($J_RPS),0.001):.2f}')") (target: within x1.5)"
    say "revocation check    : $RELOADS reads of the revocations for $((POST_N + GET_N)) authenticated requests in ${RELOAD_SECS}s (one per VIGIE_REVOCATION_REFRESH_SECS at most, none per request)"
    if [ "$backend" = sqlite ]; then BULK_TOOL="multi-row INSERTs in one transaction"; else BULK_TOOL="COPY FROM (binary) in one transaction"; fi
    say "import $IMPORT_ROWS rows : $IMPORT_RPS rows/s ($IMPORT_SECS s: vigie import, upload to the job's end; $(tail -n1 "$WORK/import.out"))"
    say "raw bulk ceiling    : $RAW_BULK rows/s [same incident rows, $BULK_TOOL]"
    say "import / raw bulk   : $(python3 -c "print(f'{100*float($IMPORT_RPS)/float($RAW_BULK):.0f}')") % (target >= 40 %)"
    if [ "$backend" = postgres ]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS vigie_bench WITH (FORCE)" >/dev/null
    fi
    rm -rf "$WORK"
done
say ""
say "(report also in $REPORT)"
