#!/usr/bin/env bash
# `make build` / `make package`: arm64 release builds of every function with
# cargo-lambda (zig as the cross linker, from .venv), zipped for Lambda as
# dist/<function>.zip. Prints each size and fails if any reaches 5 MB.
#   PACKAGE_FUNCTIONS="health jwks"   only these functions
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
rustup target list --installed | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
export PATH=$PWD/.venv/bin:$PATH
if [ -n "${PACKAGE_FUNCTIONS:-}" ]; then
  bins=(); for f in $PACKAGE_FUNCTIONS; do bins+=(--bin "$f"); done
  cargo lambda build --release --arm64 --locked "${bins[@]}"
else
  cargo lambda build --release --arm64 --workspace --exclude workspace-tests --locked
fi
[ "${1:-}" = package ] || exit 0
PACKAGE_FUNCTIONS=${PACKAGE_FUNCTIONS:-} python3 - <<'PY'
import glob, os, sys, zipfile
os.makedirs("dist", exist_ok=True)
limit, over = 5 * 1024 * 1024, []
print(f"{'function':28} {'binary MB':>10} {'zip MB':>8}")
wanted = os.environ.get("PACKAGE_FUNCTIONS", "").split()
for src in sorted(glob.glob("functions/*/src/bin/*.rs")):
    name = os.path.basename(src)[:-3]
    if wanted and name not in wanted:
        continue
    binary = f"target/lambda/{name}/bootstrap"
    target = f"dist/{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16  # executable, as Lambda needs
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(binary, "rb").read())
    size = os.path.getsize(target)
    print(f"{name:28} {os.path.getsize(binary) / 1048576:10.2f} {size / 1048576:8.2f}")
    if size >= limit:
        over.append(name)
if over:
    sys.exit(f"package: 5 MB or more: {', '.join(over)}")
PY
