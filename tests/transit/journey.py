#!/usr/bin/env python3
"""A passenger's journey through the API as `make dev` serves it, with no
manual step: register and verify (the code read from moto's sent mail),
search tomorrow's Lisbon → Porto trips, hold a seat, pay through the fake
provider (the client confirms the intent; the provider signs its event to
the webhook), see the booking confirmed with its ticket, and find the
e-ticket mail that transit-worker sent from the queue. Then the day of
travel: the ticket's signed code, verified with a generic JOSE library
(PyJWT) and `/ticket-keys` alone, its QR image, the driver's scan (a second
scan is 409) and the manifest showing it boarded. A declined card leaves
the booking held.

    python tests/transit/journey.py API_BASE AWS_ENDPOINT_URL PAYMENTS_BASE [--without-worker]

`--without-worker`: no queue poller runs (`sam local start-api` in
`make test-sam`), so the e-ticket mail is not waited for.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

import jwt

from race import call, passenger, seeded_trip

# The seed's driver of the daily LIS-OPO trips.
DRIVER = {"organizationId": "acme", "email": "rui@acme.example", "password": "Rui-Driver-2026!"}


def fetch(url, token):
    """GET `url` raw: status, content type and bytes (an image, not JSON)."""
    req = urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, resp.headers.get("content-type", ""), resp.read()


def verify_offline(api, code):
    """Verifies a ticket code as a conductor's device would: only the JWK Set
    of /ticket-keys (fetched once, no auth) and a generic JOSE library."""
    with urllib.request.urlopen(f"{api}/transit/ticket-keys", timeout=60) as resp:
        keys = {k["kid"]: jwt.PyJWK(k) for k in json.loads(resp.read())["keys"]}
    kid = jwt.get_unverified_header(code)["kid"]
    return jwt.decode(code, keys[kid].key, algorithms=["EdDSA"], audience="avaone-transit-ticket",
                      options={"require": ["exp", "nbf", "iss", "aud"]})


def until(what, check, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"journey: timed out waiting for {what}")


def confirm_card(payments, intent, secret, card):
    data = urllib.parse.urlencode({"payment_method": card, "client_secret": secret}).encode()
    req = urllib.request.Request(f"{payments}/v1/payment_intents/{intent}/confirm", data=data, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def mail_subjects(moto):
    with urllib.request.urlopen(f"{moto}/moto-api/data.json", timeout=30) as resp:
        data = json.loads(resp.read())
    return [m.get("subject", "") for m in data.get("ses", {}).get("Message", [])]


def step(text):
    print(f"journey: {text}", flush=True)


def main():
    api, moto, payments = sys.argv[1].rstrip("/"), sys.argv[2].strip('"').rstrip("/"), sys.argv[3].rstrip("/")
    with_worker = "--without-worker" not in sys.argv[4:]
    token = passenger(api, moto)
    step("registered and verified a passenger")
    trip, lisbon, _, porto = seeded_trip(api)
    _, seat_map = call("GET", f"{api}/transit/trips/{trip}/seats?from={lisbon}&to={porto}")
    free = [s["seat"] for row in seat_map["data"]["rows"] for s in row if s and s["status"] == "available"]
    step(f"trip {trip}: {len(free)} seats free Lisbon → Porto")

    def book(seat):
        status, body = call("POST", f"{api}/transit/bookings", {
            "tripId": trip, "fromStopId": lisbon, "toStopId": porto,
            "seats": [{"seat": seat, "passengerName": "Ana Sousa"}]}, token)
        assert status == 201 and body["data"]["status"] == "held", (status, body)
        return body["data"]

    booking = book(free[-1])
    step(f"held seat {free[-1]}: booking {booking['id']}, {booking['amount']} {booking['currency']}")
    status, pay = call("POST", f"{api}/transit/bookings/{booking['id']}/payment", None, token)
    assert status == 201, (status, pay)
    intent = pay["data"]
    assert confirm_card(payments, intent["paymentId"], intent["clientSecret"], "pm_card_visa") == 200
    step(f"paid with the fake provider: {intent['paymentId']}")

    confirmed = until("the webhook to confirm the booking", lambda: (
        lambda r: r[1]["data"] if r[0] == 200 and r[1]["data"]["status"] == "confirmed" else None
    )(call("GET", f"{api}/transit/bookings/{booking['id']}", None, token)))
    assert len(confirmed["tickets"]) == 1, confirmed
    ticket_id = confirmed["tickets"][0]["id"]
    step(f"booking confirmed with ticket {ticket_id}")
    if with_worker:
        subject = until("the e-ticket mail", lambda: next(
            (s for s in mail_subjects(moto) if "ticket" in s and booking["id"] in s), None))
        step(f"e-ticket mailed: {subject!r}")

    status, ticket = call("GET", f"{api}/transit/tickets/{ticket_id}", None, token)
    assert status == 200 and ticket["data"]["status"] == "valid", (status, ticket)
    code = ticket["data"]["code"]
    claims = verify_offline(api, code)
    assert claims["tid"] == ticket_id and claims["trp"] == trip and claims["seat"] == free[-1], claims
    assert "Ana" not in json.dumps(claims), claims
    step(f"ticket code verified offline with /ticket-keys and PyJWT: {sorted(claims)}")
    status, kind, png = fetch(f"{api}/transit/tickets/{ticket_id}/qr", token)
    assert status == 200 and kind == "image/png" and png.startswith(b"\x89PNG"), (status, kind, png[:8])
    status, kind, svg = fetch(f"{api}/transit/tickets/{ticket_id}/qr?format=svg", token)
    assert status == 200 and kind == "image/svg+xml" and b"<svg" in svg, (status, kind)
    step(f"QR image: {len(png)} bytes PNG, {len(svg)} bytes SVG")

    status, login = call("POST", f"{api}/auth/workspace/login", DRIVER)
    assert status == 200, (status, login)
    driver = login["data"]["accessToken"]
    scan = {"code": code, "tripId": trip, "deviceId": "journey-phone"}
    status, boarded = call("POST", f"{api}/transit/tickets/scan", scan, driver)
    assert status == 200 and boarded["data"]["result"] == "BOARDED", (status, boarded)
    status, again = call("POST", f"{api}/transit/tickets/scan", {**scan, "deviceId": "journey-tablet"}, driver)
    assert status == 409 and again["data"]["firstScan"]["deviceId"] == "journey-phone", (status, again)
    step(f"driver scanned it: BOARDED seat {boarded['data']['seat']}; a second scan is 409 ALREADY_BOARDED")
    status, manifest = call("GET", f"{api}/transit/trips/{trip}/manifest", None, driver)
    assert status == 200, (status, manifest)
    row = next(s for s in manifest["data"]["seats"] if s["ticketId"] == ticket_id)
    assert row["boarded"] and row["deviceId"] == "journey-phone", row
    step(f"manifest: {len(manifest['data']['seats'])} seat(s), ticket {ticket_id} boarded at {row['boardedAt']}")

    declined = book(free[-2])
    _, pay = call("POST", f"{api}/transit/bookings/{declined['id']}/payment", None, token)
    assert confirm_card(payments, pay["data"]["paymentId"], pay["data"]["clientSecret"], "pm_card_chargeDeclined") == 402
    time.sleep(2)
    status, still = call("GET", f"{api}/transit/bookings/{declined['id']}", None, token)
    assert still["data"]["status"] == "held", still
    status, cancelled = call("POST", f"{api}/transit/bookings/{declined['id']}/cancel", None, token)
    assert status == 200 and cancelled["data"]["status"] == "released", cancelled
    step("a declined card left the booking held; cancelling released it")

    _, mine = call("GET", f"{api}/transit/me/bookings?status=confirmed", None, token)
    assert [b["id"] for b in mine["data"]] == [booking["id"]], mine
    _, dashboard = call("GET", f"{api}/transit/me/dashboard", None, token)
    step(f"dashboard: {json.dumps(dashboard['data'])[:200]}")
    step("ok")


if __name__ == "__main__":
    main()
