"""`screening clients token`: a new bearer token for a [clients.NAME] table.

The token is printed once, for the kiosk system's operator; the config keeps
only its sha256 (token_sha256), so a copy of the config lets no one call.
"""

from __future__ import annotations

import argparse

from screening.cli.parser import Parents, group
from screening.config import Settings
from screening.service.clients import new_token, token_hash


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(commands, "clients", "who may call the server: [clients.NAME] in the config file")
    token = actions.add_parser("token", parents=[parents.common],
                               help="print a new random bearer token (once) and the token_sha256 line to configure")
    token.set_defaults(run=_token)


def _token(args, settings: Settings) -> None:
    token = new_token()
    print(f"token (give it to the client; it is not stored anywhere): {token}")
    print("paste into its [clients.NAME] table:")
    print(f'token_sha256 = "{token_hash(token)}"')
