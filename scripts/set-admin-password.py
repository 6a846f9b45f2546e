"""Sets the super admin password: stores its argon2id hash as
`superAdminPasswordHash` in the admin credentials secret (ADMIN_SECRET_ID).

    ADMIN_PASSWORD=... python scripts/set-admin-password.py   # or prompts

Works against the local stack (AWS_ENDPOINT_URL set by its env file) and
against AWS (your usual credentials, ADMIN_SECRET_ID = the stack's
AdminSecretArn output, TABLE_NAME = its TableName output). Changing an
existing password ends every super admin session. Only the hash is stored; the password is never printed or logged.
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
    secret_id = os.environ["ADMIN_SECRET_ID"]
    sm = boto3.client("secretsmanager", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    value = json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
    if "--if-unset" in sys.argv and value.get("superAdminPasswordHash"):
        return
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("New super admin password: ")
    if len(password) < 12:
        sys.exit("set-admin-password: use at least 12 characters")
    had_password = bool(value.get("superAdminPasswordHash"))
    value["superAdminPasswordHash"] = argon2id(password)
    sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))
    print(f"set-admin-password: superAdminPasswordHash updated in {secret_id}")
    if had_password:
        end_sessions()


def end_sessions():
    """A new password ends every super admin session at once (DESIGN.md §5):
    the same records the API's revocation writes (shared::identity::sessions).
    Refreshes would refuse them anyway (the hash changed); this also stops
    their access tokens now."""
    table = os.environ.get("TABLE_NAME")
    if not table:
        print("set-admin-password: TABLE_NAME not set; existing sessions end at their next refresh")
        return
    ddb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    ended = 0
    for page in ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "sessions#platform"}}, ConsistentRead=True,
    ):
        for item in page["Items"]:
            try:
                ddb.update_item(
                    TableName=table,
                    Key={"pk": {"S": f"family#{item['family']['S']}"}, "sk": {"S": "family"}},
                    UpdateExpression="SET revoked = :t",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":t": {"BOOL": True}},
                )
                ended += 1
            except ddb.exceptions.ConditionalCheckFailedException:
                pass
    print(f"set-admin-password: {ended} super admin session(s) ended")


if __name__ == "__main__":
    main()
