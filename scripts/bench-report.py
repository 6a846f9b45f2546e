"""Composes target/bench/results.{md,json} from the harness output:
per-function numbers with ratios to the floor, arm64 zip sizes (dist/, from
`make package`) and the Node/Express baseline side by side."""
import glob
import json
import os
import platform
import sys
from datetime import datetime, timezone

out = sys.argv[1]
rows = []
for path in sorted(glob.glob(f"{out}/tmp-*/functions.json")):
    rows.extend(json.load(open(path)))
floor = next(r for r in rows if r["function"] == "floor")
functions = [r for r in rows if r["function"] != "floor"]
node = json.load(open(f"{out}/baseline.json"))
node_cold = node["requests"][0]["coldResponseMs"]

IO_FREE = {"authorizer", "verify-token", "jwks"}


def zip_size(name):
    path = f"dist/{name}.zip"
    return round(os.path.getsize(path) / 1048576, 2) if os.path.exists(path) else None


table = []
for r in functions:
    if "error" in r:
        table.append({**r})
        continue
    table.append({
        **r,
        "initVsFloor": round(r["initMs"] / floor["initMs"], 2),
        "coldVsFloor": round(r["coldResponseMs"] / floor["coldResponseMs"], 2),
        "coldVsNode": round(node_cold / r["coldResponseMs"], 1),
        "rssVsNode": round(node["peakRssMb"] / r["peakRssMb"], 1),
        "ioFree": r["function"] in IO_FREE,
        "zipMb": zip_size(r["function"]),
    })

machine = f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}"
result = {"ranAt": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine,
          "floor": floor, "node": node, "functions": table}
json.dump(result, open(f"{out}/results.json", "w"), indent=2)

lines = [
    f"Run {result['ranAt']} on {machine}; x86_64 release binaries on a local Runtime API; "
    f"warm = {floor['invocations']} invocations unless noted.",
    "",
    f"**Floor** (empty lambda_runtime function): init {floor['initMs']} ms, cold response {floor['coldResponseMs']} ms, "
    f"warm p99 {floor['warmP99Us']} µs, peak RSS {floor['peakRssMb']} MB.",
    "",
    f"**Node 20 + Express baseline** (seed design): ready after {node['readyMs']} ms, "
    f"first request answered {node_cold} ms after start, peak RSS {node['peakRssMb']} MB; "
    + "; ".join(f"{q['request']}: p50 {q['warmP50Us']} µs / p99 {q['warmP99Us']} µs" for q in node["requests"]) + ".",
    "",
    "| function | init ms | ×floor | cold ms | ×floor | Node cold ÷ ours | warm p50 µs | p99 µs | peak RSS MB | RSS after MB | Node RSS ÷ ours | arm64 zip MB | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for r in table:
    if "error" in r:
        lines.append(f"| {r['function']} | {r['error']} |||||||||||| |")
        continue
    name = r["function"] + (" (I/O-free)" if r["ioFree"] else "")
    if r["invocations"] != floor["invocations"]:
        name += f" (n={r['invocations']})"
    lines.append(
        f"| {name} | {r['initMs']} | {r['initVsFloor']} | {r['coldResponseMs']} | {r['coldVsFloor']} | {r['coldVsNode']} | "
        f"{r['warmP50Us']} | {r['warmP99Us']} | {r['peakRssMb']} | {r['rssAfterMb']} | {r['rssVsNode']} | {r['zipMb'] or '—'} | {r['errors']} |"
    )
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"\nbench: {out}/results.md and {out}/results.json")
