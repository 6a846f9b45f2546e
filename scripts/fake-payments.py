"""A local stand-in for the payment provider (a Stripe-shaped API), for `make dev`
and the tests of the ticketing API.

The provider is a paid third-party API with no local server, so dev runs and
tests talk to this instead. It speaks the provider's real wire format:
form-encoded requests with bracket keys (`metadata[bookingId]=b1`), JSON
answers, Stripe's error shape, `Idempotency-Key` replays, and webhook events
signed with `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
All state is in memory and is gone when the process exits.

    FAKE_PAYMENTS_SECRET_KEY=sk_test_local \\
    FAKE_PAYMENTS_WEBHOOK_SECRET=whsec_local \\
    FAKE_PAYMENTS_WEBHOOK_URL=http://127.0.0.1:9000/api/v1/... \\
    python3 scripts/fake-payments.py PORT [HOST]   # HOST:PORT, 127.0.0.1 by default; PORT 0 picks a free one

It prints `fake-payments: listening on http://127.0.0.1:PORT` once it accepts
connections, then one stderr line per request. Without FAKE_PAYMENTS_WEBHOOK_URL
events are recorded (see /_fake/events) but not sent.

Provider API (secret key as `Authorization: Bearer sk_...` or as the basic-auth user):
    POST /v1/payment_intents               amount, currency, metadata[..], description
    GET  /v1/payment_intents/{id}
    POST /v1/payment_intents/{id}/confirm  payment_method, client_secret (optional); no key,
                                           as a browser confirms. pm_card_visa succeeds,
                                           pm_card_chargeDeclined answers 402
    POST /v1/refunds                       payment_intent, amount (default: the rest), metadata[..], reason
    GET  /v1/refunds?payment_intent=pi_..  newest first, limit (default 10), starting_after
    GET  /v1/refunds/{id}
POSTs honour `Idempotency-Key` (per path): same parameters replay the first
answer with `Idempotent-Replayed: true`, different parameters get a 400.

Test controls (no auth, local use only):
    GET  /_fake/health                     {"ok": true}
    GET  /_fake/payment_intents | /_fake/refunds | /_fake/events   JSON arrays
    POST /_fake/events/{id}/resend         deliver again now; answers {"status", "body"}
    POST /_fake/fail     {"path": "/v1/refunds", "count": 1, "status": 500}
    POST /_fake/reset                      forget injected failures (keeps the data)
    GET|POST /_fake/webhooks {"deliver": false|true, "url": "http://..."}
"""
import base64
import copy
import hashlib
import hmac
import json
import os
import re
import secrets
import string
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_VERSION = "2024-06-20"
MAX_BODY = 1 << 20  # refuse bigger bodies instead of reading them into memory
MAX_AMOUNT = 99999999  # Stripe's ceiling for an amount in minor units
WEBHOOK_TIMEOUT = 30
RETRY_DELAYS = (1, 2, 4, 8)  # seconds between the 5 automatic delivery attempts
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
ALNUM = string.ascii_letters + string.digits

# Stripe's test PaymentMethods: the ones that succeed, and the ones that decline
# with their decline_code and message.
CARDS_OK = {"pm_card_visa", "pm_card_mastercard", "pm_card_amex"}
DECLINES = {
    "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": ("insufficient_funds", "Your card has insufficient funds."),
}


class State:
    """Everything the fake remembers. One lock guards all of it, so a provider
    call (failure check, idempotency check, the call itself, storing the answer)
    is atomic and concurrent requests with one Idempotency-Key create one object."""

    def __init__(self):
        self.lock = threading.RLock()
        self.secret_key = ""
        self.webhook_secret = ""
        self.webhook_url = None
        self.deliver = True
        self.intents, self.charges, self.refunds, self.events = {}, {}, {}, {}
        self.idempotent = {}  # (path, key) -> (parameters fingerprint, status, body bytes)
        self.failures = []  # injected: {"path", "count", "status"}


STATE = State()


# ---------------------------------------------------------------- errors


