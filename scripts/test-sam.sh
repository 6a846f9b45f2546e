#!/usr/bin/env bash
# `make test-sam`: the API through `sam local` end to end (see tests/sam/):
# start-api with the real authorizer (smoke.py), the frontend's own API
# client replaying every call (tests/frontend/), then `sam local invoke` of
# every function with its events/ file (invoke_all.py). Starts its own
# stack, start-api and, if none answers, dockerd; stops exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."
name=sam-test
trap 'scripts/sam-local.sh stop $name' EXIT
FAKE_GEMINI=1 scripts/sam-local.sh start $name
set -a; . .local/$name/env; set +a
export API_URL=$(cat .local/$name/api-url) SAM_DIR=.local/$name PATH=$PWD/.venv/bin:$PATH SAM_CLI_TELEMETRY=0
.venv/bin/python tests/sam/smoke.py
# The frontend's own API client, every call, through API Gateway emulation.
tests/frontend/run.sh "$API_URL" "${ADMIN_PASSWORD:-avaone-dev-admin}"
.venv/bin/python tests/sam/invoke_all.py
