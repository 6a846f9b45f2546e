"""Seed data for `make dev` (idempotent upserts; MongoDB from LOCAL_MONGODB_URI).

- acme   licensed (active until 2030-12-31): admin admin@acme.example / Acme-Admin-2026!
         users maya@acme.example  / Maya-2026!  admin     (argon2id)
               leo@acme.example   / Leo-2026!   user      (bcrypt, as imported from the monolith)
               ana@acme.example   / Ana-2026!   employee  (argon2id)
               old@acme.example   / Old-2026!   user      (inactive)
- globex expired on 2025-06-30: admin admin@globex.example / Globex-Admin-2026!
"""
import os
import sys
from datetime import datetime, timezone

import bcrypt
import pymongo

sys.path.insert(0, os.path.dirname(__file__))
from passwords import argon2id  # noqa: E402

NOW = datetime.now(timezone.utc).isoformat()

ORGS = [
    {
        "id": "org-acme", "accountId": "acme", "name": "Acme Corp", "email": "hello@acme.example",
        "phone": "+1 555 0100", "address": "1 Market St", "industry": "Manufacturing",
        "employeeCount": "50-200", "foundedYear": "1999", "website": "https://acme.example",
        "description": "Licensed demo organization", "adminEmail": "admin@acme.example",
        "password": "Acme-Admin-2026!", "licenseStatus": "active", "licenseExpiry": "2030-12-31",
        "selectedProducts": ["workspace", "voice", "analytics"], "userLimit": "25",
    },
    {
        "id": "org-globex", "accountId": "globex", "name": "Globex", "email": "hello@globex.example",
        "phone": "+1 555 0199", "address": "9 Elm St", "industry": "Energy", "employeeCount": "10-50",
        "foundedYear": "2011", "website": "https://globex.example", "description": "Expired demo organization",
        "adminEmail": "admin@globex.example", "password": "Globex-Admin-2026!", "licenseStatus": "active",
        "licenseExpiry": "2025-06-30", "selectedProducts": ["workspace"], "userLimit": "5",
    },
]

USERS = {
    "acme": [
        ("u-maya", "maya@acme.example", "Maya-2026!", "admin", True, "argon2id", "Maya", "Patel", "Operations", "COO"),
        ("u-leo", "leo@acme.example", "Leo-2026!", "user", True, "bcrypt", "Leo", "Martin", "Sales", "Account Executive"),
        ("u-ana", "ana@acme.example", "Ana-2026!", "employee", True, "argon2id", "Ana", "Silva", "Support", "Agent"),
        ("u-old", "old@acme.example", "Old-2026!", "user", False, "argon2id", "Olde", "User", "Sales", "Former rep"),
    ],
}


def stored(password, scheme):
    if scheme == "bcrypt":
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    return argon2id(password)


def main():
    client = pymongo.MongoClient(os.environ["LOCAL_MONGODB_URI"])
    main_db = client["avaone_main"]
    main_db.organizations.create_index("accountId", unique=True)
    main_db.organizations.create_index("adminEmail")
    for org in ORGS:
        doc = {k: v for k, v in org.items() if k != "password"}
        existing = main_db.organizations.find_one({"accountId": org["accountId"]})
        doc["adminPassword"] = existing["adminPassword"] if existing else argon2id(org["password"])
        doc["updatedAt"] = NOW
        main_db.organizations.update_one(
            {"accountId": org["accountId"]}, {"$set": doc, "$setOnInsert": {"createdAt": NOW}}, upsert=True
        )
    for account_id, users in USERS.items():
        db = client[f"org_{account_id}"]
        db.users.create_index("email", unique=True)
        for uid, email, password, role, active, scheme, first, last, dept, position in users:
            existing = db.users.find_one({"email": email})
            db.users.update_one(
                {"email": email},
                {
                    "$set": {
                        "id": uid, "accountId": account_id, "email": email, "organizationId": account_id,
                        "organizationName": "Acme Corp", "role": role, "isActive": active,
                        "firstName": first, "lastName": last, "department": dept, "position": position,
                        "password": existing["password"] if existing else stored(password, scheme),
                        "updatedAt": NOW,
                    },
                    "$setOnInsert": {"createdAt": NOW},
                },
                upsert=True,
            )
    print("seed: organizations acme (licensed), globex (expired); acme users maya, leo (bcrypt), ana, old (inactive)")


if __name__ == "__main__":
    main()
