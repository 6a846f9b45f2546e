"""Schemathesis hooks for `make test-contract` (SCHEMATHESIS_HOOKS=hooks).

The local API is `cargo lambda watch`, whose API Gateway emulator cannot
forward a body that is not UTF-8 under a textual content type (text/*, JSON):
it answers such a request itself, a 500 in its own format, before any
function runs. API Gateway hands that body to the function base64-encoded,
where it is a 400 (JSON) or 415 (wrong type); `shared`'s body tests and the
`json_body`/`multipart` fuzz targets cover that path. Here such a body's
invalid bytes are replaced by U+FFFD before the request is sent, so the case
still runs (still malformed, still the same undeclared media type) through
the real functions instead of stopping at the emulator.
"""
import schemathesis

TEXTUAL = ("text/", "application/json")


def scrub(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace").encode("utf-8")
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def content_type(case):
    for name, value in (case.headers or {}).items():
        if name.lower() == "content-type":
            return str(value).lower()
    return (case.media_type or "").lower()


@schemathesis.hook
def before_call(context, case, kwargs):
    if content_type(case).startswith(TEXTUAL):
        case.body = scrub(case.body)