class ApiError(Exception):
    """An answer in Stripe's error shape. `saved` is False for parameter
    validation errors: Stripe does not store those under an Idempotency-Key
    because the request never started executing."""

    def __init__(self, status, kind, message, code=None, param=None, saved=True, **extra):
        super().__init__(message)
        self.status, self.saved = status, saved
        fields = {"type": kind, "code": code, "message": message, "param": param, **extra}
        self.body = {"error": {k: v for k, v in fields.items() if v is not None}}


def invalid(message, param=None, code=None, status=400):
    return ApiError(status, "invalid_request_error", message, code=code, param=param)


def bad_param(param, message, code="parameter_invalid"):
    return ApiError(400, "invalid_request_error", message, code=code, param=param, saved=False)


def missing(param):
    return bad_param(param, f"Missing required param: {param}.", "parameter_missing")


def no_such(kind, object_id, param, status=404):
    return invalid(f"No such {kind}: '{clip(object_id)}'", param, "resource_missing", status)


def api_error(message, status=500):
    return ApiError(status, "api_error", message)


def clip(text, limit=80):
    """Keeps echoed client input short in messages and logs."""
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------- helpers


def now():
    return int(time.time())


def random_alnum(length):
    return "".join(secrets.choice(ALNUM) for _ in range(length))


def new_id(prefix):
    return f"{prefix}_{random_alnum(24)}"


def to_json(body):
    # Stripe pretty-prints; consumers that verify signatures must use the raw bytes anyway.
    return json.dumps(body, indent=2).encode()


def log(line):
    print(f"fake-payments: {line}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- form parsing

KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")


def parse_form(text):
    """`a[b][c]=1&list[]=x` -> {"a": {"b": {"c": "1"}}, "list": ["x"]}, like Stripe (Rack)
    parses it. Raises ValueError on malformed input."""
    params = {}
    # Lenient like Rack (`a=1&` and a bare `flag` are fine), but strict about UTF-8.
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    for key, value in pairs:
        put(params, split_key(key), value, key)
    return params


def split_key(key):
    match = KEY.fullmatch(key)
    if not match:
        raise ValueError(f"Invalid parameter name: {clip(key)!r}")
    return [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))


def put(tree, path, value, key):
    *parents, last = path
    node = tree
    for i, part in enumerate(parents):
        if part == "":  # `a[][b]`: arrays of hashes are not needed here
            raise ValueError(f"Unsupported parameter name: {clip(key)!r}")
        want = list if path[i + 1] == "" else dict
        child = node.setdefault(part, want())
        if not isinstance(child, want):
            raise ValueError(f"Conflicting values for parameter {clip(key)!r}")
        node = child
    if last == "":
        node.append(value)
    elif isinstance(node.get(last), (dict, list)):
        raise ValueError(f"Conflicting values for parameter {clip(key)!r}")
    else:
        node[last] = value  # a repeated plain key keeps the last value, as Rack does


def form_params(method, query, body, headers):
    """The call's parameters: the query string for GET, the form body for POST."""
    if method == "POST":
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        # The real API only takes forms; a JSON body is a client bug worth surfacing here.
        if body and ctype not in ("", "application/x-www-form-urlencoded"):
            raise invalid(f"Invalid request: Content-Type {clip(ctype)} is not supported; "
                          "send application/x-www-form-urlencoded.")
        query = body
    try:
        return parse_form(query.decode("utf-8") if isinstance(query, bytes) else query)
    except ValueError as e:
        raise ApiError(400, "invalid_request_error", f"Invalid request body: {e}", saved=False)


# ---------------------------------------------------------------- parameter checks


def string_param(params, name, required=False):
    value = params.get(name)
    if value is None or value == "":  # Stripe treats an empty value as not sent
        if required:
            raise missing(name)
        return None
    if not isinstance(value, str):
        raise bad_param(name, f"Invalid string: {name} must be a string, not a hash or array.",
                        "parameter_invalid_string")
    return value


def int_param(params, name, required=False):
    value = string_param(params, name, required)
    if value is None:
        return None
    if not re.fullmatch(r"-?[0-9]{1,18}", value):
        raise bad_param(name, f"Invalid integer: {clip(value)}", "parameter_invalid_integer")
    if int(value) < 1:
        raise bad_param(name, "This value must be greater than or equal to 1.", "parameter_invalid_integer")
    return int(value)


