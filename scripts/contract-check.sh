#!/usr/bin/env bash
# Validates openapi/openapi.json (openapi-spec-validator) and fuzzes a live server with schemathesis:
# no server error, no response that breaks its own schema.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VIGIE_TOOLS_VENV:-.venv}"
if [ ! -x "$VENV/bin/st" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
    echo "--> installing schemathesis and openapi-spec-validator into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-contract.txt
fi

"$VENV/bin/openapi-spec-validator" openapi/openapi.json

cargo build -q -p vigie
BIN=target/debug/vigie
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
CLIENT_ID=schemathesis-admin
CLIENT_SECRET=schemathesis-admin-secret
VIGIE_DATABASE_URL="sqlite://$WORK/vigie.db" VIGIE_DATA_DIR="$WORK" VIGIE_BIND="127.0.0.1:$PORT" \
VIGIE_BOOTSTRAP_CLIENT_ID=$CLIENT_ID VIGIE_BOOTSTRAP_CLIENT_SECRET=$CLIENT_SECRET \
VIGIE_RATE_LIMIT_PER_SECOND=0 VIGIE_TOKEN_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn \
    "$BIN" serve --demo > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" \
    -d grant_type=client_credentials -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# Two passes: the platform admin (organisations, reference data, audit) and a bailleur's correspondent
# and admin from the demo data (residences, staff, designations, incidents).
PERSON_TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" \
    -d grant_type=password -d username=demo.correspondant -d password=demo-password-2026 \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
for T in "$TOKEN" "$PERSON_TOKEN"; do
    "$VENV/bin/st" run "http://127.0.0.1:$PORT/openapi.json" \
        --url "http://127.0.0.1:$PORT" \
        --header "Authorization: Bearer $T" \
        --checks not_a_server_error,response_schema_conformance \
        --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
        --seed 20220905 \
        --no-color
done
if grep -q "panicked" "$WORK/server.log"; then
    echo "the server panicked during the fuzzing:" >&2
    grep -A5 panicked "$WORK/server.log" >&2
    exit 1
fi
