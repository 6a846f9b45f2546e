#!/usr/bin/env bash
# `make test`: an ephemeral local stack on free ports, every workspace test
# against it, then `sam validate --lint`. The stack is stopped by pid on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
name=test-$$
api=replay-$$
cleanup() {
  scripts/stack.sh stop "$name" >/dev/null
  scripts/local-api.sh stop "$api"
  rm -rf ".local/$name" ".local/$api"
}
trap cleanup EXIT
STACK_STAGE=test scripts/stack.sh start "$name" free
set -a; . ".local/$name/env"; set +a
export SAM_CLI_TELEMETRY=0
# Library and integration tests, then doctests; the per-binary unit-test
# harnesses are skipped (the binaries only wire handlers, and linking one
# test harness per route would dominate the run).
cargo test --workspace --locked --lib --test '*'
cargo test --workspace --locked --doc
# The frontend's own API client, every call, against the API as `make dev`
# serves it (tests/frontend/).
# Eight instances per function: race.py's concurrent bookings must really
# run at once (one instance would serialize them and prove nothing).
LOCAL_API_CONCURRENCY=8 scripts/local-api.sh start "$api"
tests/frontend/run.sh "$(cat ".local/$api/api-url")" "$(cat ".local/$api/admin-password")"
# The post-deploy smoke test, so the pipeline's gate is known to work.
SMOKE_ADMIN_PASSWORD="$(cat ".local/$api/admin-password")" \
  .venv/bin/python scripts/smoke-deployed.py "$(cat ".local/$api/api-url")"
# Invariant 1 (no double sale), raced by real concurrent requests against
# the running functions (tests/transit/race.py).
.venv/bin/python tests/transit/race.py "$(cat ".local/$api/api-url")" \
  "$(sed -n 's/^AWS_ENDPOINT_URL=//p' ".local/$api/env")" 25
# A passenger's journey as `make dev` serves it: search, hold, pay through the
# fake provider, confirmed by its webhook, e-ticket mailed by the queue worker;
# then its code verified offline (PyJWT + /ticket-keys), its QR image, the
# driver's scan (a second one is 409) and the manifest.
.venv/bin/python tests/transit/journey.py "$(cat ".local/$api/api-url")" \
  "$(sed -n 's/^AWS_ENDPOINT_URL=//p' ".local/$api/env")" "$(cat ".local/$api/payments-url")"
.venv/bin/sam validate --lint --template template.yaml
scripts/lint-workflows.sh