def metadata_param(params):
    """Stripe's limits (50 keys, 40-char keys, 500-char values) so the fake
    rejects what the real API would; an empty value means "no such key"."""
    value = params.get("metadata")
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise bad_param("metadata", "Invalid hash: metadata must be a hash (metadata[key]=value).")
    if len(value) > 50:
        raise bad_param("metadata", "You can specify up to 50 keys in metadata.")
    for key, item in value.items():
        if not isinstance(item, str):
            raise bad_param(f"metadata[{clip(key)}]", "Metadata values must be strings.")
        if len(key) > 40 or len(item) > 500:
            raise bad_param(f"metadata[{clip(key)}]",
                            "Metadata keys can be up to 40 characters and values up to 500 characters.")
    return {key: item for key, item in value.items() if item != ""}


def automatic_methods_param(params):
    value = params.get("automatic_payment_methods")
    if value is None or value == "":
        return None
    enabled = value.get("enabled") if isinstance(value, dict) else None
    if enabled not in ("true", "false"):
        raise bad_param("automatic_payment_methods[enabled]",
                        "Invalid boolean: automatic_payment_methods[enabled] must be true or false.")
    return {"enabled": enabled == "true"}


# ---------------------------------------------------------------- auth


def presented_key(authorization):
    """The API key from `Bearer <key>` or basic auth `<key>:`; None if no header."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except ValueError:  # bad base64 or bad UTF-8
            return ""
    return ""


def redact(key):
    """`sk_test_abcdefghijkl1234` -> `sk_test_************1234`: enough to spot
    which key was sent, never the whole of it (it might be a real one)."""
    key = key[:200]
    head, sep, _ = key.rpartition("_")
    prefix = head + sep if len(head) <= 8 else ""
    rest = key[len(prefix):]
    visible = rest[-4:] if len(rest) > 8 else ""
    return prefix + "*" * (len(rest) - len(visible)) + visible


def check_auth(headers):
    key = presented_key(headers.get("Authorization"))
    if key is None:
        raise ApiError(401, "invalid_request_error",
                       "You did not provide an API key. You need to provide your API key in the "
                       "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    if not hmac.compare_digest(key.encode(), STATE.secret_key.encode()):
        raise ApiError(401, "invalid_request_error", f"Invalid API Key provided: {redact(key)}")


# ---------------------------------------------------------------- webhooks


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects from webhook endpoints: a 3xx is a failed delivery."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxies: the receiver is local, and an http_proxy in the environment must not swallow it.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def signature(body, timestamp):
    mac = hmac.new(STATE.webhook_secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post_signed(url, body):
    """One delivery attempt, signed now: (status or None, response text, error or None)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "Stripe-Signature": signature(body, now()),
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    })
    try:
        with OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            return response.status, response.read(65536).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as e:
        return e.code, e.read(65536).decode("utf-8", "replace"), None
    except Exception as e:  # refused, timed out, bad URL...: all count as a failed attempt
        return None, None, f"{type(e).__name__}: {e}"


def deliver_once(record, url):
    status, text, error = post_signed(url, record["body"])
    with STATE.lock:
        record["deliveries"].append({"status": status, "error": error, "at": now()})
        attempt = len(record["deliveries"])
    event = record["event"]
    log(f"webhook {event['id']} {event['type']} attempt {attempt} -> {status if status else error}")
    return status, text, error


def deliver_with_retries(record):
    """Stripe-like automatic delivery: up to 5 attempts until a 2xx, reading the
    URL and the pause switch before each one so tests can change them mid-way."""
    for delay in (0, *RETRY_DELAYS):
        time.sleep(delay)
        with STATE.lock:
            url, enabled = STATE.webhook_url, STATE.deliver
        if not (url and enabled):
            return
        status, _, _ = deliver_once(record, url)
        if status is not None and 200 <= status < 300:
            return


