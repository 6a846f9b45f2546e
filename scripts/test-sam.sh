#!/usr/bin/env bash
# `make test-sam`: the API through `sam local` end to end (see tests/sam/):
# start-api with the real authorizer (smoke.py), then `sam local invoke` of
# every function with its events/ file (invoke_all.py). Starts its own
# stack, start-api and, if none answers, dockerd; stops exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."
name=sam-test
trap 'scripts/sam-local.sh stop $name' EXIT
scripts/sam-local.sh start $name
set -a; . .local/$name/env; set +a
export API_URL=$(cat .local/$name/api-url) SAM_DIR=.local/$name PATH=$PWD/.venv/bin:$PATH SAM_CLI_TELEMETRY=0
.venv/bin/python tests/sam/smoke.py
.venv/bin/python tests/sam/invoke_all.py
