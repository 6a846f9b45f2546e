#!/usr/bin/env bash
# `make test-sam`: the API through `sam local` end to end (see tests/sam/):
# start-api with the real authorizer (smoke.py), the frontend's own API
# client replaying every call (tests/frontend/), a transit passenger's
# journey from registration to boarding (tests/transit/journey.py), then
# `sam local invoke` of every function with its events/ file (invoke_all.py). Starts its own
# stack, start-api and, if none answers, dockerd; stops exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."
name=sam-test
trap 'scripts/sam-local.sh stop $name' EXIT
FAKE_GEMINI=1 FAKE_PAYMENTS=1 scripts/sam-local.sh start $name
set -a; . .local/$name/env; set +a
export API_URL=$(cat .local/$name/api-url) SAM_DIR=.local/$name PATH=$PWD/.venv/bin:$PATH SAM_CLI_TELEMETRY=0
.venv/bin/python tests/sam/smoke.py
# The frontend's own API client, every call, through API Gateway emulation.
tests/frontend/run.sh "$API_URL" "${ADMIN_PASSWORD:-avaone-dev-admin}"
# Transit: the seeded schedule's trips, as its daily run would make them
# now, then register → verify → search → hold → pay (fake provider) →
# ticket → QR → scan → manifest through API Gateway emulation. No queue
# poller runs here, so the e-ticket mail is left to `make test`.
python3 -c 'import json, sys, datetime
event = json.load(open("events/company/generate-trips.json"))
event["time"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump(event, open(sys.argv[1], "w"))' "$SAM_DIR/generate-now.json"
sam local invoke GenerateTripsFunction -e "$SAM_DIR/generate-now.json" \
  --template .aws-sam/build/template.yaml --env-vars "$SAM_DIR/sam-env.json" \
  --parameter-overrides "$(cat "$SAM_DIR/parameter-overrides")" \
  --invoke-image "$(cat "$SAM_DIR/invoke-image")" --skip-pull-image > "$SAM_DIR/generate.log" 2>&1
.venv/bin/python tests/transit/journey.py "$API_URL" "$AWS_ENDPOINT_URL" "$(cat "$SAM_DIR/payments-url")" --without-worker
.venv/bin/python tests/sam/invoke_all.py
