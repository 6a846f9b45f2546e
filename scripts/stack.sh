#!/usr/bin/env bash
# The local stack: SecantusDB (MongoDB wire protocol) and moto (DynamoDB, S3,
# SES v2, Secrets Manager) on loopback, provisioned like template.yaml does on AWS.
#
#   scripts/stack.sh start NAME [free]   start (or reuse) stack NAME; "free" picks free ports
#   scripts/stack.sh stop NAME           stop exactly the pids this script started
#   scripts/stack.sh status NAME
#
# State lives in .local/NAME/: pids, logs, mongo data, and `env`, a KEY=VALUE
# file for the functions (`cargo lambda watch --env-file`, `set -a; . env`).
# Fixed ports come from MONGO_PORT (default 37017) and MOTO_PORT (default 4566).
# STACK_HOST (default 127.0.0.1) is the address they listen on; `sam local`
# uses the Docker bridge gateway so function containers can reach them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cmd=${1:?usage: stack.sh start|stop|status NAME [free]}
name=${2:?usage: stack.sh start|stop|status NAME [free]}
mode=${3:-fixed}
dir=$root/.local/$name
py=$root/.venv/bin/python
host=${STACK_HOST:-127.0.0.1}

running() {
  [ -f "$dir/pids" ] || return 1
  local pid
  while read -r pid; do kill -0 "$pid" 2>/dev/null || return 1; done < "$dir/pids"
}

stop() {
  [ -f "$dir/pids" ] || return 0
  local pid
  while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
  # Give them a moment to exit cleanly, then make sure.
  for _ in $(seq 1 50); do
    local alive=0
    while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$dir/pids"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/pids"
  rm -f "$dir/pids"
}

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "stack: $what did not become ready; see $dir/*.log" >&2
  return 1
}

start() {
  if running; then
    echo "stack: $name already running (.local/$name)"
    return 0
  fi
  stop
  mkdir -p "$dir/mongo"
  local mongo_port moto_port
  if [ "$mode" = free ]; then
    mongo_port=$($py scripts/free-port.py "$host")
    moto_port=$($py scripts/free-port.py "$host")
    while [ "$moto_port" = "$mongo_port" ]; do moto_port=$($py scripts/free-port.py "$host"); done
  else
    mongo_port=${MONGO_PORT:-37017}
    moto_port=${MOTO_PORT:-4566}
  fi

  # setsid: the servers get their own session, so an interrupted `make` does
  # not take them down half-way; they are stopped by the pids recorded here.
  setsid "$root/.venv/bin/secantusd-py" --host "$host" --port "$mongo_port" \
    --storage-path "$dir/mongo" --log-level WARNING > "$dir/mongo.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids"
  # moto with DynamoDB requests applied atomically (see the script).
  setsid "$root/.venv/bin/python" "$root/scripts/moto-server.py" "$host" "$moto_port" > "$dir/moto.log" 2>&1 < /dev/null &
  echo $! >> "$dir/pids"

  local stage=${STACK_STAGE:-local}
  # `make test` runs many tests at once against single-process Python
  # emulators on a shared machine: a store call may queue for seconds there
  # that takes milliseconds on AWS. Its stack waits longer (the fault tests
  # set their own bound); everything else keeps the deployed 2.5 s.
  local timeout_ms=2500
  if [ "$stage" = test ]; then timeout_ms=10000; fi
  cat > "$dir/env" <<ENV
STAGE="$stage"
AWS_REGION="us-east-1"
AWS_DEFAULT_REGION="us-east-1"
AWS_ACCESS_KEY_ID="local"
AWS_SECRET_ACCESS_KEY="local"
AWS_ENDPOINT_URL="http://$host:$moto_port"
AWS_EC2_METADATA_DISABLED="true"
TABLE_NAME="avaone-$stage"
BUCKET_NAME="avaone-$stage-assets"
SECRET_ID="avaone/$stage/config"
SIGNING_KEYS_SECRET_ID="avaone/$stage/signing-keys"
VERIFICATION_KEYS_SECRET_ID="avaone/$stage/verification-keys"
ADMIN_SECRET_ID="avaone/$stage/admin"
GEMINI_SECRET_ID="avaone/$stage/gemini"
TICKET_SIGNING_KEYS_SECRET_ID="avaone/$stage/ticket-signing-keys"
TICKET_KEYS_SECRET_ID="avaone/$stage/ticket-keys"
TRANSIT_QUEUE_URL="http://$host:$moto_port/123456789012/avaone-$stage-transit"
SENDER_EMAIL="no-reply@avaone.local"
SALES_EMAIL="sales@avaone.local"
ALLOWED_ORIGINS="http://localhost:3000,http://localhost:3001"
DEPENDENCY_TIMEOUT_MS="$timeout_ms"
MONGODB_DATABASES="main:avaone_main,billing:billing,crm:crm,pingora:pingora,transit:transit"
MALLOC_MMAP_THRESHOLD_="131072"
MONGO_PORT="$mongo_port"
MOTO_PORT="$moto_port"
LOCAL_MONGODB_URI="mongodb://$host:$mongo_port/?directConnection=true"
ENV

  wait_for "moto (port $moto_port)" curl -fsS "http://$host:$moto_port/moto-api/"
  wait_for "SecantusDB (port $mongo_port)" $py -c "
import pymongo, sys
pymongo.MongoClient('mongodb://$host:$mongo_port/?directConnection=true', serverSelectionTimeoutMS=500).admin.command('ping')"
  (set -a; . "$dir/env"; set +a; $py scripts/provision.py)
  echo "stack: $name up — MongoDB $host:$mongo_port, moto http://$host:$moto_port, env .local/$name/env"
}

case $cmd in
  start) start ;;
  stop) stop; echo "stack: $name stopped" ;;
  status) if running; then echo "stack: $name running"; else echo "stack: $name not running"; exit 1; fi ;;
  *) echo "usage: stack.sh start|stop|status NAME [free]" >&2; exit 2 ;;
esac
