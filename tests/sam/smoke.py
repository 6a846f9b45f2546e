"""`make test-sam`, part 1: the API through `sam local start-api`.

Run by scripts/test-sam.sh with the sam stack's env loaded and API_URL set.
Each step prints what it checked; any failure exits non-zero with the reason.
"""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

import pymongo

API = os.environ["API_URL"]


def call(method, path, body=None, token=None):
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
emails = {u["email"] for u in body["data"]["items"]}
check("... lists the seeded users", "maya@acme.example" in emails, emails)

# The same call refused by API Gateway's authorizer, before the function runs:
# no Authorization header (401) and a forged token (403, authorizer said no).
# The body is API Gateway's own {"message": ...} (AWS says "Forbidden", sam
# local a longer sentence), never our envelope: the function did not run.
status, body = call("GET", "/users/workspace-users")
check("... without a token: 401 from API Gateway", status == 401 and body == {"message": "Unauthorized"}, (status, body))
forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
for bad in (forged, "not-a-jwt"):
    status, body = call("GET", "/users/workspace-users", token=bad)
    check(f"... with a bad token ({bad[:12]}…): 403 from the authorizer",
          status == 403 and isinstance(body, dict) and list(body) == ["message"], (status, body))

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
      status == 200 and any(u["email"] == email and "password" not in u for u in body["data"]["items"]), (status, body))
print("test-sam: smoke passed")
