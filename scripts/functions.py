#!/usr/bin/env python3
"""Writes what follows from the function declarations (`make functions`).

Each crate under functions/ declares its functions in `functions.toml`, one
line each (docs/development.md "Adding a route"). From those lines this script keeps
these in step:

- written when missing, then hand-owned: `src/bin/<name>.rs` (the thin
  main), `events/<crate>/<name>.json` (a sample event for `sam local
  invoke`), the function's block in template.yaml (least privilege: it may
  read the config secret; add what else it needs by hand) and, for an SQS
  consumer, its queue and dead-letter queue;
- rewritten whole, never edited by hand: the `cargo lambda watch` router
  table in Cargo.toml, the `paths(...)` list of `src/openapi.rs` and the
  route table in docs/routes.md.

`--check` writes nothing and exits 1 naming every file that is not what the
declarations say (CI runs it in `make lint`); the route-table test checks
the hand-owned pieces agree with the declarations.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_PREFIX = "/api/v1"
DEFAULT_ROUTE = "ANY $default"
ROUTER_CATCH_ALL = "/{*path}"

KINDS = ("route", "queue", "schedule", "authorizer")

# What a scheduled function receives deployed (template `Input`): an
# EventBridge event whose `time` is when the run was scheduled for.
SCHEDULE_INPUT = (
    '{"version":"0","id":"<aws.scheduler.execution-id>","detail-type":"Scheduled Event",'
    '"source":"aws.scheduler","time":"<aws.scheduler.scheduled-time>",'
    '"resources":["<aws.scheduler.schedule-arn>"],"detail":{}}'
)


class Function:
    def __init__(self, crate, name, spec):
        self.crate = crate
        self.name = name
        kinds = [k for k in KINDS if k in spec]
        if len(kinds) != 1:
            fail(f"functions/{crate}/functions.toml: {name} needs exactly one of {', '.join(KINDS)}")
        self.kind = kinds[0]
        self.spec = spec
        for key in ("handler", "about"):
            if not spec.get(key):
                fail(f"functions/{crate}/functions.toml: {name} has no `{key}`")
        self.handler = spec["handler"]
        self.about = spec["about"]
        self.auth = spec.get("auth", "")
        if self.kind == "route":
            self.method, _, self.path = spec["route"].partition(" ")
            if not self.method.isupper() or not (self.path.startswith(API_PREFIX) or spec["route"] == DEFAULT_ROUTE):
                fail(f"{name}: route must be `METHOD {API_PREFIX}/...` (or `{DEFAULT_ROUTE}`)")
            if not self.auth:
                fail(f"{name}: a route names its `auth` (public, sa, oa, ou, ...)")

    @property
    def public(self):
        return self.auth.startswith("public")

    @property
    def in_openapi(self):
        return self.kind == "route" and self.spec.get("openapi", True)

    @property
    def logical_id(self):
        return "".join(p.capitalize() for p in self.name.split("-")) + "Function"


def fail(message):
    print(f"functions: {message}", file=sys.stderr)
    sys.exit(2)


def declarations():
    functions = []
    for path in sorted(ROOT.glob("functions/*/functions.toml")):
        crate = path.parent.name
        with path.open("rb") as f:
            for name, spec in tomllib.load(f).get("functions", {}).items():
                functions.append(Function(crate, name, spec))
    seen = set()
    for f in functions:
        if f.name in seen:
            fail(f"{f.name} is declared twice")
        seen.add(f.name)
    return functions


# ---------------------------------------------------------------- mains


def main_rs(f):
    lib = f.crate.replace("-", "_")
    if f.kind == "route":
        return f"""//! {f.method} {f.path}: {f.about}
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {{
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve({lib}::SERVICE, app, {lib}::{f.handler}).await
}}
"""
    runner = {"queue": "consume_sqs", "schedule": "on_schedule", "authorizer": "run"}[f.kind]
    return f"""//! {f.about}
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {{
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::{runner}(app, {lib}::{f.handler}).await
}}
"""


# ---------------------------------------------------------------- events


def http_event(f):
    path = f.path if f.kind == "route" and f.path.startswith("/") else f"{API_PREFIX}/unknown"
    method = "GET" if f.method == "ANY" else f.method
    key = f"{f.method} {f.path}"
    context = {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": "api.avaone.example",
        "domainPrefix": "api",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.24",
            "userAgent": "Mozilla/5.0 (AvaOne web)",
        },
        "requestId": "Rk4Cqz1YoAMEc2w=",
        "routeKey": key,
        "stage": "$default",
        "time": "26/Nov/2026:10:00:00 +0000",
        "timeEpoch": 1795687200000,
    }
    headers = {
        "accept": "application/json",
        "host": "api.avaone.example",
        "user-agent": "Mozilla/5.0 (AvaOne web)",
        "x-forwarded-for": "203.0.113.24",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if not f.public:
        headers["authorization"] = "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6ImV4YW1wbGUifQ.e30.c2lnbmF0dXJl"
        context["authorizer"] = {
            "lambda": {"userId": "super-admin", "role": "super_admin", "organizationId": "", "permissions": ["*"]}
        }
    event = {
        "version": "2.0",
        "routeKey": key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if method in ("POST", "PUT", "PATCH"):
        headers["content-type"] = "application/json"
        event["body"] = "{}"
    return event


def event_json(f):
    if f.kind == "route":
        event = http_event(f)
    elif f.kind == "queue":
        event = {
            "Records": [
                {
                    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                    "body": "{}",
                    "attributes": {
                        "ApproximateReceiveCount": "1",
                        "SentTimestamp": "1795687200000",
                        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                        "ApproximateFirstReceiveTimestamp": "1795687200001",
                    },
                    "messageAttributes": {},
                    "md5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:eu-central-1:123456789012:{f.spec['queue']}",
                    "awsRegion": "eu-central-1",
                }
            ]
        }
    elif f.kind == "schedule":
        event = {
            "version": "0",
            "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": "123456789012",
            "time": "2026-11-26T10:00:00Z",
            "region": "eu-central-1",
            "resources": [f"arn:aws:scheduler:eu-central-1:123456789012:schedule/default/{f.name}"],
            "detail": {},
        }
    else:
        event = {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5/$default/GET/api/v1/health",
            "identitySource": ["Bearer eyJhbGciOiJFZERTQSIsImtpZCI6ImV4YW1wbGUifQ.e30.c2lnbmF0dXJl"],
            "routeKey": "GET /api/v1/health",
            "rawPath": "/api/v1/health",
            "headers": {"authorization": "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6ImV4YW1wbGUifQ.e30.c2lnbmF0dXJl"},
        }
    return json.dumps(event, indent=2) + "\n"


# ---------------------------------------------------------------- template


def template_block(f):
    description = f"{f.method} {f.path} — {f.about}" if f.kind == "route" else f.about
    lines = [
        f"  {f.logical_id}:",
        "    Type: AWS::Serverless::Function",
        "    Metadata:",
        "      BuildMethod: rust-cargolambda",
        "      BuildProperties:",
        f"        Binary: {f.name}",
        "    Properties:",
        "      CodeUri: .",
        f"      Description: {description}",
        "      Policies:",
        "        - Statement:",
        "            - Effect: Allow",
        "              Action: secretsmanager:GetSecretValue",
        "              Resource: !Ref ConfigSecret",
    ]
    if f.kind == "queue":
        queue = f.spec["queue"]
        lines += [
            "        - SQSPollerPolicy:",
            f"            QueueName: !GetAtt {queue}.QueueName",
        ]
    if f.kind != "authorizer":
        lines.append("      Events:")
    if f.kind == "route":
        lines += [
            "        Api:",
            "          Type: HttpApi",
            "          Properties:",
            "            ApiId: !Ref HttpApi",
            f"            Method: {f.method}",
            f"            Path: {f.path}",
        ]
        if f.public:
            lines += ["            Auth:", "              Authorizer: NONE"]
    elif f.kind == "queue":
        queue = f.spec["queue"]
        lines += [
            "        Queue:",
            "          Type: SQS",
            "          Properties:",
            f"            Queue: !GetAtt {queue}.Arn",
            "            BatchSize: 10",
            "            FunctionResponseTypes:",
            "              - ReportBatchItemFailures",
        ]
    elif f.kind == "schedule":
        lines += [
            "        Schedule:",
            "          Type: ScheduleV2",
            "          Properties:",
            f"            ScheduleExpression: {f.spec['schedule']}",
            # Without Input, Scheduler sends a default notification; this is
            # the EventBridge event shape the runtime reads, with the time
            # the run was scheduled for (Scheduler's context attributes).
            f"            Input: '{SCHEDULE_INPUT}'",
        ]
    lines.append("")
    return "\n".join(lines) + "\n"


def queue_block(queue):
    return f"""  {queue}:
    Type: AWS::SQS::Queue
    Properties:
      # Longer than the consumer's timeout, as Lambda requires.
      VisibilityTimeout: 180
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt {queue}DeadLetters.Arn
        maxReceiveCount: 5

  {queue}DeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600

