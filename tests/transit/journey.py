#!/usr/bin/env python3
"""A passenger's journey through the API as `make dev` serves it, with no
manual step: register and verify (the code read from moto's sent mail),
search tomorrow's Lisbon → Porto trips, hold a seat, pay through the fake
provider (the client confirms the intent; the provider signs its event to
the webhook), see the booking confirmed with its ticket, and find the
e-ticket mail that transit-worker sent from the queue. A declined card
leaves the booking held.

    python tests/transit/journey.py API_BASE AWS_ENDPOINT_URL PAYMENTS_BASE
"""
import json
import sys
import time
import urllib.parse
import urllib.request

from race import call, passenger, seeded_trip


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
    step(f"booking confirmed with ticket {confirmed['tickets'][0]['id']}")
    subject = until("the e-ticket mail", lambda: next(
        (s for s in mail_subjects(moto) if "ticket" in s and booking["id"] in s), None))
    step(f"e-ticket mailed: {subject!r}")

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
