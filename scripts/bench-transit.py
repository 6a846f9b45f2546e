"""Transit data for `make bench`: 10,000 trips of one company across ten
cities and 30 days (the shape `transit::trips::NewTrip` writes, with the
`calls` search keys), and the search event the bench runs against them:
Lisbon → Porto two days from now, a date many trips call on. Also a ticket
on the first of those trips, signed with the stack's ticket key, and the
scan event its driver sends: after the first invocation boards it, every
scan is the repeat-scan path (verify the code, read the ticket, the
conditional write refused, read the first scan), the most work a scan does.

    python scripts/bench-transit.py OUT_DIR     # with the stack's env loaded
"""
import json
import os
import sys
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boto3
import jwt
import pymongo

TRIPS = 10_000
LISBON = ZoneInfo("Europe/Lisbon")
CITIES = ["Lisbon", "Coimbra", "Porto", "Braga", "Faro", "Evora", "Aveiro", "Leiria", "Viseu", "Guarda"]
# Ten three-stop routes over ten cities; Lisbon → Porto is one of them, so
# a day has about 33 trips to search through, as a busy corridor would.
ROUTES = [(0, 1, 2), (3, 2, 6), (4, 5, 9), (2, 1, 0), (7, 8, 9), (6, 7, 1), (9, 8, 3), (5, 4, 6), (1, 6, 3), (8, 9, 4)]

out = sys.argv[1]
db = pymongo.MongoClient(os.environ["LOCAL_MONGODB_URI"])["transit"]
layout = {"rows": [[f"{r}A", f"{r}B", None, f"{r}C", f"{r}D"] for r in range(1, 11)]}
today = datetime.now(LISBON).date()


def trip(i):
    stops = ROUTES[i % len(ROUTES)]
    day = today + timedelta(days=1 + (i // len(ROUTES)) % 30)
    minute = 5 * 60 + ((i // (len(ROUTES) * 30)) * 17) % (17 * 60)
    start = datetime(day.year, day.month, day.day, tzinfo=LISBON) + timedelta(minutes=minute)
    offsets = [(0, 0), (110, 120), (210, 210)]
    calls, snapshot = [], []
    for n, (city, (arrive, depart)) in enumerate(zip(stops, offsets)):
        arrive_at, depart_at = start + timedelta(minutes=arrive), start + timedelta(minutes=depart)
        snapshot.append({"stopId": f"bench-stop-{city}", "name": f"{CITIES[city]} terminal", "city": CITIES[city],
                         "arriveAt": arrive_at.astimezone(timezone.utc), "departAt": depart_at.astimezone(timezone.utc)})
        if n < len(stops) - 1:
            calls.append(f"{CITIES[city].lower()}|{depart_at.date().isoformat()}")
    return {
        "id": f"bench-trip-{i}", "companyId": "acme", "slot": f"oneoff#bench-trip-{i}", "serviceDate": day.isoformat(),
        "routeId": f"bench-route-{i % len(ROUTES)}", "status": "scheduled",
        "departureAt": start.astimezone(timezone.utc), "arrivalAt": (start + timedelta(minutes=210)).astimezone(timezone.utc),
        "timezone": "Europe/Lisbon",
        "route": {"code": f"B{i % len(ROUTES)}", "name": "Bench route", "currency": "EUR", "legFares": [1250, 1100], "stops": snapshot},
        "bus": {"id": "bench-bus", "plateNumber": "BE-NC-01", "name": None, "seatLayout": layout},
        "driverId": None, "calls": calls, "createdAt": datetime.now(timezone.utc),
    }


db.trips.delete_many({"id": {"$regex": "^bench-trip-"}})
db.tickets.delete_many({"id": {"$regex": "^bench-ticket-"}})
batch = [trip(i) for i in range(TRIPS)]
for n in range(0, TRIPS, 1000):
    db.trips.insert_many(batch[n:n + 1000])
db.trips.create_index([("calls", 1), ("departureAt", 1)])
date = (today + timedelta(days=2)).isoformat()
matching = db.trips.count_documents({"calls": f"lisbon|{date}"})
plan = db.trips.find({"calls": f"lisbon|{date}"}).sort("departureAt", 1).explain()["queryPlanner"]["winningPlan"]
stages = []
while plan:
    stages.append(plan.get("stage"))
    plan = plan.get("inputStage")

with open("events/ticketing/search-trips.json") as f:
    event = json.load(f)
event["rawQueryString"] = f"from=Lisbon&to=Porto&date={date}&passengers=2"
event["queryStringParameters"] = {"from": "Lisbon", "to": "Porto", "date": date, "passengers": "2"}
with open(f"{out}/events/search-trips.json", "w") as f:
    json.dump(event, f)
with open(f"{out}/search.json", "w") as f:
    json.dump({"trips": db.trips.count_documents({}), "boardingInLisbonThatDay": matching, "plan": stages}, f)
print(f"bench-transit: {TRIPS} trips; {matching} board in Lisbon on {date}; plan {' < '.join(stages)}")


# The scan: seed's driver u-rui drives bench-trip-0; one valid ticket on it.
db.trips.update_one({"id": "bench-trip-0"}, {"$set": {"driverId": "u-rui"}})
first = batch[0]
ticket = {
    "id": "bench-ticket-1", "bookingId": "bench-booking", "companyId": "acme", "passengerId": "bench-passenger",
    "tripId": "bench-trip-0", "seat": "1A", "passengerName": "Bench Rider",
    "fromStopId": first["route"]["stops"][0]["stopId"], "toStopId": first["route"]["stops"][2]["stopId"],
    "status": "valid", "createdAt": datetime.now(timezone.utc),
    "validUntil": first["arrivalAt"] + timedelta(hours=6),
}
db.tickets.insert_one(ticket)
secrets = boto3.client("secretsmanager")
keys = json.loads(secrets.get_secret_value(SecretId=os.environ["TICKET_SIGNING_KEYS_SECRET_ID"])["SecretString"])
active = next(k for k in keys["jwtSigningKeys"] if k["kid"] == keys["jwtActiveKid"])
code = jwt.encode({
    "iss": os.environ.get("JWT_ISSUER", "avaone-auth"), "aud": "avaone-transit-ticket",
    "tid": ticket["id"], "trp": ticket["tripId"], "seat": ticket["seat"],
    "from": ticket["fromStopId"], "to": ticket["toStopId"],
    "nbf": int(ticket["createdAt"].timestamp()), "exp": int(ticket["validUntil"].timestamp()),
}, active["privateKeyPem"], algorithm="EdDSA", headers={"kid": active["kid"]})
with open("events/qr/scan-ticket.json") as f:
    event = json.load(f)
event["requestContext"]["authorizer"]["lambda"] = {"userId": "u-rui", "role": "driver", "organizationId": "acme",
                                                    "permissions": []}
event["body"] = json.dumps({"code": code, "tripId": "bench-trip-0", "deviceId": "bench-device"})
with open(f"{out}/events/scan-ticket.json", "w") as f:
    json.dump(event, f)
print("bench-transit: a signed ticket on bench-trip-0 for the scan-ticket bench")
