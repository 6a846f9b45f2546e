"""Prints a TCP port that is free on the given address (default 127.0.0.1) right now."""
import socket
import sys

with socket.socket() as s:
    s.bind((sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1", 0))
    print(s.getsockname()[1])
