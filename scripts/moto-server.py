#!/usr/bin/env python3
"""moto's server with DynamoDB requests applied one at a time.

    python scripts/moto-server.py HOST PORT

moto's threaded server runs each request on its own thread, and its
DynamoDB backend checks a transaction's conditions and then applies its
writes without a lock: two concurrent `TransactWriteItems` on one item can
both pass their conditions. Real DynamoDB applies each request atomically,
and the seat inventory's "no double sale" depends on it (TRANSIT.md §6), so
locally every DynamoDB write holds one lock for its whole run. Reads and
the other services stay concurrent.
"""
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

DYNAMODB_TARGET = "DynamoDB_"
# The operations that write: they take the lock, so a transaction's
# conditions and writes are never interleaved with another write. Reads run
# concurrently, as they do against DynamoDB (they never make a double sale).
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem", "ExecuteStatement",
          "BatchExecuteStatement", "ExecuteTransaction", "CreateTable", "DeleteTable", "UpdateTable",
          "UpdateTimeToLive"}


def serialize_dynamodb(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(DYNAMODB_TARGET) or target.split(".", 1)[-1] not in WRITES:
            return app(environ, start_response)
        with lock:
            # Drain the response inside the lock: the backend's work may run
            # lazily while the body is produced.
            return list(app(environ, start_response))

    return wrapped


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialize_dynamodb(app), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
