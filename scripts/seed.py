"""Seed data for `make dev` (idempotent upserts; MongoDB from LOCAL_MONGODB_URI).

- acme   licensed (active until 2030-12-31): admin admin@acme.example / Acme-Admin-2026!
         users maya@acme.example  / Maya-2026!  admin     (argon2id)
               leo@acme.example   / Leo-2026!   user      (bcrypt, as imported from the monolith)
               ana@acme.example   / Ana-2026!   employee  (argon2id)
               old@acme.example   / Old-2026!   user      (inactive)
- globex expired on 2025-06-30: admin admin@globex.example / Globex-Admin-2026!
- transit (TRANSIT.md §6): acme is also a bus company (Europe/Lisbon, EUR): stops
  in Lisbon, Coimbra and Porto, a 40-seat bus, route LIS-OPO, driver
  rui@acme.example / Rui-Driver-2026! and a daily 08:30 schedule. Its trips
  come from the real generate-trips function (scripts/local-scheduler.py).
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
        "selectedProducts": ["workspace", "voice", "analytics", "transit"], "userLimit": "25",
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
        ("u-rui", "rui@acme.example", "Rui-Driver-2026!", "driver", True, "argon2id", "Rui", "Costa", "Drivers", "Driver"),
    ],
}


def seed_transit(client):
    """The acme bus company's fleet, as the company routes would store it."""
    db = client["transit"]
    now = datetime.now(timezone.utc)

    def upsert(collection, doc):
        db[collection].update_one({"id": doc["id"]}, {"$set": doc, "$setOnInsert": {"createdAt": now}}, upsert=True)

    db.companies.update_one(
        {"companyId": "acme"},
        {"$set": {"companyId": "acme", "timezone": "Europe/Lisbon", "currency": "EUR", "holdMinutes": 10,
                  "cancellationPolicy": [{"hoursBefore": 24, "refundPercent": 100},
                                         {"hoursBefore": 2, "refundPercent": 50}],
                  "displayName": "Acme Coaches", "updatedAt": now}},
        upsert=True,
    )
    stops = [("stop-lisbon", "Lisbon Oriente", "Lisbon"), ("stop-coimbra", "Coimbra B", "Coimbra"),
             ("stop-porto", "Porto Campanha", "Porto")]
    for sid, name, city in stops:
        upsert("stops", {"id": sid, "companyId": "acme", "name": name, "city": city, "lat": None, "lon": None,
                         "search": [name.lower(), city.lower()]})
    rows = [[f"{r}A", f"{r}B", None, f"{r}C", f"{r}D"] for r in range(1, 11)]
    upsert("buses", {"id": "bus-acme-1", "companyId": "acme", "plateNumber": "AA-00-01", "name": "Coach 1",
                     "seatLayout": {"rows": rows}, "amenities": ["wifi", "usb"]})
    offsets = [(0, 0), (110, 120), (210, 210)]
    upsert("routes", {
        "id": "route-lis-opo", "companyId": "acme", "code": "LIS-OPO", "name": "Lisbon - Coimbra - Porto",
        "timezone": "Europe/Lisbon", "currency": "EUR", "legFares": [1250, 1100],
        "stops": [{"stopId": sid, "name": name, "city": city, "arriveOffsetMin": a, "departOffsetMin": d}
                  for (sid, name, city), (a, d) in zip(stops, offsets)],
    })
    upsert("drivers", {"id": "u-rui", "companyId": "acme", "email": "rui@acme.example", "firstName": "Rui",
                       "lastName": "Costa", "phone": "+351 910 000 000", "licenseNumber": "PT-D-2024-0042",
                       "licenseExpiresOn": "2030-12-31", "active": True})
    upsert("schedules", {
        "id": "sched-lis-opo-0830", "companyId": "acme", "routeId": "route-lis-opo", "busId": "bus-acme-1",
        "driverId": "u-rui", "departureLocalTime": "08:30", "daysOfWeek": [1, 2, 3, 4, 5, 6, 7],
        "validFrom": "2026-01-01", "validUntil": "2030-12-31", "active": True,
    })


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
    seed_transit(client)
    print("seed: organizations acme (licensed), globex (expired); acme users maya, leo (bcrypt), ana, old (inactive), "
          "driver rui; acme's transit fleet (route LIS-OPO, daily 08:30)")


if __name__ == "__main__":
    main()
