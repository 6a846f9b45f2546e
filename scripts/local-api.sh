#!/usr/bin/env bash
# The API exactly as `make dev` serves it, in the background, for tests:
# an ephemeral local-stage stack on free loopback ports (seeded, a random
# super admin password), Gemini played by scripts/fake-gemini.py and the
# payment provider by scripts/fake-payments.py (paid APIs with no local
# server; each speaks its provider's REST format), every function built
# and served by `cargo lambda watch`.
#
#   scripts/local-api.sh start NAME   API URL in .local/NAME/api-url, password in .local/NAME/admin-password
#   LOCAL_API_CONCURRENCY=8 scripts/local-api.sh start NAME   up to 8 instances per function
#   scripts/local-api.sh stop NAME    stop exactly what `start NAME` started
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

start() { # name
  local name=$1 dir=$root/.local/$1
  scripts/setup.sh >/dev/null
  STACK_STAGE=local scripts/stack.sh start "$name" free
  set -a; . "$dir/env"; set +a
  .venv/bin/python scripts/seed.py >/dev/null
  local admin_password
  admin_password=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')
  ADMIN_PASSWORD=$admin_password .venv/bin/python scripts/set-admin-password.py >/dev/null
  echo "$admin_password" > "$dir/admin-password"

  local gemini_port
  gemini_port=$(.venv/bin/python scripts/free-port.py)
  .venv/bin/python scripts/fake-gemini.py "$gemini_port" >"$dir/gemini.log" 2>&1 &
  echo $! > "$dir/gemini.pid"
  echo "GEMINI_BASE_URL=http://127.0.0.1:$gemini_port" >>"$dir/env"
  .venv/bin/python scripts/set-gemini-key.py local-test-key

  local port base
  port=$(.venv/bin/python scripts/free-port.py)
  base=http://127.0.0.1:$port/api/v1

  # The payment provider is played by scripts/fake-payments.py (Stripe's
  # wire format; the keys provision.py put in the configuration secret); it
  # signs its events to the API's webhook.
  local payments_port
  payments_port=$(.venv/bin/python scripts/free-port.py)
  FAKE_PAYMENTS_SECRET_KEY=sk_test_local FAKE_PAYMENTS_WEBHOOK_SECRET=whsec_local \
    FAKE_PAYMENTS_WEBHOOK_URL=$base/transit/payments/webhook \
    .venv/bin/python scripts/fake-payments.py "$payments_port" >"$dir/payments.log" 2>&1 &
  echo $! > "$dir/payments.pid"
  echo "PAYMENT_API_BASE=http://127.0.0.1:$payments_port" >>"$dir/env"
  echo "http://127.0.0.1:$payments_port" > "$dir/payments-url"

  # Build every function first so the first request to each is not a compile.
  cargo build --workspace --bins --locked
  # Own process group (setsid) so stop ends watch and the functions it runs.
  # LOCAL_API_CONCURRENCY (default 1, cargo lambda watch's own): instances
  # per function. `make test` asks for 8 so its races really run at once, as
  # Lambda runs them; a caller sending one request at a time (the contract
  # run) keeps 1, since every extra instance is another `cargo run` waiting
  # on cargo's locks.
  PATH=$root/.venv/bin:$PATH setsid cargo lambda watch --env-file "$dir/env" \
    --concurrency "${LOCAL_API_CONCURRENCY:-1}" \
    --invoke-address 127.0.0.1 --invoke-port "$port" >"$dir/api.log" 2>&1 < /dev/null &
  echo $! > "$dir/api.pid"
  for _ in $(seq 1 300); do
    if curl -fsS "$base/health" >/dev/null 2>&1; then
      # The scheduled functions once now (the seed's trips), then on a timer.
      .venv/bin/python scripts/local-scheduler.py "http://127.0.0.1:$port" --once >>"$dir/scheduler.log" 2>&1
      .venv/bin/python scripts/local-scheduler.py "http://127.0.0.1:$port" 300 >>"$dir/scheduler.log" 2>&1 &
      echo $! > "$dir/scheduler.pid"
      echo "$base" > "$dir/api-url"
      echo "local-api: $name up — $base (log .local/$name/api.log)"
      return 0
    fi
    kill -0 "$(cat "$dir/api.pid")" 2>/dev/null || break
    sleep 1
  done
  cat "$dir/api.log" >&2
  echo "local-api: cargo lambda watch did not answer" >&2
  return 1
}

stop() { # name
  local name=$1 dir=$root/.local/$1
  if [ -f "$dir/api.pid" ]; then kill -- "-$(cat "$dir/api.pid")" 2>/dev/null || true; fi
  if [ -f "$dir/gemini.pid" ]; then kill "$(cat "$dir/gemini.pid")" 2>/dev/null || true; fi
  if [ -f "$dir/payments.pid" ]; then kill "$(cat "$dir/payments.pid")" 2>/dev/null || true; fi
  if [ -f "$dir/scheduler.pid" ]; then kill "$(cat "$dir/scheduler.pid")" 2>/dev/null || true; fi
  rm -f "$dir/api.pid" "$dir/gemini.pid" "$dir/payments.pid" "$dir/scheduler.pid" "$dir/api-url" "$dir/payments-url"
  scripts/stack.sh stop "$name" >/dev/null
}

case ${1:-} in
  start) start "${2:?usage: local-api.sh start NAME}" ;;
  stop) stop "${2:?usage: local-api.sh stop NAME}" ;;
  *) echo "usage: local-api.sh start NAME|stop NAME" >&2; exit 2 ;;
esac
