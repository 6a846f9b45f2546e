"""`make test-sam`, part 1: the API through `sam local start-api`.

Run by scripts/test-sam.sh with the sam stack's env loaded and API_URL set.
Each step prints what it checked; any failure exits non-zero with the reason.
"""
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import pymongo
from cryptography.hazmat.primitives import serialization
from samcli.yamlhelper import yaml_parse

API = os.environ["API_URL"]


# sam local's emulator at times starts a function's container before its
# Runtime API listens: the bootstrap's first poll of 127.0.0.1:9001 is refused,
# it exits, and start-api answers 502 "Internal server error" (seen under
# load; Lambda itself never does this). One retry tells that race from a real
# crash, which fails again.
EMULATOR_RACE = (502, {"message": "Internal server error"})


def call(method, path, body=None, token=None):
    status, answer = send(method, path, body, token)
    if (status, answer) == EMULATOR_RACE:
        print(f"note {method} {path}: 502 from the emulator, retrying once")
        time.sleep(1)
        status, answer = send(method, path, body, token)
    return status, answer


def send(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw or b"null")
    except json.JSONDecodeError:
        return status, raw.decode(errors="replace")


def check(what, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(f"test-sam: {what}: {detail}")


# A public route (no authorizer): the dependency summary, all up.
status, body = call("GET", "/health")
check("GET /health is public and every dependency is up", status == 200 and body["data"]["status"] == "ok", (status, body))

# A login (public) returns a token pair.
status, body = call("POST", "/auth/organization/login",
                    {"accountId": "acme", "adminEmail": "admin@acme.example", "adminPassword": "Acme-Admin-2026!"})
check("POST /auth/organization/login issues tokens", status == 200 and body["data"].get("accessToken"), (status, body))
token = body["data"]["accessToken"]

# An authorized call: the authorizer lets the token through, the function reads MongoDB.
status, body = call("GET", "/users/workspace-users", token=token)
check("GET /users/workspace-users with the token", status == 200 and body["success"], (status, body))
emails = {u["email"] for u in body["data"]}
check("... lists the seeded users", "maya@acme.example" in emails, emails)

# Refusals are the function's 401 envelope, exactly as under `make dev`,
# never API Gateway's own {"message": ...}: the authorizer passes a refused
# token on as {refusal} and the function answers it (DESIGN.md §2).
def unauthenticated(what, status, body):
    check(what, status == 401 and isinstance(body, dict) and body.get("success") is False
          and body.get("code") == "UNAUTHENTICATED" and "requestId" in body, (status, body))


status, body = call("GET", "/users/workspace-users")
unauthenticated("... without a token: 401 envelope", status, body)


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def signed(claims):
    """A token signed with the stack's real active key (from the secret in moto)."""
    sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                      region_name=os.environ.get("AWS_REGION", "us-east-1"))
    secret = json.loads(sm.get_secret_value(SecretId=os.environ["SIGNING_KEYS_SECRET_ID"])["SecretString"])
    entry = next(k for k in secret["jwtSigningKeys"] if k["kid"] == secret["jwtActiveKid"])
    key = serialization.load_pem_private_key(entry["privateKeyPem"].encode(), password=None)
    head = b64url(json.dumps({"alg": "EdDSA", "typ": "JWT", "kid": entry["kid"]}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(key.sign(f'{head}.{body}'.encode()))}"


now = int(time.time())
expired = signed({**claims_of(token), "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})
forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
for what, bad in (("a forged", forged), ("a malformed", "not-a-jwt"), ("an expired", expired)):
    status, body = call("GET", "/users/workspace-users", token=bad)
    unauthenticated(f"... with {what} token: 401 envelope", status, body)

# Logout ends the session on the very next request (no authorizer cache),
# and every access token of that session, not only the one presented.
def workspace_login(email, password):
    status, body = call("POST", "/auth/workspace/login",
                        {"organizationId": "acme", "email": email, "password": password})
    check(f"POST /auth/workspace/login as {email}", status == 200, (status, body))
    return body["data"]


maya = workspace_login("maya@acme.example", "Maya-2026!")
status, body = call("POST", "/auth/refresh-token", {"refreshToken": maya["refreshToken"]})
check("POST /auth/refresh-token: a second access token of the session", status == 200, (status, body))
second = body["data"]["accessToken"]
for t in (maya["accessToken"], second):
    status, body = call("GET", "/users/team-users", token=t)
    check("... both tokens work", status == 200, (status, body))
status, body = call("POST", "/auth/logout", token=second)
check("POST /auth/logout", status == 200, (status, body))
for what, t in (("the token logged out with", second), ("an earlier token of the session", maya["accessToken"])):
    status, body = call("GET", "/users/team-users", token=t)
    unauthenticated(f"... the next request with {what}: 401 envelope", status, body)

# A write through the API and its read-back, in MongoDB and through the API.
email = f"sam-{uuid.uuid4().hex[:10]}@acme.example"
status, body = call("POST", "/users/workspace/ensure-user",
                    {"email": email, "firstName": "Sam", "lastName": "Local", "role": "user",
                     "department": "QA", "position": "Tester", "password": "Sam-Local-2026!"}, token=token)
check("POST /users/workspace/ensure-user creates a user", status in (200, 201) and body["success"], (status, body))
db = pymongo.MongoClient(os.environ["LOCAL_MONGODB_URI"], serverSelectionTimeoutMS=5000)["org_acme"]
stored = db["users"].find_one({"email": email})
check("... the user is in MongoDB org_acme.users", stored is not None and stored.get("firstName") == "Sam", stored)
check("... with a password hash, never the password", stored.get("password", "").startswith("$argon2id$"), "password field is not an argon2id hash")
status, body = call("GET", "/users/workspace-users?limit=100", token=token)
check("... and GET /users/workspace-users returns it without the hash",
      status == 200 and any(u["email"] == email and "password" not in u for u in body["data"]), (status, body))

# Deactivating a user ends their session at once: the next request is 401.
status, body = call("POST", "/auth/workspace/login",
                    {"organizationId": "acme", "email": email, "password": "Sam-Local-2026!"})
check("... the new user logs in", status == 200, (status, body))
user_token = body["data"]["accessToken"]
user_refresh = body["data"]["refreshToken"]
status, body = call("GET", "/users/team-users", token=user_token)
check("... and reads the team", status == 200, (status, body))
status, body = call("POST", "/users/workspace/ensure-user", {"email": email, "isActive": False}, token=token)
check("... the admin deactivates them", status == 200, (status, body))
status, body = call("GET", "/users/team-users", token=user_token)
unauthenticated("... their next request: 401 envelope", status, body)
status, body = call("POST", "/auth/refresh-token", {"refreshToken": user_refresh})
check("... and their refresh token too (the session ended with the deactivation)",
      status == 401 and body.get("code") == "UNAUTHENTICATED", (status, body))

# Every protected route answers a bad token with the envelope's 401: no
# function trusts the authorizer's pass without reading the principal.
template = yaml_parse(open("template.yaml").read())
protected = []
for resource in template["Resources"].values():
    for event in (resource.get("Properties", {}).get("Events") or {}).values():
        props = event.get("Properties", {})
        if event.get("Type") == "HttpApi" and (props.get("Auth") or {}).get("Authorizer") != "NONE":
            protected.append((props["Method"].upper(), re.sub(r"\{[^}]+\}", "x", props["Path"])))
check(f"template.yaml has protected routes ({len(protected)})", len(protected) > 20, protected)
for method, path in sorted(protected):
    status, body = call(method, path.removeprefix("/api/v1"), {} if method in ("POST", "PUT") else None,
                        token="not-a-jwt")
    unauthenticated(f"{method} {path} with a bad token: 401 envelope", status, body)
print("test-sam: smoke passed")