"""


def section_marker(crate):
    return f"  # {'-' * 64} {crate}\n"


def with_template_blocks(text, functions):
    """template.yaml with a skeleton block for each declared function it lacks."""
    binaries = set(re.findall(r"^        Binary: (\S+)$", text, re.M))
    for f in functions:
        if f.name in binaries:
            continue
        block = template_block(f)
        if f.kind == "queue" and not re.search(rf"^  {f.spec['queue']}:$", text, re.M):
            block = queue_block(f.spec["queue"]) + block
        marker = section_marker(f.crate)
        if marker not in text:
            text = text.replace("\nOutputs:", f"\n{marker}\nOutputs:", 1)
        start = text.index(marker) + len(marker)
        nxt = re.search(r"^  # -{10,} \S+$|^Outputs:$", text[start:], re.M)
        at = start + nxt.start() if nxt else len(text)
        text = text[:at] + block + text[at:]
    return text


# ---------------------------------------------------------------- router


def with_router(text, functions):
    """Cargo.toml with the watch router table rewritten from the routes."""
    table = {}
    catch_all = None
    for f in functions:
        if f.kind != "route":
            continue
        if f.spec["route"] == DEFAULT_ROUTE:
            catch_all = f.name
            continue
        table.setdefault(f.path, []).append(f'{{ method = "{f.method}", function = "{f.name}" }}')
    lines = [f'"{path}" = [{", ".join(entries)}]' for path, entries in table.items()]
    if catch_all:
        lines.append("# API Gateway's `$default` route: any method on any path no route above matches.")
        lines.append(f'"{ROUTER_CATCH_ALL}" = "{catch_all}"')
    header = "[workspace.metadata.lambda.watch.router]\n"
    start = text.index(header) + len(header)
    end = text.find("\n\n", start)
    end = len(text) if end < 0 else end + 1
    return text[:start] + "\n".join(lines) + "\n" + text[end:]


# ---------------------------------------------------------------- openapi


def with_openapi_paths(text, crate, functions):
    """src/openapi.rs with its `paths(...)` listing the crate's documented routes."""
    paths = [f"crate::{f.handler}" for f in functions if f.crate == crate and f.in_openapi]
    m = re.search(r"^( *).*paths\(\n?[^()]*\)", text, re.M)
    if not m:
        fail("src/openapi.rs of " + crate + " has no `paths(...)`")
    indent = m.group(1)  # rustfmt's layout: one path a line, one level in
    listed = "".join(f"{indent}    {p},\n" for p in paths)
    start = text.index("paths(", m.start())
    return text[:start] + f"paths(\n{listed}{indent})" + text[m.end():]


