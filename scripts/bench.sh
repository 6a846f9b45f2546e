#!/usr/bin/env bash
# `make bench`: release builds of the functions, the floor (an empty
# lambda_runtime function) and the Node/Express baseline, measured by
# tests/src/bin/lambda-bench.rs (a local Lambda Runtime API) against an
# ephemeral local stack. Writes target/bench/results.{md,json}.
#
#   BENCH_FUNCTIONS="health verify-token"  measure only these binaries
#   BENCH_INVOCATIONS=10000                 warm invocations per function (default 2000)
#   SOAK_FUNCTIONS="list-organizations update-organization"  the soak (10,000 each)
#   STORM_CLIENTS=24                        concurrent passengers in the transit hold storm
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=target/bench
rm -rf "$out"/tmp-*   # the report reads every tmp-*/: only this run's
mkdir -p "$out/events"
name=bench-$$
node_pid=
trap 'scripts/stack.sh stop "$name" >/dev/null; rm -rf ".local/$name"' EXIT
STACK_STAGE=test scripts/stack.sh start "$name" free
set -a; . ".local/$name/env"; set +a
.venv/bin/python scripts/seed.py >/dev/null
# Transit: 10,000 trips to search (search-trips runs against them).
.venv/bin/python scripts/bench-transit.py "$out"

all=$(ls functions/*/src/bin/*.rs | xargs -n1 basename | sed 's/\.rs$//' | sort)
functions=${BENCH_FUNCTIONS:-$all}
invocations=${BENCH_INVOCATIONS:-2000}
bins=""
for f in $functions; do bins="$bins --bin $f"; done
echo "bench: building release binaries (first run: several minutes)"
soak_bins=""
for f in ${SOAK_FUNCTIONS:-list-organizations update-organization}; do soak_bins="$soak_bins --bin $f"; done
cargo build --release --locked --workspace --bin floor --bin lambda-bench --bin hold-storm --bin workspace-login $bins $soak_bins

# Function environment: the stack's, with login limits out of the way (the
# warm loop logs in thousands of times from one IP).
{ cat ".local/$name/env"; echo 'LOGIN_MAX_ATTEMPTS_ACCOUNT="100000000"'; echo 'LOGIN_MAX_ATTEMPTS_IP="100000000"'; } > "$out/function.env"
bench=target/release/lambda-bench

# Real tokens for the token routes (one for logout, which revokes its own).
token() { $bench --env-file "$out/function.env" --invoke target/release/workspace-login events/auth/workspace-login.json \
  | .venv/bin/python -c 'import json,sys; print(json.loads(json.load(sys.stdin)["body"])["data"]["accessToken"])'; }
TOKEN=$(token) LOGOUT_TOKEN=$(token) .venv/bin/python scripts/bench-events.py "$out"

for f in $functions; do
  domain=$(dirname "$(dirname "$(dirname "$(ls functions/*/src/bin/$f.rs)")")" | xargs basename)
  event="$out/events/$f.json"; [ -f "$event" ] || event="events/$domain/$f.json"
  case $f in
    *-login|create-organization|update-organization|create-org-user|ensure-user|add-sample-users|setup-test-data) n=50 ;;
    *) n=$invocations ;;
  esac
  $bench --env-file "$out/function.env" --out "$out/tmp-$f" --invocations "$n" "$f=target/release/$f=$event" >/dev/null
done
# Soak: 10,000 invocations of a read and a write route in one warm process
# each: zero errors (5xx included) and flat RSS (leak check).
for f in ${SOAK_FUNCTIONS:-list-organizations update-organization}; do
  domain=$(dirname "$(dirname "$(dirname "$(ls functions/*/src/bin/$f.rs)")")" | xargs basename)
  event="$out/events/$f.json"; [ -f "$event" ] || event="events/$domain/$f.json"
  $bench --env-file "$out/function.env" --out "$out/tmp-soak-$f" --invocations "${SOAK_INVOCATIONS:-10000}" "soak-$f=target/release/$f=$event" >/dev/null
done
# The hold storm: STORM_CLIENTS passengers booking one bus at once through
# the real handler; latency percentiles and zero double sales (it exits 1
# otherwise). The emulators apply DynamoDB requests one at a time, so the
# dependency timeout is raised: the storm measures queueing, not timeouts.
(set -a; . "$out/function.env"; DEPENDENCY_TIMEOUT_MS=10000; set +a
 target/release/hold-storm --clients "${STORM_CLIENTS:-24}" --out "$out/storm.json" | grep -v '"_aws"')
$bench --env-file "$out/function.env" --out "$out/tmp-floor" --invocations "$invocations" "floor=target/release/floor=events/admin/health.json" >/dev/null

# The seed's design: Node 20 + Express + mongodb + jsonwebtoken + bcrypt.
if [ ! -d tests/node-baseline/node_modules ]; then (cd tests/node-baseline && npm ci --no-audit --no-fund --silent); fi
port=$(.venv/bin/python scripts/free-port.py)
MONGODB_URI=$LOCAL_MONGODB_URI $bench --out "$out" --invocations "$invocations" --baseline-port "$port" -- node tests/node-baseline/server.js >/dev/null

# Start-up choices (tests/src/bin/sdk-probe.rs): the default aws-config
# chain vs a lean SdkConfig, and AWS-LC's first random bytes as shipped vs
# with CPU jitter entropy (a second build of the probe alone, in its own
# target dir so the shipped build is untouched). The bench profile (thin
# LTO) writes to target/release, like release.
echo "bench: start-up probes"
cargo build --profile bench --locked -p workspace-tests --bin sdk-probe
AWS_LC_SYS_NO_JITTER_ENTROPY=0 CARGO_TARGET_DIR=target/jitter \
  cargo build --profile bench --locked -p workspace-tests --bin sdk-probe
.venv/bin/python - "$out" <<'PY'
import json, statistics, subprocess, sys
runs = 21
probes = {"default": ["target/release/sdk-probe", "default"], "lean": ["target/release/sdk-probe", "lean"],
          "rng": ["target/release/sdk-probe", "rng"], "rng_jitter": ["target/jitter/release/sdk-probe", "rng"]}
samples = {name: [] for name in probes}
for _ in range(runs):  # interleaved, so drift hits every variant alike
    for name, cmd in probes.items():
        samples[name].append(json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))
median = {name: {k: round(statistics.median(s[k] for s in rows)) for k in rows[0] if k != "mode"}
          for name, rows in samples.items()}
json.dump({"runs": runs, **median}, open(f"{sys.argv[1]}/probe.json", "w"), indent=2)
PY

.venv/bin/python scripts/bench-report.py "$out"
