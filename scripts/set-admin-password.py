"""Sets the super admin password: stores its argon2id hash as
`superAdminPasswordHash` in the configuration secret (SECRET_ID).

    ADMIN_PASSWORD=... python scripts/set-admin-password.py   # or prompts

Works against the local stack (AWS_ENDPOINT_URL set by its env file) and
against AWS (your usual credentials, SECRET_ID = the stack's ConfigSecretArn
output). Only the hash is stored; the password is never printed or logged.
With --if-unset it leaves an existing hash alone (used by `make dev`).
"""
import getpass
import json
import os
import sys

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from passwords import argon2id  # noqa: E402


def main():
    secret_id = os.environ["SECRET_ID"]
    sm = boto3.client("secretsmanager", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    value = json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
    if "--if-unset" in sys.argv and value.get("superAdminPasswordHash"):
        return
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("New super admin password: ")
    if len(password) < 12:
        sys.exit("set-admin-password: use at least 12 characters")
    value["superAdminPasswordHash"] = argon2id(password)
    sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))
    print(f"set-admin-password: superAdminPasswordHash updated in {secret_id}")


if __name__ == "__main__":
    main()
