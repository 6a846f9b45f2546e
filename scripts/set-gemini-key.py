"""Sets `geminiApiKey` in the local stack's Gemini secret (GEMINI_SECRET_ID).

Tests that point the voice functions at scripts/fake-gemini.py turn the
provider on with any key; the fake only checks that one is sent.

    python scripts/set-gemini-key.py KEY     # with the stack's env loaded
"""
import json
import os
import sys

import boto3

sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
secret_id = os.environ["GEMINI_SECRET_ID"]
value = json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
value["geminiApiKey"] = sys.argv[1]
sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))
