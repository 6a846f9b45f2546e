# Developer entry points. Everything runs from a fresh clone: tools are
# installed into .venv, services run from .local/ and are stopped by pid.
.PHONY: help setup dev stack-up stack-down test lint fmt validate clean

help:
	@echo "make dev        local stack + whole API at http://localhost:9000/api/v1 (cargo lambda watch)"
	@echo "make test       ephemeral stack on free ports, cargo test --workspace, sam validate --lint"
	@echo "make lint       cargo fmt --check and clippy -D warnings"
	@echo "make stack-up   start only the dev stack (SecantusDB + moto); make stack-down stops it"

setup:
	scripts/setup.sh

dev:
	scripts/dev.sh

stack-up: setup
	STACK_STAGE=dev scripts/stack.sh start dev

stack-down:
	scripts/stack.sh stop dev

test:
	scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

validate: setup
	SAM_CLI_TELEMETRY=0 .venv/bin/sam validate --lint --template template.yaml

clean:
	rm -rf target .aws-sam dist
