"""Backfills chatbot conversations into `pingora.conversations`, the
collection /analytics/workspace/chatbot reads (the Pingora chatbot writes
the same shape live).

    set -a; . .local/dev/env; set +a
    .venv/bin/python scripts/import-conversations.py conversations.jsonl

One JSON object per line:
    {"organizationId": "acme", "conversationId": "c-1", "startedAt": "2026-11-20T10:00:00Z",
     "intent": "pricing", "firstQuestion": "How much is it?", "messageCount": 4,
     "avgResponseMs": 520.5, "converted": false}

Lines are validated; bad lines are reported with their number and skipped.
Re-importing a conversation (same organizationId and conversationId) replaces it. MongoDB from MONGODB_URI, else
LOCAL_MONGODB_URI.
"""
import json
import os
import re
import sys
from datetime import datetime

import pymongo

ACCOUNT = re.compile(r"^[A-Za-z0-9_-]{1,48}$")


def parse(line):
    doc = json.loads(line)
    if not ACCOUNT.match(str(doc.get("organizationId", ""))):
        raise ValueError("organizationId must be an account id")
    if not str(doc.get("conversationId", "")).strip():
        raise ValueError("conversationId is required")
    started = datetime.fromisoformat(str(doc["startedAt"]).replace("Z", "+00:00"))
    return {
        "organizationId": doc["organizationId"],
        "conversationId": str(doc["conversationId"]),
        "startedAt": started,
        "intent": str(doc.get("intent", ""))[:100],
        "firstQuestion": str(doc.get("firstQuestion", ""))[:500],
        "messageCount": int(doc.get("messageCount", 0)),
        "avgResponseMs": float(doc.get("avgResponseMs", 0)),
        "converted": bool(doc.get("converted", False)),
    }


def main(path):
    uri = os.environ.get("MONGODB_URI") or os.environ["LOCAL_MONGODB_URI"]
    coll = pymongo.MongoClient(uri)["pingora"]["conversations"]
    coll.create_index([("organizationId", 1), ("startedAt", 1)])
    coll.create_index([("organizationId", 1), ("conversationId", 1)], unique=True)
    ok = bad = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = parse(line)
            except (ValueError, KeyError, TypeError) as e:
                print(f"line {number}: skipped ({e})", file=sys.stderr)
                bad += 1
                continue
            key = {"organizationId": doc["organizationId"], "conversationId": doc["conversationId"]}
            coll.replace_one(key, doc, upsert=True)
            ok += 1
    print(f"import-conversations: {ok} imported, {bad} skipped")


if __name__ == "__main__":
    main(sys.argv[1])
