"""`screening health`: ask a running server's grpc.health.v1 service whether
it is SERVING; exit 0 if so, 1 otherwise. The image's HEALTHCHECK runs it, so
the image needs no separate probe binary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from screening.cli.parser import Parents
from screening.config import ConfigError, Settings

# What a wildcard listen address is reached at from the same host.
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "": "127.0.0.1"}


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    health = commands.add_parser(
        "health", parents=[parents.common], help="exit 0 if the server at --address reports SERVING, else 1",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    health.add_argument("--address", help="HOST:PORT of the server (default: the listen setting, "
                                          "a wildcard host as loopback)")
    health.add_argument("--service", default="", help="the health service name to ask for ('' = the whole server)")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer")
    health.add_argument("--tls-ca", help="PEM CA bundle that signed the server's certificate (turns TLS on)")
    health.add_argument("--tls-cert", help="PEM client certificate, for a server that requires one")
    health.add_argument("--tls-key", help="its PEM private key")
    health.set_defaults(run=_health)


def _health(args, settings: Settings) -> int:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    address = args.address or default_address(settings.listen)
    with _channel(address, args) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout)
        except grpc.RpcError as error:
            what = "unknown service" if error.code() is grpc.StatusCode.NOT_FOUND else error.code().name
            print(f"screening: health: {address}{_named(args.service)}: {what}: {error.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"screening: health: {address}{_named(args.service)}: {status}", file=sys.stderr)
        return 1
    print(f"{address}{_named(args.service)}: {status}")
    return 0


def default_address(listen: str) -> str:
    """The listen setting as a client dials it: 0.0.0.0 and [::] are not
    addresses one can connect to, so they become loopback."""
    host, _, port = listen.rpartition(":")
    return f"{_LOOPBACK.get(host, host)}:{port}"


def _channel(address: str, args):
    import grpc

    if not args.tls_ca:
        if args.tls_cert or args.tls_key:
            raise ConfigError("--tls-cert and --tls-key need --tls-ca (the CA that signed the server's certificate)")
        return grpc.insecure_channel(address)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key: give both (a client certificate) or neither")
    read = lambda path: Path(path).read_bytes() if path else None  # noqa: E731 (OSError → one line in main)
    credentials = grpc.ssl_channel_credentials(read(args.tls_ca), read(args.tls_key), read(args.tls_cert))
    return grpc.secure_channel(address, credentials)


def _named(service: str) -> str:
    return f" (service {service!r})" if service else ""
