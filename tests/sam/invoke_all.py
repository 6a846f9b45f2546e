"""`make test-sam`, part 2: `sam local invoke -e events/<domain>/<binary>.json`
for every function of template.yaml, each checked for a well-formed response.

Well-formed: the authorizer answers {"isAuthorized": bool, ...}; every other
function an API Gateway v2 response whose body is our envelope
({"success": ..., "timestamp": ...}, and "error"/"code" when not successful)
with a JSON content type, and no 5xx (the events are valid requests against
a healthy local stack); a scheduled function (`schedule` in functions.toml)
answers `null` and no error; a queue consumer answers its partial batch
failures (`{"batchItemFailures": [...]}`). Two documented exceptions: JWKS answers a bare JWK
set (RFC 7517), and speech/TTS answer 503 "not enabled" while the secret
has no `geminiApiKey` (a paid provider with no local server). Run by
scripts/test-sam.sh with SAM_DIR set.
"""
import glob
import json
import os
import subprocess
import sys
import tomllib

from samcli.yamlhelper import yaml_parse

SAM_DIR = os.environ["SAM_DIR"]
image = open(f"{SAM_DIR}/invoke-image").read().strip()
overrides = open(f"{SAM_DIR}/parameter-overrides").read().strip()
template = yaml_parse(open(".aws-sam/build/template.yaml").read())
events = {os.path.basename(p)[:-5]: p for p in glob.glob("events/*/*.json")}

functions = {
    logical_id: resource["Metadata"]["BuildProperties"]["Binary"]
    for logical_id, resource in template["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
scheduled = set()
consumers = set()
for path in glob.glob("functions/*/functions.toml"):
    with open(path, "rb") as f:
        declared = tomllib.load(f).get("functions", {}).items()
    scheduled |= {n for n, spec in declared if "schedule" in spec}
    consumers |= {n for n, spec in declared if "queue" in spec}
missing = sorted(b for b in functions.values() if b not in events)
if missing:
    sys.exit(f"test-sam: no event file for {missing}")


def problem(binary, out):
    if binary in consumers:
        # An SQS consumer answers partial batch failures (the sample job's
        # booking does not exist, so it reports that message failed).
        return None if isinstance(out.get("batchItemFailures"), list) else "no batchItemFailures list"
    if binary == "authorizer":
        return None if isinstance(out.get("isAuthorized"), bool) else "no boolean isAuthorized"
    status = out.get("statusCode")
    if binary in ("jwks", "ticket-keys"):
        keys = json.loads(out.get("body") or "{}").get("keys")
        return None if status == 200 and keys and all("kid" in k for k in keys) else "no JWK set"
    if binary == "openapi":
        doc = json.loads(out.get("body") or "{}")
        return None if status == 200 and doc.get("openapi", "").startswith("3.1") else "no OpenAPI 3.1 document"
    if binary in ("speech-to-text", "text-to-speech") and status == 503:
        body = json.loads(out["body"])
        not_enabled = body.get("code") == "DEPENDENCY_UNAVAILABLE" and "not enabled" in body.get("error", "")
        return None if not_enabled else "503 other than 'provider not enabled'"
    if not isinstance(status, int) or not 200 <= status < 500:
        return f"statusCode {status!r}"
    headers = {k.lower(): v for k, v in (out.get("headers") or {}).items()}
    if not headers.get("content-type", "").startswith("application/json"):
        return f"content-type {headers.get('content-type')!r}"
    body = json.loads(out["body"])
    if not isinstance(body.get("success"), bool) or "timestamp" not in body:
        return "body is not the envelope"
    if not body["success"] and not (body.get("error") and body.get("code")):
        return "failure without error and code"
    return None


failures = []
for logical_id, binary in sorted(functions.items(), key=lambda kv: kv[1]):
    run = subprocess.run(
        ["sam", "local", "invoke", logical_id, "-e", events[binary],
         "--template", ".aws-sam/build/template.yaml",
         "--env-vars", f"{SAM_DIR}/sam-env.json", "--parameter-overrides", overrides,
         "--invoke-image", image, "--skip-pull-image"],
        capture_output=True, text=True, timeout=180,
    )
    if binary in scheduled:
        last = (run.stdout.strip().splitlines() or [""])[-1].strip()
        why = None if last == "null" and "errorType" not in run.stdout else f"not a clean run: {last[:200]!r}"
        print(f"{'ok  ' if why is None else 'FAIL'} {binary:28} -  {why or ''}")
        if why is not None:
            failures.append(binary)
            print(run.stderr[-2000:], file=sys.stderr)
        continue
    lines = [l for l in run.stdout.strip().splitlines() if l.startswith("{")]
    try:
        out = json.loads(lines[-1])
        why = problem(binary, out)
    except (IndexError, ValueError, KeyError, TypeError) as err:
        out, why = None, f"no JSON response ({err})"
    status = out.get("statusCode", out.get("isAuthorized")) if isinstance(out, dict) else "-"
    print(f"{'ok  ' if why is None else 'FAIL'} {binary:28} {status}  {why or ''}")
    if why is not None:
        failures.append(binary)
        print(run.stderr[-2000:], file=sys.stderr)
if failures:
    sys.exit(f"test-sam: {len(failures)} function(s) failed: {failures}")
print(f"test-sam: all {len(functions)} functions invoked")
