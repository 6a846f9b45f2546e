#!/usr/bin/env python3
"""Converts instants stored as RFC 3339 text to BSON dates (idempotent).

Instants are stored as BSON dates (shared/src/clock.rs); documents written
before that rule kept `createdAt`/`updatedAt` as text. Readers accept both,
but day-range queries (analytics, the admin leads filter) only see dates,
so run this once per environment after deploying:

    MONGODB_URI=mongodb+srv://... .venv/bin/python scripts/migrate-dates.py

(`MONGODB_URI_CRM` for a CRM on its own cluster.) It touches
`avaone_main.organizations`, `avaone_main.website_content`, every
`org_<accountId>.users` and `crm.leads`; a value that is not RFC 3339 text
is left alone and counted.
"""

import os
import sys
from datetime import datetime, timezone

from pymongo import MongoClient, UpdateOne

FIELDS = ("createdAt", "updatedAt")


def parse(text):
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return at.astimezone(timezone.utc)


def migrate(collection):
    converted = skipped = 0
    for field in FIELDS:
        ops = []
        for doc in collection.find({field: {"$type": "string"}}, {field: 1}):
            at = parse(doc[field])
            if at is None:
                skipped += 1
                continue
            ops.append(UpdateOne({"_id": doc["_id"], field: doc[field]}, {"$set": {field: at}}))
        if ops:
            converted += collection.bulk_write(ops, ordered=False).modified_count
    print(f"{collection.database.name}.{collection.name}: {converted} converted, {skipped} left (not RFC 3339)")


def main():
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        sys.exit("MONGODB_URI is required")
    main_client = MongoClient(os.environ.get("MONGODB_URI_MAIN", uri), tz_aware=True)
    orgs_client = MongoClient(os.environ.get("MONGODB_URI_ORGS", uri), tz_aware=True)
    crm_client = MongoClient(os.environ.get("MONGODB_URI_CRM", uri), tz_aware=True)
    main_db = main_client["avaone_main"]
    migrate(main_db["organizations"])
    migrate(main_db["website_content"])
    for org in main_db["organizations"].find({}, {"accountId": 1}):
        if org.get("accountId"):
            migrate(orgs_client[f"org_{org['accountId']}"]["users"])
    migrate(crm_client["crm"]["leads"])


if __name__ == "__main__":
    main()
