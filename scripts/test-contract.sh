#!/usr/bin/env bash
# `make test-contract`: schemathesis against the running local API.
#
# The API as `make dev` serves it (scripts/local-api.sh: an ephemeral stack
# on free loopback ports, seeded, `cargo lambda watch`), then schemathesis
# generates requests from the API's own document (GET /api/v1/openapi.json) with a super admin token and
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
cleanup() {
  "$root/scripts/local-api.sh" stop "$name"
  rm -rf "$dir"
}
trap cleanup EXIT
scripts/local-api.sh start "$name"
base=$(cat "$dir/api-url")
admin_password=$(cat "$dir/admin-password")
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
