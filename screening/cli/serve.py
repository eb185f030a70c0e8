"""`screening serve`: run the gRPC server."""

from __future__ import annotations

import argparse

from screening.cli.parser import Parents
from screening.config import Settings


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    serve = commands.add_parser("serve", parents=[parents.common], help="run the gRPC server")
    serve.add_argument("--listen", help="HOST:PORT for gRPC (default: 127.0.0.1:50051; port 0 picks one)")
    serve.add_argument("--metrics-listen", help="HOST:PORT for /metrics (default: 127.0.0.1:9464; '' turns it off)")
    serve.set_defaults(run=_serve)


def _serve(args, settings: Settings) -> None:
    from screening.bootstrap import serve

    serve(settings)
