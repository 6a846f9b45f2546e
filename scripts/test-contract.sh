#!/usr/bin/env bash
# `make test-contract`: schemathesis against the running local API.
#
# An ephemeral dev-stage stack on free loopback ports (seeded, super admin
# password set), every function served by `cargo lambda watch` exactly as
# `make dev` serves it, then schemathesis generates requests from the
# API's own document (GET /api/v1/openapi.json) with a super admin token and
# fails on any 5xx, any undocumented status, any response whose body or
# content type the document does not describe. CONTRACT_EXAMPLES bounds the
# examples per operation (default 25).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
root=$PWD
venv=$root/.local/tools/contract
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$(sed -n 's/^schemathesis==//p' scripts/contract-requirements.txt)"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r scripts/contract-requirements.txt
fi

name=contract-$$
dir=$root/.local/$name
api_pid=
gemini_pid=
cleanup() {
  if [ -n "$api_pid" ]; then kill -- "-$api_pid" 2>/dev/null || true; fi
  if [ -n "$gemini_pid" ]; then kill "$gemini_pid" 2>/dev/null || true; fi
  "$root/scripts/stack.sh" stop "$name" >/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
STACK_STAGE=local scripts/stack.sh start "$name" free
set -a; . "$dir/env"; set +a
.venv/bin/python scripts/seed.py >/dev/null
admin_password=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')
ADMIN_PASSWORD=$admin_password .venv/bin/python scripts/set-admin-password.py >/dev/null

# Gemini (paid, no local server) is played by scripts/fake-gemini.py, which
# speaks its REST format, so the voice routes run their provider path.
gemini_port=$(.venv/bin/python scripts/free-port.py)
.venv/bin/python scripts/fake-gemini.py "$gemini_port" &
gemini_pid=$!
echo "GEMINI_BASE_URL=http://127.0.0.1:$gemini_port" >>"$dir/env"
.venv/bin/python - <<'PY'
import json, os, boto3
sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
value = json.loads(sm.get_secret_value(SecretId=os.environ["GEMINI_SECRET_ID"])["SecretString"])
value["geminiApiKey"] = "contract-test-key"
sm.put_secret_value(SecretId=os.environ["GEMINI_SECRET_ID"], SecretString=json.dumps(value))
PY

# Build every function first so the first request to each is not a compile.
cargo build --workspace --bins --locked
port=$(.venv/bin/python scripts/free-port.py)
base=http://127.0.0.1:$port/api/v1
# Own process group (setsid) so cleanup stops watch and the functions it runs.
PATH=$root/.venv/bin:$PATH setsid cargo lambda watch --env-file "$dir/env" \
  --invoke-address 127.0.0.1 --invoke-port "$port" >"$dir/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$dir/api.log" >&2; exit 1; }
  sleep 1
done
curl -fsS "$base/health" >/dev/null

token=$(curl -fsS "$base/auth/admin/login" -H 'content-type: application/json' \
  -d "{\"password\":\"$admin_password\"}" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')

# From the stack's directory (ignored by git and so by watch): schemathesis
# writes .hypothesis/ into its working directory, and a new file in the
# workspace would make `cargo lambda watch` rebuild and restart functions.
cd "$dir"
export PYTHONPATH=$root/tests/contract SCHEMATHESIS_HOOKS=hooks
run() {
  "$venv/bin/schemathesis" --config-file "$root/tests/contract/schemathesis.toml" run "$base/openapi.json" --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${CONTRACT_EXAMPLES:-25}" --seed 20261126 \
    --phases examples,coverage,fuzzing --request-timeout 30 --workers 1 "$@"
}
# Logout revokes the token every other request carries, so it runs last.
run --exclude-operation-id logout
run --include-operation-id logout
cd "$root"
echo "test-contract: every operation conforms to the document, no 5xx"
