"""Provisions the local stack like template.yaml provisions AWS.

Reads the stack's env (TABLE_NAME, BUCKET_NAME, SECRET_ID, SENDER_EMAIL,
AWS_ENDPOINT_URL, LOCAL_MONGODB_URI) and creates, idempotently:
- the DynamoDB table (pk/sk strings, on-demand, TTL on `expiresAt`);
- the private, encrypted S3 bucket with public access blocked;
- the secrets, one per purpose as on AWS: the configuration secret (the
  MongoDB URI), the signing keys secret (a freshly generated Ed25519 key:
  kid, PKCS#8 private PEM), the verification keys secret (its SPKI public
  PEM), and empty admin and Gemini secrets; transit's ticket code keys the
  same way (their own pair: TICKET_SIGNING_KEYS_SECRET_ID, TICKET_KEYS_SECRET_ID);
- the SES sender identity (verified, as moto allows);
- transit's queue (TRANSIT_QUEUE_URL) and its dead-letter queue after 5
  receives, as the template's TransitQueue; locally a failed job comes back
  after 5 seconds rather than 3 minutes.
The configuration secret also gets the local payment provider's keys
(`scripts/fake-payments.py` is started with the same ones).
"""
import json
import os
import uuid

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

env = os.environ
endpoint = env["AWS_ENDPOINT_URL"]
region = env.get("AWS_REGION", "us-east-1")


# The local fake provider's keys (not secrets: they open nothing real).
LOCAL_PAYMENT_SECRET_KEY = "sk_test_local"
LOCAL_PAYMENT_WEBHOOK_SECRET = "whsec_local"


def client(service):
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def table():
    ddb = client("dynamodb")
    name = env["TABLE_NAME"]
    try:
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.get_waiter("table_exists").wait(TableName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceInUseException":
            raise
    ddb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
    )


def bucket():
    s3 = client("s3")
    name = env["BUCKET_NAME"]
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def signing_key():
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return {"kid": uuid.uuid4().hex[:16], "privateKeyPem": private_pem, "publicKeyPem": public_pem}


def read_secret(sm, name):
    """The secret's JSON value, or None when it does not exist yet."""
    try:
        return json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return None


def write_secret(sm, name, current, value):
    body = json.dumps(value)
    if current is None:
        sm.create_secret(Name=name, SecretString=body)
    elif current != value:
        sm.put_secret_value(SecretId=name, SecretString=body)


def secrets():
    sm = client("secretsmanager")
    config = read_secret(sm, env["SECRET_ID"])
    write_secret(sm, env["SECRET_ID"], config, {
        "paymentSecretKey": LOCAL_PAYMENT_SECRET_KEY,
        "paymentWebhookSecret": LOCAL_PAYMENT_WEBHOOK_SECRET,
        **(config or {}),
        "mongodbUri": env["LOCAL_MONGODB_URI"],
    })

    # Access tokens, and transit's ticket codes: each its own key pair.
    for private_name, public_name in (("SIGNING_KEYS_SECRET_ID", "VERIFICATION_KEYS_SECRET_ID"),
                                      ("TICKET_SIGNING_KEYS_SECRET_ID", "TICKET_KEYS_SECRET_ID")):
        signing = read_secret(sm, env[private_name])
        verification = read_secret(sm, env[public_name])
        if not (signing or {}).get("jwtSigningKeys") or not (verification or {}).get("jwtPublicKeys"):
            key = signing_key()
            write_secret(sm, env[private_name], signing, {
                "jwtSigningKeys": [{"kid": key["kid"], "privateKeyPem": key["privateKeyPem"]}],
                "jwtActiveKid": key["kid"],
            })
            write_secret(sm, env[public_name], verification, {
                "jwtPublicKeys": [{"kid": key["kid"], "publicKeyPem": key["publicKeyPem"]}],
            })

    for name in (env["ADMIN_SECRET_ID"], env["GEMINI_SECRET_ID"]):
        current = read_secret(sm, name)
        write_secret(sm, name, current, current or {})


def ses():
    for address in (env["SENDER_EMAIL"], env.get("SALES_EMAIL")):
        if address:
            client("ses").verify_email_identity(EmailAddress=address)


def queues():
    url = env.get("TRANSIT_QUEUE_URL")
    if not url:
        return
    sqs = client("sqs")
    name = url.rsplit("/", 1)[1]
    dead = sqs.create_queue(QueueName=f"{name}-dead-letters")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "5",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "5"}),
    })


if __name__ == "__main__":
    queues()
    table()
    bucket()
    secrets()
    ses()
