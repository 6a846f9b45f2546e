"""Events for `make bench` that need live values: real tokens (TOKEN,
LOGOUT_TOKEN) for the token routes, and the Node baseline's requests (an
HS256 token, as the seed's design signs them, and a bcrypt user)."""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import bcrypt
import pymongo

out = sys.argv[1]
token, logout_token = os.environ["TOKEN"], os.environ["LOGOUT_TOKEN"]


def load(domain, name):
    with open(f"events/{domain}/{name}.json") as f:
        return json.load(f)


def save(name, event):
    with open(f"{out}/events/{name}.json", "w") as f:
        json.dump(event, f)


e = load("auth", "verify-token")
e["body"] = json.dumps({"token": token})
save("verify-token", e)
e = load("authorizer", "authorizer")
e["headers"]["authorization"] = f"Bearer {token}"
e["identitySource"] = [f"Bearer {token}"]
save("authorizer", e)
e = load("auth", "logout")
e["headers"]["authorization"] = f"Bearer {logout_token}"
save("logout", e)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
now = int(time.time())
claims = b64(json.dumps({"sub": "u-1", "role": "user", "iat": now, "exp": now + 3600, "iss": "avaone-auth", "aud": "avaone-api"}).encode())
signature = b64(hmac.new(b"bench-secret", f"{header}.{claims}".encode(), hashlib.sha256).digest())
node_token = f"{header}.{claims}.{signature}"

users = pymongo.MongoClient(os.environ["LOCAL_MONGODB_URI"])["org_acme"]["users"]
users.update_one(
    {"email": "bench-node@acme.example"},
    {"$set": {"id": "u-bench-node", "email": "bench-node@acme.example", "role": "user", "isActive": True,
              "password": bcrypt.hashpw(b"Bench-Node-2026!", bcrypt.gensalt(rounds=10)).decode()}},
    upsert=True,
)
requests = [
    {"method": "POST", "path": "/api/v1/auth/verify-token", "body": json.dumps({"token": node_token})},
    {"method": "GET", "path": "/api/v1/organizations"},
    {"method": "POST", "path": "/api/v1/auth/workspace/login", "invocations": 50,
     "body": json.dumps({"organizationId": "acme", "email": "bench-node@acme.example", "password": "Bench-Node-2026!"})},
]
with open(f"{out}/baseline-requests.json", "w") as f:
    json.dump(requests, f)
