#!/usr/bin/env bash
# Runs the frontend's own API client against a running API (see replay.mjs).
#
#   tests/frontend/run.sh API_URL ADMIN_PASSWORD
#
# Installs TypeScript (pinned in package-lock.json) into node_modules/ on first
# use and compiles api-client.ts as it is, types stripped, nothing rewritten.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
api_url=${1:?usage: run.sh API_URL ADMIN_PASSWORD}
admin_password=${2:?usage: run.sh API_URL ADMIN_PASSWORD}
if [ ! -x "$here/node_modules/.bin/tsc" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node -e '
const ts = require(process.argv[1] + "/node_modules/typescript");
const fs = require("fs");
const src = fs.readFileSync(process.argv[1] + "/api-client.ts", "utf8");
const js = ts.transpileModule(src, { compilerOptions: {
  module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
fs.writeFileSync(process.argv[2] + "/api-client.mjs", js);
' "$here" "$out"
API_URL=$api_url ADMIN_PASSWORD=$admin_password CLIENT_MODULE=$out/api-client.mjs \
  node "$here/replay.mjs"
