#!/usr/bin/env bash
# The whole API through `sam local start-api`: API Gateway emulation with the
# real Lambda authorizer, every function in a Docker container, pointed at a
# local stack (SecantusDB + moto) listening on the Docker bridge address.
#
#   scripts/sam-local.sh              `make sam-local`: foreground, Ctrl-C stops everything it started
#   scripts/sam-local.sh start NAME   in the background (tests); API URL in .local/NAME/api-url
#   scripts/sam-local.sh stop NAME    stop exactly what `start NAME` started
#
# Functions are the host's debug build (build_functions below; x86_64, so
# Docker runs them natively); SAM_SKIP_BUILD=1 reuses .aws-sam/build.
# Offline, functions run in the local provided.al2023 image that
# scripts/sam-base-image.sh builds; with internet, in AWS's image.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH=$root/.venv/bin:$PATH SAM_CLI_TELEMETRY=0
docker=/usr/bin/docker
[ -x $docker ] || docker=docker

# The functions for `sam local`: by default the host's debug build (the one
# `make test` and `make dev` use) laid out as .aws-sam/build by
# scripts/sam-artifacts.py, so CI compiles everything once. AWS's image has
# glibc 2.34: binaries needing more (a newer build host), or SAM_BUILD=sam,
# go through `sam build` (cargo lambda, zig-linked for old glibc) instead.
build_functions() { # image
  local max_glibc=""
  [ "$1" != public.ecr.aws/lambda/provided:al2023 ] || max_glibc="--max-glibc 2.34"
  if [ "${SAM_BUILD:-host}" = host ]; then
    cargo build --workspace --bins --locked
    local rc=0
    .venv/bin/python scripts/sam-artifacts.py $max_glibc || rc=$?
    [ $rc = 3 ] || return $rc
    # In CI the host build is not used again, and sam build makes a second
    # one: free the first (~4 GB) rather than hold both on a small disk.
    [ "${CI:-}" != true ] || rm -rf target/debug
  fi
  # Symbol tables are a third of a debug binary, and sam build keeps two
  # copies of each (target/lambda, .aws-sam). Panics still print their
  # message and location.
  CARGO_PROFILE_DEV_STRIP=symbols SAM_BUILD_MODE=debug \
    sam build --beta-features --parameter-overrides "Architecture=x86_64"
}

