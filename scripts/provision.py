"""Provisions the local stack like template.yaml provisions AWS.

Reads the stack's env (TABLE_NAME, BUCKET_NAME, SECRET_ID, SENDER_EMAIL,
AWS_ENDPOINT_URL, LOCAL_MONGODB_URI) and creates, idempotently:
- the DynamoDB table (pk/sk strings, on-demand, TTL on `expiresAt`);
- the private, encrypted S3 bucket with public access blocked;
- the JSON configuration secret: the MongoDB URI and a freshly generated
  Ed25519 signing key (kid, PKCS#8 private PEM, SPKI public PEM);
- the SES sender identity (verified, as moto allows).
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


def secret():
    sm = client("secretsmanager")
    name = env["SECRET_ID"]
    try:
        current = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = None
    value = current or {}
    value["mongodbUri"] = env["LOCAL_MONGODB_URI"]
    if not value.get("jwtSigningKeys"):
        key = signing_key()
        value["jwtSigningKeys"] = [key]
        value["jwtActiveKid"] = key["kid"]
    body = json.dumps(value)
    if current is None:
        sm.create_secret(Name=name, SecretString=body)
    else:
        sm.put_secret_value(SecretId=name, SecretString=body)


def ses():
    for address in (env["SENDER_EMAIL"], env.get("SALES_EMAIL")):
        if address:
            client("ses").verify_email_identity(EmailAddress=address)


if __name__ == "__main__":
    table()
    bucket()
    secret()
    ses()
