"""Tells `sam local start-api` which request bodies are binary.

API Gateway HTTP APIs base64-encode non-text bodies on their own (a
browser's FormData upload, an image, audio), and our functions rely on
that. `sam local` instead decodes every HTTP API body as UTF-8 and answers
502 for a binary one, unless the API's OpenAPI definition lists binary
media types. This adds that list to the *built* template only (the one
`sam local` runs), as an otherwise empty definition: the routes still come
from the functions' events, and template.yaml, which is what deploys,
stays without a DefinitionBody.

    python scripts/sam-binary-types.py .aws-sam/build/template.yaml
"""
import sys

import yaml

BINARY = ["multipart/form-data", "application/octet-stream", "image/*", "audio/*", "video/*"]

path = sys.argv[1]
with open(path) as f:
    template = yaml.safe_load(f)
api = template["Resources"]["HttpApi"]["Properties"]
body = api.setdefault("DefinitionBody", {"openapi": "3.0.1", "info": {"title": "local", "version": "1"}, "paths": {}})
body["x-amazon-apigateway-binary-media-types"] = BINARY
with open(path, "w") as f:
    yaml.safe_dump(template, f, sort_keys=False)