def emit(event_type, obj):
    """Records an event with a snapshot of `obj` and delivers it from a
    background thread, so the API answer never waits on the webhook (as with
    Stripe, the webhook may even arrive before the answer)."""
    event = {
        "id": new_id("evt"), "object": "event", "type": event_type, "created": now(),
        "api_version": API_VERSION, "livemode": False, "data": {"object": copy.deepcopy(obj)},
    }
    record = {"event": event, "body": to_json(event), "deliveries": []}
    STATE.events[event["id"]] = record
    if STATE.deliver and STATE.webhook_url:
        threading.Thread(target=deliver_with_retries, args=(record,), daemon=True).start()


# ---------------------------------------------------------------- provider calls (run under STATE.lock)


def find_intent(intent_id):
    intent = STATE.intents.get(intent_id)
    if intent is None:
        raise no_such("payment_intent", intent_id, "intent")
    return intent


def create_intent(params):
    amount = int_param(params, "amount", required=True)
    if amount > MAX_AMOUNT:
        raise bad_param("amount", f"Amount must be no more than {MAX_AMOUNT}.", "amount_too_large")
    currency = string_param(params, "currency", required=True)
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise bad_param("currency", f"Invalid currency: {clip(currency)}.", "parameter_invalid_string")
    metadata = metadata_param(params)
    description = string_param(params, "description")
    automatic = automatic_methods_param(params)
    intent_id = new_id("pi")
    intent = {
        "id": intent_id, "object": "payment_intent", "amount": amount, "amount_received": 0,
        "currency": currency.lower(), "status": "requires_payment_method",
        "client_secret": f"{intent_id}_secret_{random_alnum(25)}", "metadata": metadata,
        "created": now(), "livemode": False, "latest_charge": None, "last_payment_error": None,
        "description": description, "payment_method": None, "automatic_payment_methods": automatic,
    }
    STATE.intents[intent_id] = intent
    return 200, intent


def get_intent(_params, intent_id):
    return 200, find_intent(intent_id)


def confirm_intent(params, intent_id):
    intent = find_intent(intent_id)
    secret = string_param(params, "client_secret")
    if secret is not None and not hmac.compare_digest(secret.encode(), intent["client_secret"].encode()):
        raise bad_param("client_secret", "The client_secret provided does not match the client_secret "
                                         "associated with the PaymentIntent.")
    if intent["status"] == "succeeded":
        raise ApiError(400, "invalid_request_error",
                       "You cannot confirm this PaymentIntent because it has already succeeded "
                       "after being previously confirmed.",
                       code="payment_intent_unexpected_state", payment_intent=intent)
    method = string_param(params, "payment_method", required=True)
    if method in CARDS_OK:
        return 200, succeed(intent, method)
    if method in DECLINES:
        raise decline(intent, method)
    raise invalid(f"No such PaymentMethod: '{clip(method)}'", "payment_method", "resource_missing")


def succeed(intent, method):
    charge = {
        "id": new_id("ch"), "object": "charge", "amount": intent["amount"],
        "amount_captured": intent["amount"], "amount_refunded": 0, "currency": intent["currency"],
        "payment_intent": intent["id"], "paid": True, "refunded": False, "status": "succeeded",
        "metadata": dict(intent["metadata"]), "created": now(), "livemode": False,
    }
    STATE.charges[charge["id"]] = charge
    intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"],
                  payment_method=method, last_payment_error=None)
    emit("payment_intent.succeeded", intent)
    return intent


def decline(intent, method):
    """As in Stripe, a decline leaves a failed charge behind (latest_charge
    points at it) and sends the intent back to requires_payment_method."""
    decline_code, message = DECLINES[method]
    charge_id = new_id("ch")
    intent.update(status="requires_payment_method", latest_charge=charge_id, payment_method=None,
                  last_payment_error={
                      "type": "card_error", "code": "card_declined", "decline_code": decline_code,
                      "message": message, "charge": charge_id,
                      "payment_method": {"id": method, "object": "payment_method"},
                  })
    emit("payment_intent.payment_failed", intent)
    return ApiError(402, "card_error", message, code="card_declined", decline_code=decline_code,
                   charge=charge_id, payment_intent=intent)


