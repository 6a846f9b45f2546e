"""EventBridge Scheduler and Lambda's SQS poller, locally.

Runs every scheduled function declared in functions/*/functions.toml
(`schedule = "..."`) through the Lambda invoke API of `cargo lambda watch`,
at once and then every INTERVAL seconds, with its sample event
(events/<crate>/<name>.json) stamped with the current time. Between runs it
polls each consumer's queue (`queue = "TransitQueue"` reads
TRANSIT_QUEUE_URL from the environment) every second and hands batches to
the function as an SQS event; the messages it does not report in
`batchItemFailures` are deleted, the others come back after the queue's
visibility timeout and go to the dead-letter queue after 5 receives, as
Lambda's event source mapping does.

    python scripts/local-scheduler.py http://127.0.0.1:9000 [INTERVAL] [--once]

Deployed, the same functions run from their template `ScheduleV2` and SQS
events; only the clock differs (a short interval, so `make dev` shows the
effect). `--once` runs the schedules once and does not poll.
"""
import json
import os
import re
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


def queue_consumers():
    """(function name, queue URL) of every consumer whose queue is set up."""
    for path in sorted(ROOT.glob("functions/*/functions.toml")):
        with path.open("rb") as f:
            for name, spec in tomllib.load(f).get("functions", {}).items():
                if "queue" in spec:
                    # TransitQueue -> TRANSIT_QUEUE_URL
                    words = re.findall(r"[A-Z][a-z0-9]*", spec["queue"])
                    url = os.environ.get("_".join(w.upper() for w in words) + "_URL")
                    if url:
                        yield name, url


def deliver(base, sqs, name, url):
    """One batch from the queue to its consumer; how many messages it held."""
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                   AttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])
    if not received:
        return 0
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    event = {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": os.environ.get("AWS_REGION", "us-east-1"),
    } for m in received]}
    request = urllib.request.Request(
        f"{base}/2015-03-31/functions/{name}/invocations",
        data=json.dumps(event).encode(), headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            answer = json.loads(response.read() or b"null") or {}
    except (OSError, ValueError) as e:
        # The whole batch failed: every message comes back, as on AWS.
        print(f"local-scheduler: {name}: batch failed: {e}", flush=True)
        return len(received)
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])} if isinstance(answer, dict) else set()
    if isinstance(answer, dict) and "errorType" in answer:
        failed = {m["MessageId"] for m in received}
    for m in received:
        if m["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    print(f"local-scheduler: {name}: {len(received) - len(failed)} done, {len(failed)} to retry", flush=True)
    return len(received)


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
    consumers = list(queue_consumers())
    sqs = None
    if consumers and not once:
        import boto3  # only the poller needs it

        sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
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
        next_run = time.time() + interval
        while time.time() < next_run:
            busy = 0
            for name, url in consumers:
                try:
                    busy += deliver(base, sqs, name, url)
                except Exception as e:  # the poller outlives a hiccup of moto
                    print(f"local-scheduler: {name}: poll failed: {e}", flush=True)
            if not busy:
                time.sleep(1)


if __name__ == "__main__":
    main()
