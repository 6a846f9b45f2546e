#!/usr/bin/env python3
"""Invariant 1 of TRANSIT.md §4, raced for real: many passengers' threads
book the same seat at the same moment against the running functions (the
API as `make dev` serves it, each function with concurrency above 1, moto's
DynamoDB applying each request atomically), round after round, and the
winners are counted.

    python tests/transit/race.py API_BASE AWS_ENDPOINT_URL [ROUNDS]

- overlapping segments (Lisbon→Porto against Lisbon→Coimbra and
  Lisbon→Porto): exactly one 201, every other answer 409 SEATS_TAKEN;
- adjacent segments of one seat (Lisbon→Coimbra and Coimbra→Porto): both
  201.

Each round's winners cancel, so the seats and hold slots are free for the
next. Exits 1 naming the round if any round breaks the invariant.
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

RACERS = 6


def call(method, url, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def code_for(moto, email):
    """The verification code moto's SES accepted for `email`."""
    for _ in range(50):
        with urllib.request.urlopen(f"{moto}/moto-api/data.json", timeout=30) as resp:
            data = json.loads(resp.read())
        for message in data.get("ses", {}).get("Message", []):
            if email in json.dumps(message.get("destinations", message)):
                subject = message.get("subject", "")
                if "code:" in subject:
                    return subject.rsplit(":", 1)[1].strip()
        time.sleep(0.2)
    raise SystemExit(f"race: no code mailed to {email}")


def passenger(api, moto):
    email = f"racer-{uuid.uuid4().hex[:10]}@example.com"
    status, body = call("POST", f"{api}/transit/auth/register",
                        {"email": email, "password": "Racer-Pass-2026!", "name": "Racer"})
    assert status == 202, (status, body)
    status, body = call("POST", f"{api}/transit/auth/verify-email",
                        {"email": email, "code": code_for(moto, email)})
    assert status == 200, (status, body)
    return body["data"]["accessToken"]


def seeded_trip(api):
    """Tomorrow's seeded Lisbon → Coimbra → Porto trip: id and stop ids."""
    date = (datetime.now(ZoneInfo("Europe/Lisbon")) + timedelta(days=1)).date().isoformat()
    for _ in range(60):
        status, body = call("GET", f"{api}/transit/trips/search?from=Lisbon&to=Coimbra&date={date}")
        if status == 200 and body["data"]:
            offer = body["data"][0]
            _, full = call("GET", f"{api}/transit/trips/search?from=Coimbra&to=Porto&date={date}")
            same = [o for o in full["data"] if o["tripId"] == offer["tripId"]]
            return offer["tripId"], offer["fromStop"]["stopId"], offer["toStop"]["stopId"], same[0]["toStop"]["stopId"]
        time.sleep(2)  # generate-trips may still be running
    raise SystemExit("race: no seeded trip found for tomorrow")


def race(api, tokens, trip, segments, seat):
    """Every racer books `seat` on its segment at once: their answers."""
    barrier = threading.Barrier(len(segments))
    answers = [None] * len(segments)

    def book(i):
        frm, to = segments[i]
        body = {"tripId": trip, "fromStopId": frm, "toStopId": to,
                "seats": [{"seat": seat, "passengerName": f"Racer {i}"}]}
        barrier.wait()
        answers[i] = call("POST", f"{api}/transit/bookings", body, tokens[i])

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(segments))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def release(api, tokens, answers):
    for i, (status, body) in enumerate(answers):
        if status == 201:
            status, body = call("POST", f"{api}/transit/bookings/{body['data']['id']}/cancel", None, tokens[i])
            assert status == 200, (status, body)


def main():
    api, moto = sys.argv[1].rstrip("/"), sys.argv[2].strip('"').rstrip("/")
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    tokens = [passenger(api, moto) for _ in range(RACERS)]
    trip, lisbon, coimbra, porto = seeded_trip(api)
    _, seat_map = call("GET", f"{api}/transit/trips/{trip}/seats")
    seats = [s["seat"] for row in seat_map["data"]["rows"] for s in row if s and s["status"] == "available"]
    overlapping = [(lisbon, porto), (lisbon, coimbra)] * (RACERS // 2)
    adjacent = [(lisbon, coimbra), (coimbra, porto)]
    failures = 0
    started = time.time()
    for n in range(rounds):
        seat = seats[n % len(seats)]
        answers = race(api, tokens, trip, overlapping, seat)
        codes = sorted(s for s, _ in answers)
        winners = codes.count(201)
        refused = sum(1 for s, b in answers if s == 409 and b.get("code") == "SEATS_TAKEN")
        ok = winners == 1 and refused == RACERS - 1
        print(f"race: round {n + 1} seat {seat} overlapping: {winners} winner(s), {refused} SEATS_TAKEN {'ok' if ok else 'BROKEN ' + str(codes)}", flush=True)
        failures += not ok
        release(api, tokens, answers)

        answers = race(api, tokens, trip, adjacent, seat)
        codes = [s for s, _ in answers]
        ok = codes == [201, 201]
        print(f"race: round {n + 1} seat {seat} adjacent: {codes} {'ok' if ok else 'BROKEN'}", flush=True)
        failures += not ok
        release(api, tokens, answers)
    print(f"race: {rounds} rounds x {RACERS} racers + adjacent pairs in {time.time() - started:.1f}s, {failures} broken", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
