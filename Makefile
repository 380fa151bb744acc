# Vigie: the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
VIGIE_BIND ?= 127.0.0.1:8080
export VIGIE_BIND

.PHONY: run demo test security openapi bench lint fmt

## Build and serve the API on the embedded SQLite database (./data/vigie.db).
run:
	$(CARGO) run -p vigie -- serve

## Same, with the demo data set (fictional bailleurs, police, parquet and their people).
demo:
	$(CARGO) run -p vigie -- serve --demo

## The whole suite: unit, property and black-box tests on SQLite and PostgreSQL, then the contract
## checks (openapi-spec-validator, schemathesis against a live server).
test:
	./scripts/test.sh

## The security suite alone (part of `make test`): each attack replayed on SQLite and PostgreSQL.
security:
	$(CARGO) nextest run --workspace -E 'test(/^security::/) | test(/webhook_target::/) | test(/revocation::/) | test(/login_brake::/) | test(resolver)'

## Regenerate openapi/openapi.json from the code.
openapi:
	$(CARGO) run -q -p vigie -- openapi > openapi/openapi.json.tmp && mv openapi/openapi.json.tmp openapi/openapi.json

## Load benchmark (release build, SQLite and PostgreSQL, 1 000 000 incidents): prints requests/s,
## p50/p99 and the ratio to the raw insert rate. BENCH_INCIDENTS, BENCH_SECONDS, BENCH_BACKENDS tune it.
bench:
	./scripts/bench.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all