# ---------------------------------------------------------------- readme

README_START = "<!-- route table: written by `make functions` from functions/*/functions.toml -->\n"
README_END = "<!-- end of route table -->\n"


def readme_table(functions):
    rows = ["| method | path | auth | function (binary) | crate |", "|---|---|---|---|---|"]
    for f in functions:
        if f.kind == "route" and f.spec["route"] == DEFAULT_ROUTE:
            rows.append(f"| any | (`$default`: any route not above) | {f.auth} | `{f.name}` ({f.about}) | functions/{f.crate} |")
        elif f.kind == "route":
            rows.append(f"| {f.method} | {f.path.removeprefix(API_PREFIX)} | {f.auth} | `{f.name}` | functions/{f.crate} |")
    for f in functions:
        if f.kind == "authorizer":
            rows.append(f"| — | (every protected route) | — | `{f.name}` ({f.about}) | functions/{f.crate} |")
        elif f.kind == "queue":
            rows.append(f"| — | (SQS `{f.spec['queue']}`) | — | `{f.name}` ({f.about}) | functions/{f.crate} |")
        elif f.kind == "schedule":
            rows.append(f"| — | (schedule `{f.spec['schedule']}`) | — | `{f.name}` ({f.about}) | functions/{f.crate} |")
    return "\n".join(rows) + "\n"


def with_readme(text, functions):
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END, start)
    return text[:start] + readme_table(functions) + text[end:]


# ---------------------------------------------------------------- main


def plan(functions):
    """Every file this script owns or seeds → its content."""
    files = {}
    for f in functions:
        files[ROOT / f"functions/{f.crate}/src/bin/{f.name}.rs"] = ("missing", main_rs(f))
        files[ROOT / f"events/{f.crate}/{f.name}.json"] = ("missing", event_json(f))
    template = ROOT / "template.yaml"
    files[template] = ("whole", with_template_blocks(template.read_text(), functions))
    cargo = ROOT / "Cargo.toml"
    files[cargo] = ("whole", with_router(cargo.read_text(), functions))
    for crate in sorted({f.crate for f in functions if f.in_openapi}):
        openapi = ROOT / f"functions/{crate}/src/openapi.rs"
        if openapi.exists():
            files[openapi] = ("whole", with_openapi_paths(openapi.read_text(), crate, functions))
        else:
            files[openapi] = (
                "missing",
                "//! This domain's routes in the OpenAPI document (merged by\n"
                "//! `shared::http::openapi::document`).\n\n"
                "#[derive(utoipa::OpenApi)]\n"
                + with_openapi_paths("#[openapi(paths())]\n", crate, functions)
                + "pub struct Api;\n",
            )
    routes = ROOT / "docs/routes.md"
    files[routes] = ("whole", with_readme(routes.read_text(), functions))
    return files


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, (mode, content) in plan(declarations()).items():
        exists = path.exists()
        # Rust is compared without whitespace: `make functions` runs rustfmt after.
        same = (lambda a, b: re.sub(r"\s", "", a) == re.sub(r"\s", "", b)) if path.suffix == ".rs" else str.__eq__
        if exists and (mode == "missing" or same(path.read_text(), content)):
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    verb = "not as declared (run `make functions`)" if check else "written"
    for path in stale:
        print(f"functions: {path}: {verb}")
    sys.exit(1 if check and stale else 0)


if __name__ == "__main__":
    main()
