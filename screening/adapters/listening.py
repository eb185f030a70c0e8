"""Listening on HOST:PORT: when the port cannot be had, one line that names
the address and why ("cannot listen on 127.0.0.1:50051: address in use").

gRPC says only "Failed to bind to address ...", after logging a line of its
own on stderr, and prometheus_client's server raises a bare OSError; so the
gRPC port is tried with a plain socket first, and the metrics port's error
is reworded.
"""

from __future__ import annotations

import errno
import socket

_REASONS = {
    errno.EADDRINUSE: "address in use",
    errno.EADDRNOTAVAIL: "not an address of this machine",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


def cannot_listen(address: str, error: OSError) -> OSError:
    reason = _REASONS.get(error.errno) or error.strerror or str(error)
    return OSError(f"cannot listen on {address}: {reason}")


def joined(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_can_listen(address: str) -> None:
    """Raise cannot_listen(...) unless one of the addresses HOST stands for
    can take PORT now (gRPC listens on whichever it can). Port 0 always can."""
    host, _, port = address.rpartition(":")
    if not (port.isascii() and port.isdigit()) or int(port) == 0:
        return  # not HOST:PORT (the server says so), or any free port
    host = host.strip("[]")
    try:
        candidates = socket.getaddrinfo(host or None, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise OSError(f"cannot listen on {address}: cannot resolve {host!r}: {error.strerror}") from None
    first_error = None
    for family, kind, proto, _, where in candidates:
        with socket.socket(family, kind, proto) as probe:
            # As gRPC does: a port in TIME_WAIT is free, one listened on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(where)
                return
            except OSError as error:
                first_error = first_error or error
    if first_error is not None:
        raise cannot_listen(address, first_error)
