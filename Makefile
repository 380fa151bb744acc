# Vigie: the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
VIGIE_BIND ?= 127.0.0.1:8080
export VIGIE_BIND

.PHONY: run demo test openapi lint fmt

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

## Regenerate openapi/openapi.json from the code.
openapi:
	$(CARGO) run -q -p vigie -- openapi > openapi/openapi.json.tmp && mv openapi/openapi.json.tmp openapi/openapi.json

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all