def create_refund(params):
    intent_id = string_param(params, "payment_intent", required=True)
    amount = int_param(params, "amount")
    metadata = metadata_param(params)
    reason = string_param(params, "reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise bad_param("reason", f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}.")
    intent = STATE.intents.get(intent_id)
    if intent is None:
        raise no_such("payment_intent", intent_id, "payment_intent", status=400)
    if intent["status"] != "succeeded":
        raise invalid(f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                      "payment_intent", "charge_not_refundable")
    charge = STATE.charges[intent["latest_charge"]]
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining == 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = remaining if amount is None else amount
    if amount > remaining:
        currency = charge["currency"]
        raise invalid(f"Refund amount ({amount} {currency}) is greater than unrefunded amount on charge "
                      f"({remaining} {currency})", "amount", "amount_too_large")
    refund = {
        "id": new_id("re"), "object": "refund", "amount": amount, "currency": charge["currency"],
        "payment_intent": intent_id, "status": "succeeded", "metadata": metadata, "created": now(),
        "charge": charge["id"], "reason": reason,
    }
    STATE.refunds[refund["id"]] = refund
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
    emit("charge.refunded", charge)
    return 200, refund


def list_refunds(params):
    intent_id = string_param(params, "payment_intent")
    limit = int_param(params, "limit") or 10  # Stripe pages at 10 by default: clients must follow has_more
    if limit > 100:
        raise bad_param("limit", "This value must be less than or equal to 100.", "parameter_invalid_integer")
    after = string_param(params, "starting_after")
    if intent_id is not None and intent_id not in STATE.intents:
        raise no_such("payment_intent", intent_id, "payment_intent", status=400)
    refunds = [r for r in reversed(STATE.refunds.values()) if intent_id in (None, r["payment_intent"])]
    if after is not None:
        ids = [r["id"] for r in refunds]
        if after not in ids:
            raise no_such("refund", after, "starting_after", status=400)
        refunds = refunds[ids.index(after) + 1:]
    return 200, {"object": "list", "data": refunds[:limit], "has_more": len(refunds) > limit, "url": "/v1/refunds"}


def get_refund(_params, refund_id):
    refund = STATE.refunds.get(refund_id)
    if refund is None:
        raise no_such("refund", refund_id, "id")
    return 200, refund


# method, path pattern, call, needs the secret key
API_ROUTES = [
    ("POST", re.compile(r"/v1/payment_intents"), create_intent, True),
    ("GET", re.compile(r"/v1/payment_intents/([^/]+)"), get_intent, True),
    ("POST", re.compile(r"/v1/payment_intents/([^/]+)/confirm"), confirm_intent, False),
    ("POST", re.compile(r"/v1/refunds"), create_refund, True),
    ("GET", re.compile(r"/v1/refunds"), list_refunds, True),
    ("GET", re.compile(r"/v1/refunds/([^/]+)"), get_refund, True),
]


def find_route(routes, method, path):
    for route_method, pattern, call, *options in routes:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return call, match.groups(), options
    raise invalid(f"Unrecognized request URL ({method}: {clip(path)}).", status=404)


def take_failure(path):
    """Consumes one injected failure matching `path`, if any; the call then changes nothing."""
    for rule in STATE.failures:
        if path.startswith(rule["path"]):
            rule["count"] -= 1
            STATE.failures = [r for r in STATE.failures if r["count"] > 0]
            return api_error("Injected failure", rule["status"])
    return None


def run(call, params, args):
    try:
        status, body = call(params, *args)
        return status, to_json(body), True
    except ApiError as e:
        return e.status, to_json(e.body), e.saved


def run_idempotent(path, key, call, params, args):
    """Stripe's Idempotency-Key: the first answer (success or error) is kept
    and replayed byte for byte; the same key with other parameters is refused."""
    if len(key) > 255:
        raise bad_param("Idempotency-Key", "Idempotency-Key must be 255 characters or fewer.")
    fingerprint = json.dumps(params, sort_keys=True)
    stored = STATE.idempotent.get((path, key))
    if stored:
        if stored[0] != fingerprint:
            raise ApiError(400, "idempotency_error",
                           "Keys for idempotent requests can only be used with the same parameters they "
                           f"were first used with. Try using a key other than '{clip(key)}' if you meant "
                           "to execute a different request.")
        return stored[1], stored[2], {"Idempotent-Replayed": "true"}
    status, data, saved = run(call, params, args)
    if saved:
        STATE.idempotent[(path, key)] = (fingerprint, status, data)
    return status, data, {}