start() { # name
  local name=$1 dir=$root/.local/$1
  scripts/setup.sh
  mkdir -p "$dir"
  if [ "$(scripts/docker-engine.sh start)" = started ]; then touch "$dir/dockerd-ours"; fi
  local image gateway
  image=$(scripts/sam-base-image.sh)
  gateway=$(scripts/docker-engine.sh gateway)
  STACK_HOST=$gateway STACK_STAGE=local scripts/stack.sh start "$name" free
  set -a; . "$dir/env"; set +a
  .venv/bin/python scripts/seed.py
  ADMIN_PASSWORD=${ADMIN_PASSWORD:-avaone-dev-admin} .venv/bin/python scripts/set-admin-password.py --if-unset
  local overrides="Stage=local Architecture=x86_64 EndpointUrl=$AWS_ENDPOINT_URL"
  if [ "${FAKE_GEMINI:-0}" = 1 ]; then
    # Tests: Gemini (paid, no local server) is played by scripts/fake-gemini.py,
    # on the Docker bridge address so the function containers reach it.
    local gemini_port; gemini_port=$(.venv/bin/python scripts/free-port.py)
    .venv/bin/python scripts/fake-gemini.py "$gemini_port" "$gateway" >"$dir/gemini.log" 2>&1 &
    echo $! > "$dir/gemini.pid"
    overrides="$overrides GeminiBaseUrl=http://$gateway:$gemini_port"
    echo "GEMINI_BASE_URL=http://$gateway:$gemini_port" >> "$dir/env"
    .venv/bin/python scripts/set-gemini-key.py local-test-key
  fi
  if [ "${SAM_SKIP_BUILD:-0}" != 1 ] || [ ! -f .aws-sam/build/template.yaml ]; then
    build_functions "$image"
  fi
  # On AWS an HTTP API base64-encodes non-text bodies (FormData uploads,
  # images, audio) by itself; sam local decodes every body as UTF-8 unless
  # the API names its binary types. Name them in the built template only.
  .venv/bin/python scripts/sam-binary-types.py .aws-sam/build/template.yaml
  # Ports are picked after the build (minutes), just before they are bound.
  local port; port=$(.venv/bin/python scripts/free-port.py)
  if [ "${FAKE_PAYMENTS:-0}" = 1 ]; then
    # Tests: the payment provider (paid, no local server) is played by
    # scripts/fake-payments.py on the Docker bridge address, so the function
    # containers reach it; it signs its events to this API's webhook.
    local payments_port; payments_port=$port
    while [ "$payments_port" = "$port" ]; do payments_port=$(.venv/bin/python scripts/free-port.py); done
    FAKE_PAYMENTS_SECRET_KEY=sk_test_local FAKE_PAYMENTS_WEBHOOK_SECRET=whsec_local \
      FAKE_PAYMENTS_WEBHOOK_URL=http://127.0.0.1:$port/api/v1/transit/payments/webhook \
      .venv/bin/python scripts/fake-payments.py "$payments_port" "$gateway" >"$dir/payments.log" 2>&1 &
    echo $! > "$dir/payments.pid"
    overrides="$overrides PaymentApiBase=http://$gateway:$payments_port"
    echo "PAYMENT_API_BASE=http://$gateway:$payments_port" >> "$dir/env"
    echo "http://$gateway:$payments_port" > "$dir/payments-url"
  fi
  # sam's --env-vars format; it overrides only variables template.yaml declares.
  python3 -c '
import json, sys
env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[1]) if "=" in l)
json.dump({"Parameters": {k: v.strip("\"") for k, v in env.items()}}, open(sys.argv[2], "w"), indent=1)
' "$dir/env" "$dir/sam-env.json"
  echo "$image" > "$dir/invoke-image"
  echo "$overrides" > "$dir/parameter-overrides"
  # LAZY: a function's container starts on its first request and then stays warm.
  setsid sam local start-api --host 127.0.0.1 --port "$port" \
    --env-vars "$dir/sam-env.json" --parameter-overrides "$overrides" \
    --invoke-image "$image" --skip-pull-image --warm-containers LAZY \
    > "$dir/sam.log" 2>&1 < /dev/null &
  echo $! > "$dir/sam.pid"
  local url=http://127.0.0.1:$port/api/v1
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "$url/health"; then
      echo "$url" > "$dir/api-url"
      echo "sam-local: $name up — $url (log .local/$name/sam.log)"
      return 0
    fi
    kill -0 "$(cat "$dir/sam.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "sam-local: start-api did not answer; see .local/$name/sam.log" >&2
  return 1
}

stop() { # name
  local name=$1 dir=$root/.local/$1
  if [ -f "$dir/sam.pid" ]; then
    local pid; pid=$(cat "$dir/sam.pid")
    # SIGINT is sam's Ctrl-C.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/sam.pid" "$dir/api-url"
  fi
  # Warm containers outlive a killed sam; remove the ones its log names.
  if [ -f "$dir/sam.log" ]; then
    local ids; ids=$(sed -n 's/.*SAM_CONTAINER_ID: \([0-9a-f]*\).*/\1/p' "$dir/sam.log" | sort -u)
    [ -z "$ids" ] || $docker rm -f $ids >/dev/null 2>&1 || true
  fi
  local fake
  for fake in gemini payments; do
    if [ -f "$dir/$fake.pid" ]; then kill "$(cat "$dir/$fake.pid")" 2>/dev/null || true; rm -f "$dir/$fake.pid"; fi
  done
  scripts/stack.sh stop "$name"
  if [ -f "$dir/dockerd-ours" ]; then scripts/docker-engine.sh stop; rm -f "$dir/dockerd-ours"; fi
}

case ${1:-run} in
  start) start "${2:?usage: sam-local.sh start NAME}" ;;
  stop) stop "${2:?usage: sam-local.sh stop NAME}" ;;
  run)
    trap 'stop sam' EXIT
    start sam
    echo "sam-local: Ctrl-C stops the API, the stack and (if started here) dockerd"
    tail -f .local/sam/sam.log
    ;;
  *) echo "usage: sam-local.sh [start NAME|stop NAME]" >&2; exit 2 ;;
esac
