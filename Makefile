# Developer entry points. Everything runs from a fresh clone: tools are
# installed into .venv, services run from .local/ and are stopped by pid.
.PHONY: help setup dev sam-local stack-up stack-down seed admin-password test test-sam test-contract openapi functions lint fmt validate bench fuzz build package tz-cost clean

help:
	@echo "make dev        local stack + whole API at http://localhost:9000/api/v1 (cargo lambda watch)"
	@echo "make sam-local  the API through sam local start-api (Docker, real authorizer) on a local stack"
	@echo "make test       ephemeral stack on free ports, cargo test --workspace, sam validate --lint"
	@echo "make test-sam   sam build + sam local: smoke test through start-api, sam local invoke of every function"
	@echo "make test-contract  schemathesis against the running local API, driven by its OpenAPI document"
	@echo "make openapi    regenerate functions/admin/openapi.json from the route descriptions"
	@echo "make lint       cargo fmt --check and clippy -D warnings"
	@echo "make bench      cold start / warm latency / RSS vs floor and Node, then criterion micro-benchmarks"
	@echo "make package    arm64 release zips in dist/ with their sizes"
	@echo "make tz-cost    what the bundled time-zone database adds to a transit function's zip"
	@echo "make fuzz       each cargo-fuzz target for FUZZ_SECONDS (default 60)"
	@echo "make stack-up   start only the dev stack (SecantusDB + moto); make stack-down stops it"
	@echo "make admin-password   set the dev super admin password (argon2id hash into the secret)"

setup:
	scripts/setup.sh

dev:
	scripts/dev.sh

# The same API through API Gateway emulation and Docker (scripts/sam-local.sh).
sam-local:
	scripts/sam-local.sh

stack-up: setup
	STACK_STAGE=local scripts/stack.sh start dev

stack-down:
	scripts/stack.sh stop dev

# Seed data into the running dev stack (make dev does this itself).
seed:
	set -a; . .local/dev/env; set +a; .venv/bin/python scripts/seed.py

# Set the super admin password of the dev stack (prompts; or ADMIN_PASSWORD=...).
# Against AWS: ADMIN_SECRET_ID=<AdminSecretArn> TABLE_NAME=<TableName> .venv/bin/python scripts/set-admin-password.py
admin-password:
	set -a; . .local/dev/env; set +a; .venv/bin/python scripts/set-admin-password.py

test:
	scripts/test.sh

test-sam:
	scripts/test-sam.sh

test-contract:
	scripts/test-contract.sh

# The OpenAPI document is generated from the Rust route descriptions and
# checked in (served by GET /api/v1/openapi.json); `make test` fails when stale.
openapi:
	cargo run --quiet --locked -p workspace-tests --bin write-openapi

lint:
	python3 scripts/functions.py --check
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features shared/bench --locked -- -D warnings

fmt:
	cargo fmt --all

validate: setup
	SAM_CLI_TELEMETRY=0 .venv/bin/sam validate --lint --template template.yaml

# Cold start, warm latency, memory of every function vs the floor and the
# Node/Express baseline (scripts/bench.sh), then the criterion
# micro-benchmarks: token verification rate and argon2id cost.
bench:
	scripts/bench.sh
	cargo bench -p shared --features bench --bench identity -- --noplot

# libFuzzer + ASan on the body parser/validators, the token verifier and the
# multipart parser (scripts/fuzz.sh); crashes become fuzz/regressions/ inputs.
fuzz:
	scripts/fuzz.sh

# arm64 release binaries (cargo lambda build --release --arm64).
build:
	scripts/package.sh

# ... zipped as dist/<function>.zip, sizes printed (each must stay under 5 MB).
package:
	scripts/package.sh package

# What the bundled IANA time-zone database adds to a transit function's zip.
tz-cost:
	scripts/tz-cost.sh

clean:
	rm -rf target .aws-sam dist

# Writes what follows from the functions/*/functions.toml declarations (docs/development.md
# "Adding a route"); `make lint` fails when something is not as declared.
functions:
	python3 scripts/functions.py
	cargo fmt --all