def handle_api(method, path, query, body, headers):
    """One provider call, atomically: injected failure, route, auth, parameters,
    idempotency, the call, and storing its answer all under the one lock."""
    with STATE.lock:
        failure = take_failure(path)
        if failure:
            raise failure
        call, args, (needs_auth,) = find_route(API_ROUTES, method, path)
        if needs_auth:
            check_auth(headers)
        params = form_params(method, query, body, headers)
        key = (headers.get("Idempotency-Key") or "").strip() if method == "POST" else ""
        if not key:
            status, data, _ = run(call, params, args)
            return status, data, {}
        status, data, extra = run_idempotent(path, key, call, params, args)
        return status, data, {"Idempotency-Key": key, **extra}


# ---------------------------------------------------------------- test controls


def snapshot(values):
    with STATE.lock:
        return copy.deepcopy(list(values))


def fake_health(_payload):
    return {"ok": True}


def fake_intents(_payload):
    return snapshot(STATE.intents.values())


def fake_refunds(_payload):
    return snapshot(STATE.refunds.values())


def fake_events(_payload):
    with STATE.lock:
        return [{
            "event": copy.deepcopy(r["event"]),
            "deliveries": copy.deepcopy(r["deliveries"]),
            "last_status": r["deliveries"][-1]["status"] if r["deliveries"] else None,
        } for r in STATE.events.values()]


def fake_resend(_payload, event_id):
    """Delivers once, now, whatever the pause switch says: lets a test send a
    duplicate and see how the receiver answers it. The lock is not held while
    posting, so the receiver may call back into this server."""
    with STATE.lock:
        record, url = STATE.events.get(event_id), STATE.webhook_url
    if record is None:
        raise no_such("event", event_id, "id")
    if not url:
        raise invalid("No webhook URL is configured (set FAKE_PAYMENTS_WEBHOOK_URL or POST /_fake/webhooks).")
    status, text, error = deliver_once(record, url)
    return {"status": status, "body": text, **({"error": error} if error else {})}


def fake_fail(payload):
    path, count, status = payload.get("path"), payload.get("count", 1), payload.get("status", 500)
    if not isinstance(path, str) or not path.startswith("/"):
        raise invalid("path must be a string starting with /", "path")
    if type(count) is not int or count < 1:
        raise invalid("count must be a positive integer", "count")
    if type(status) is not int or not 400 <= status <= 599:
        raise invalid("status must be an integer from 400 to 599", "status")
    with STATE.lock:
        STATE.failures.append({"path": path, "count": count, "status": status})
        return {"ok": True, "failures": copy.deepcopy(STATE.failures)}


def fake_reset(_payload):
    with STATE.lock:
        STATE.failures = []
    return {"ok": True}


def fake_webhooks(payload):
    deliver, url = payload.get("deliver"), payload.get("url")
    if "deliver" in payload and not isinstance(deliver, bool):
        raise invalid("deliver must be true or false", "deliver")
    if "url" in payload and url is not None and not (isinstance(url, str) and re.match(r"https?://", url)):
        raise invalid("url must be an http(s) URL or null", "url")
    with STATE.lock:
        if "deliver" in payload:
            STATE.deliver = deliver
        if "url" in payload:
            STATE.webhook_url = url
        return {"deliver": STATE.deliver, "url": STATE.webhook_url}


FAKE_ROUTES = [
    ("GET", re.compile(r"/_fake/health"), fake_health),
    ("GET", re.compile(r"/_fake/payment_intents"), fake_intents),
    ("GET", re.compile(r"/_fake/refunds"), fake_refunds),
    ("GET", re.compile(r"/_fake/events"), fake_events),
    ("POST", re.compile(r"/_fake/events/([^/]+)/resend"), fake_resend),
    ("POST", re.compile(r"/_fake/fail"), fake_fail),
    ("POST", re.compile(r"/_fake/reset"), fake_reset),
    ("GET", re.compile(r"/_fake/webhooks"), fake_webhooks),
    ("POST", re.compile(r"/_fake/webhooks"), fake_webhooks),
]


