#!/usr/bin/env bash
# `make dev`: tools, local stack (fixed ports), then every function served by
# `cargo lambda watch` with the workspace router table at
# http://localhost:${API_PORT:-9000}/api/v1/... . Ctrl-C stops the API and the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
STACK_STAGE=local scripts/stack.sh start dev
trap 'scripts/stack.sh stop dev' EXIT
set -a; . .local/dev/env; set +a
.venv/bin/python scripts/seed.py
ADMIN_PASSWORD=${ADMIN_PASSWORD:-avaone-dev-admin} .venv/bin/python scripts/set-admin-password.py --if-unset
port=${API_PORT:-9000}
# The payment provider (scripts/fake-payments.py, Stripe's wire format) on
# PAYMENTS_PORT, signing its events to the API's webhook.
payments_port=${PAYMENTS_PORT:-9100}
FAKE_PAYMENTS_SECRET_KEY=sk_test_local FAKE_PAYMENTS_WEBHOOK_SECRET=whsec_local \
  FAKE_PAYMENTS_WEBHOOK_URL=http://127.0.0.1:$port/api/v1/transit/payments/webhook \
  .venv/bin/python scripts/fake-payments.py "$payments_port" > .local/dev/payments.log 2>&1 &
payments=$!
grep -v '^PAYMENT_API_BASE=' .local/dev/env > .local/dev/env.tmp || true
echo "PAYMENT_API_BASE=http://127.0.0.1:$payments_port" >> .local/dev/env.tmp
mv .local/dev/env.tmp .local/dev/env
# Scheduled functions (generate-trips, expire-holds) run every
# LOCAL_SCHEDULE_SECONDS through the watch server's invoke API, as
# EventBridge runs them deployed; transit's queue is polled every second and
# its messages handed to transit-worker, as Lambda's SQS poller does.
.venv/bin/python scripts/local-scheduler.py "http://127.0.0.1:$port" "${LOCAL_SCHEDULE_SECONDS:-300}" \
  > .local/dev/scheduler.log 2>&1 &
scheduler=$!
trap 'kill $scheduler $payments 2>/dev/null; scripts/stack.sh stop dev' EXIT
cat <<INFO

  AvaOne API (dev)      http://localhost:$port/api/v1/health
  MongoDB (SecantusDB)  $LOCAL_MONGODB_URI      data: .local/dev/mongo
  AWS (moto)            $AWS_ENDPOINT_URL       sent mail: $AWS_ENDPOINT_URL/moto-api/data.json
  Payment provider      http://127.0.0.1:$payments_port (fake, Stripe's wire format; log .local/dev/payments.log)
  Function env          .local/dev/env
  Logs                  .local/dev/mongo.log, .local/dev/moto.log
  Stack pids            .local/dev/pids

  Log in (see README "Logging in locally"):
    curl -s localhost:$port/api/v1/auth/workspace/login -H 'content-type: application/json' -d '{"organizationId":"acme","email":"maya@acme.example","password":"Maya-2026!"}'

  Transit (README "AvaOne Transit"): bus company acme (Europe/Lisbon, EUR), route LIS-OPO
  Lisbon - Coimbra - Porto daily at 08:30, trips for the next 30 days (scheduler log .local/dev/scheduler.log)
    company admin  {"organizationId":"acme","email":"maya@acme.example","password":"Maya-2026!"}   (workspace login)
    driver         {"organizationId":"acme","email":"rui@acme.example","password":"Rui-Driver-2026!"}   (workspace login)
    curl -s 'localhost:$port/api/v1/transit/stops?q=co'
    search, hold, pay: README "AvaOne Transit" (tests/transit/journey.py does it end to end)

INFO
PATH=$PWD/.venv/bin:$PATH cargo lambda watch --env-file .local/dev/env --concurrency 8 \
  --invoke-address 127.0.0.1 --invoke-port "$port"
