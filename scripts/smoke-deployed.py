"""The smoke test run after every deploy (and by `make test` against the
local API, so it is known to work): the API answers, the authorizer refuses
a request without a token, the super admin logs in, an authorized call
succeeds, and the session is logged out again.

    SMOKE_ADMIN_PASSWORD=... python scripts/smoke-deployed.py <api-url>

<api-url> ends in /api/v1 (the stack's ApiUrl output). Exits non-zero
naming the first step that failed; never prints the password or a token.
"""
import json
import os
import sys
import urllib.error
import urllib.request

API = sys.argv[1].rstrip("/")
PASSWORD = os.environ["SMOKE_ADMIN_PASSWORD"]


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(API + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw[:200].decode(errors="replace")


def step(what, ok, status, body):
    if not ok:
        # Envelopes carry no secrets; a token would only be in data.
        shown = {k: v for k, v in body.items() if k != "data"} if isinstance(body, dict) else body
        sys.exit(f"smoke: FAILED {what}: {status} {shown}")
    print(f"smoke: ok   {what}")


status, body = call("GET", "/health")
step("GET /health", status == 200 and body.get("success") is True, status, body)

status, body = call("GET", "/organizations")
step("a protected route without a token is 401", status == 401 and body.get("code") == "UNAUTHENTICATED", status, body)

status, body = call("POST", "/auth/admin/login", {"password": PASSWORD})
token = (body.get("data") or {}).get("accessToken") if isinstance(body, dict) else None
step("the super admin logs in", status == 200 and bool(token), status, body)

status, body = call("GET", "/organizations", token=token)
step("an authorized call (GET /organizations)", status == 200 and body.get("success") is True, status, body)

status, body = call("POST", "/auth/logout", {}, token=token)
step("logout", status == 200, status, body)