def json_payload(body):
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except ValueError as e:  # also bad UTF-8
        raise invalid(f"Invalid JSON body: {e}")
    if not isinstance(payload, dict):
        raise invalid("The JSON body must be an object.")
    return payload


def handle_fake(method, path, body):
    call, args, _ = find_route(FAKE_ROUTES, method, path)
    payload = json_payload(body) if method == "POST" else {}
    return 200, to_json(call(payload, *args))


# ---------------------------------------------------------------- HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive like the real API; every answer has a Content-Length
    timeout = 120  # drop idle keep-alive connections instead of holding a thread forever

    def serve(self):
        started = time.monotonic()
        path, _, query = self.path.partition("?")  # partition, unlike urlsplit, cannot raise
        status, data, extra = self.answer_for(path, query)
        self.send(status, data, extra)
        replayed = " (replayed)" if extra.get("Idempotent-Replayed") else ""
        # Path only: query strings may carry a client_secret.
        log(f"{self.command} {clip(path, 200)} -> {status}{replayed} "
            f"{(time.monotonic() - started) * 1000:.0f}ms")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve

    def answer_for(self, path, query):
        try:
            body = self.read_body()
            if path.startswith("/_fake/"):
                status, data = handle_fake(self.command, path, body)
                return status, data, {}
            return handle_api(self.command, path, query, body, self.headers)
        except ApiError as e:
            return e.status, to_json(e.body), {}
        except Exception as e:  # a bug in the fake must not stop the server: answer like Stripe's 500
            frame = traceback.extract_tb(e.__traceback__)[-1]
            log(f"internal error {type(e).__name__}: {e} at line {frame.lineno}")
            return 500, to_json(api_error(f"Internal error in fake-payments: {type(e).__name__}").body), {}

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # the unread body would corrupt the next request
            raise invalid("Chunked request bodies are not supported; send Content-Length.", status=411)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise invalid("Invalid or too large Content-Length.", status=400 if length < 0 else 413)
        return self.rfile.read(length)

    def send(self, status, data, extra):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{random_alnum(14)}")
            self.send_header("Stripe-Version", API_VERSION)
            for name, value in extra.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client went away; nothing to answer
            self.close_connection = True

    def send_error(self, code, message=None, explain=None):
        # Malformed HTTP (bad request line, unsupported method) gets JSON too, not http.server's HTML.
        self.close_connection = True
        self.send(code, to_json(invalid(message or "Bad request.", status=code).body), {})
        log(f"malformed request -> {code}")

    def log_message(self, *args):
        pass  # serve() logs one line per request, without the query string


def main(argv):
    if len(argv) not in (2, 3) or not argv[1].isdigit() or int(argv[1]) > 65535:
        sys.exit("usage: python3 scripts/fake-payments.py PORT [HOST]  "
                 "(env FAKE_PAYMENTS_SECRET_KEY, FAKE_PAYMENTS_WEBHOOK_SECRET, FAKE_PAYMENTS_WEBHOOK_URL)")
    STATE.secret_key = os.environ.get("FAKE_PAYMENTS_SECRET_KEY", "")
    STATE.webhook_secret = os.environ.get("FAKE_PAYMENTS_WEBHOOK_SECRET", "")
    STATE.webhook_url = os.environ.get("FAKE_PAYMENTS_WEBHOOK_URL") or None
    # Refuse to start half-configured rather than accept any key or send unverifiable events.
    if not STATE.secret_key or not STATE.webhook_secret:
        sys.exit("fake-payments: set FAKE_PAYMENTS_SECRET_KEY and FAKE_PAYMENTS_WEBHOOK_SECRET")
    # A local address only: loopback, or (for `sam local` containers) the
    # Docker bridge's.
    host = argv[2] if len(argv) == 3 else "127.0.0.1"
    try:
        server = ThreadingHTTPServer((host, int(argv[1])), Handler)
    except OSError as e:
        sys.exit(f"fake-payments: cannot listen on {host}:{argv[1]}: {e}")
    print(f"fake-payments: listening on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv)
