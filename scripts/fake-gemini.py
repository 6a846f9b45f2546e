"""A local stand-in for Google's Gemini REST API, for the tests that run the
API (`make test`, `make test-contract`, `make test-sam`).

Gemini is a paid third-party API with no local server, so those runs talk
to this instead. It speaks Gemini's wire format for the three calls
the voice functions make (`POST /v1beta/models/{model}:generateContent`, key
in `x-goog-api-key`): a JSON answer for the assistant, a transcript, and
PCM speech as `inlineData`. Requests without a key or with a malformed body
get Gemini's error shape.

    python scripts/fake-gemini.py PORT [HOST]   # listens on HOST:PORT (default 127.0.0.1)
"""
import base64
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTE = re.compile(r"^/v1beta/models/([A-Za-z0-9._-]+):generateContent$")
SILENCE = base64.b64encode(bytes(4800)).decode()  # 0.1 s of 24 kHz 16-bit PCM


def error(code, status, message):
    return code, {"error": {"code": code, "message": message, "status": status}}


def answer(model, request):
    config = request.get("generationConfig") or {}
    if "AUDIO" in (config.get("responseModalities") or []):
        part = {"inlineData": {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": SILENCE}}
    elif config.get("responseMimeType") == "application/json":
        part = {"text": json.dumps({"reply": "Here is your dashboard.", "navigate": None})}
    else:
        part = {"text": "hello from the contract test"}
    return 200, {
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 8, "totalTokenCount": 16},
        "modelVersion": model,
    }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        route = ROUTE.match(self.path)
        if not route:
            status, body = error(404, "NOT_FOUND", f"Unknown path {self.path}")
        elif not self.headers.get("x-goog-api-key"):
            status, body = error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.")
        else:
            try:
                request = json.loads(raw)
                if not request.get("contents"):
                    raise ValueError("contents is required")
                status, body = answer(route.group(1), request)
            except ValueError as e:
                status, body = error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {e}")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=UTF-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    ThreadingHTTPServer((host, int(sys.argv[1])), Handler).serve_forever()
