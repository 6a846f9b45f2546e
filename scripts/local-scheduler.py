"""EventBridge Scheduler, locally: runs every scheduled function declared in
functions/*/functions.toml (`schedule = "..."`) through the Lambda invoke
API of `cargo lambda watch`, at once and then every INTERVAL seconds, with
its sample event (events/<crate>/<name>.json) stamped with the current time.

    python scripts/local-scheduler.py http://127.0.0.1:9000 [INTERVAL] [--once]

Deployed, the same functions run from their template `ScheduleV2` events;
only the clock differs (a short interval, so `make dev` shows the effect).
"""
import json
import sys
import time
import tomllib
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scheduled_functions():
    for path in sorted(ROOT.glob("functions/*/functions.toml")):
        with path.open("rb") as f:
            for name, spec in tomllib.load(f).get("functions", {}).items():
                if "schedule" in spec:
                    yield path.parent.name, name


def invoke(base, crate, name):
    event = json.loads((ROOT / "events" / crate / f"{name}.json").read_text())
    event["time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = urllib.request.Request(
        f"{base}/2015-03-31/functions/{name}/invocations",
        data=json.dumps(event).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read().decode()
    failed = response.headers.get("x-amz-function-error") or '"errorType"' in body
    print(f"local-scheduler: {name}: {'failed ' + body if failed else 'ok'}", flush=True)
    return not failed


def wait_for(base, seconds=600):
    """The watch server answers (it may still be compiling)."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(2)


def main():
    base = sys.argv[1].rstrip("/")
    interval = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 300
    once = "--once" in sys.argv
    wait_for(base)
    while True:
        ok = True
        for crate, name in scheduled_functions():
            try:
                ok = invoke(base, crate, name) and ok
            except OSError as e:
                ok = False
                print(f"local-scheduler: {name}: {e}", flush=True)
        if once:
            sys.exit(0 if ok else 1)
        time.sleep(interval)


if __name__ == "__main__":
    main()
