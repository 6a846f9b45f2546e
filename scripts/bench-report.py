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
soak = [r for r in rows if r["function"].startswith("soak-")]
functions = [r for r in rows if r["function"] != "floor" and r not in soak]
node = json.load(open(f"{out}/baseline.json"))
node_cold = node["requests"][0]["coldResponseMs"]

IO_FREE = {"authorizer", "verify-token", "jwks", "openapi"}


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
    "| function | init ms | ×floor | cold ms | ×floor | Node cold ÷ ours | warm p50 µs | p99 µs | peak RSS MB | RSS mid → after MB | Node RSS ÷ ours | arm64 zip MB | responses | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for r in table:
    if "error" in r:
        lines.append(f"| {r['function']} | {r['error']} ||||||||||||| |")
        continue
    name = r["function"] + (" (I/O-free)" if r["ioFree"] else "")
    if r["invocations"] != floor["invocations"]:
        name += f" (n={r['invocations']})"
    lines.append(
        f"| {name} | {r['initMs']} | {r['initVsFloor']} | {r['coldResponseMs']} | {r['coldVsFloor']} | {r['coldVsNode']} | "
        f"{r['warmP50Us']} | {r['warmP99Us']} | {r['peakRssMb']} | {r.get('rssMidMb', '—')} → {r['rssAfterMb']} | {r['rssVsNode']} | "
        f"{r['zipMb'] or '—'} | {' '.join(f'{k}×{v}' for k, v in r.get('statuses', {}).items())} | {r['errors']} |"
    )

# DESIGN.md §10, checked row by row: every miss, by how much.
misses = []
for r in table:
    if "error" in r:
        misses.append(f"{r['function']}: {r['error']}")
        continue
    f = r["function"]
    if r["initMs"] > 15 or r["initVsFloor"] > 3:
        misses.append(f"{f}: init {r['initMs']} ms = {r['initVsFloor']}× floor (target ≤ 15 ms and ≤ 3×)")
    if r["peakRssMb"] >= 25:
        misses.append(f"{f}: peak RSS {r['peakRssMb']} MB (target < 25 MB)")
    if r["coldVsNode"] < 20:
        misses.append(f"{f}: cold start {r['coldVsNode']}× faster than Node (target ≥ 20×)")
    if r["rssVsNode"] < 5:
        misses.append(f"{f}: RSS {r['rssVsNode']}× smaller than Node (target ≥ 5×)")
    if r["zipMb"] is not None and r["zipMb"] >= 5:
        misses.append(f"{f}: arm64 zip {r['zipMb']} MB (target < 5 MB)")
    if r["ioFree"] and r["coldVsFloor"] > 2:
        misses.append(f"{f}: cold response {r['coldVsFloor']}× floor (I/O-free target ≤ 2×)")
    if r["ioFree"] and r["warmP99Us"] >= 1000:
        misses.append(f"{f}: warm p99 {r['warmP99Us']} µs (I/O-free target < 1 ms)")
    if r["invocations"] >= 1000 and r.get("rssMidMb") and r["rssAfterMb"] > r["rssMidMb"] * 1.05 + 0.5:
        misses.append(f"{f}: RSS grew {r['rssMidMb']} → {r['rssAfterMb']} MB over the second half of the run")
    if r["errors"]:
        misses.append(f"{f}: {r['errors']} errors")
for r in soak:
    if "error" in r or r["errors"]:
        misses.append(f"{r['function']}: {r.get('error') or str(r['errors']) + ' errors'}")
    elif r["rssAfterMb"] > r["rssMidMb"] * 1.05 + 0.5:
        misses.append(f"{r['function']}: RSS grew {r['rssMidMb']} → {r['rssAfterMb']} MB over the second half")
# Transit (scripts/bench-transit.py, tests/src/bin/hold-storm.rs).
search_path, storm_path = f"{out}/search.json", f"{out}/storm.json"
if os.path.exists(search_path):
    search = json.load(open(search_path))
    result["search"] = search
    row = next((r for r in table if r["function"] == "search-trips" and "error" not in r), None)
    lines += ["", f"**Transit search** over {search['trips']} trips ({search['boardingInLisbonThatDay']} board in "
              f"Lisbon that day; plan {' < '.join(search['plan'])}): "
              + (f"warm p50 {row['warmP50Us']} µs, p99 {row['warmP99Us']} µs." if row else "not measured.")]
    if "COLLSCAN" in search["plan"]:
        misses.append("search-trips: the query scans the collection, not the calls index")
if os.path.exists(storm_path):
    storm = json.load(open(storm_path))
    result["storm"] = storm
    lines += ["", f"**Hold storm**: {storm['clients']} passengers on one 40-seat bus, {storm['requests']} bookings in "
              f"{storm['elapsedMs']} ms; answers {' '.join(f'{k}×{v}' for k, v in storm['statuses'].items())}; "
              f"latency p50 {storm['p50Ms']} ms / p95 {storm['p95Ms']} ms / p99 {storm['p99Ms']} ms "
              f"(local emulators, DynamoDB serialized); {storm['seatLegsWon']} seat-legs won, "
              f"**{storm['doubleSales']} double sales**, inventory matches the winners: {storm['inventoryMatchesWinners']}."]
    if storm["doubleSales"] or not storm["inventoryMatchesWinners"]:
        misses.append(f"hold storm: {storm['doubleSales']} double sales")
lines += ["", f"**Against DESIGN.md §10**: {len(misses)} miss(es)" + (":" if misses else ".")]
lines += [f"- {m}" for m in misses]
result["misses"] = misses

if soak:
    result["soak"] = soak
    lines += ["", "**Soak** (one warm process each):", "",
              "| route | invocations | errors | responses | RSS after cold → mid → end MB | warm p50 / p99 µs |",
              "|---|---|---|---|---|---|"]
    for r in soak:
        if "error" in r:
            lines.append(f"| {r['function'][5:]} | {r['error']} ||||| ")
            continue
        lines.append(f"| {r['function'][5:]} | {r['invocations']} | {r['errors']} | "
                     f"{' '.join(f'{k}×{v}' for k, v in r['statuses'].items())} | "
                     f"{r['peakRssAfterColdMb']} → {r['rssMidMb']} → {r['rssAfterMb']} | {r['warmP50Us']} / {r['warmP99Us']} |")

# Start-up probes (tests/src/bin/sdk-probe.rs), medians of fresh processes.
probe_path = f"{out}/probe.json"
if os.path.exists(probe_path):
    probe = json.load(open(probe_path))
    result["probe"] = probe
    lines += ["", "**Start-up choices** (sdk-probe, median of "
              f"{probe['runs']} fresh processes each):"]
    for mode in ("default", "lean"):
        m = probe[mode]
        lines.append(f"- SdkConfig {mode}: config {m['config_us']} µs, + DynamoDB client {m['client_us']} µs, "
                     f"first DynamoDB call {m['first_call_us']} µs, total {m['total_us']} µs")
    for variant in ("rng", "rng_jitter"):
        if variant in probe:
            m = probe[variant]
            label = "with CPU jitter entropy" if variant == "rng_jitter" else "as shipped (AWS_LC_SYS_NO_JITTER_ENTROPY=1)"
            lines.append(f"- first AWS-LC random bytes {label}: {m['first_us']} µs (then {m['second_us']} µs)")
json.dump(result, open(f"{out}/results.json", "w"), indent=2)
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"\nbench: {out}/results.md and {out}/results.json")
