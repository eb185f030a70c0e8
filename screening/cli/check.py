"""`screening check`: screen one call offline, against the same store and
policy as the server, and explain every finding."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import uuid
from datetime import datetime

from screening.cli import stores
from screening.cli.output import printable
from screening.cli.parser import Parents
from screening.config import ConfigError, Settings
from screening.domain.errors import InvalidEntry, InvalidRequest
from screening.domain.model import Decision, ScreenRequest, Screening
from screening.domain.policy import PolicyError
from screening.service.ports import StoreError

# --exit-code: the decision as the exit status, for scripts; ERROR when the
# check could not run (so that no error reads as a decision).
EXIT_CODES = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.DENY: 2}
ERROR = 3

_EPILOG = ("exit status: 0 when the check ran, 1 on an error (2 on a usage error). With --exit-code: "
           "0 allow, 1 review, 2 deny, 3 when the check could not run (a bad --at or number form, a missing "
           "or damaged database, a bad policy)")


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    check = commands.add_parser("check", parents=[parents.common], help="screen one call offline and explain it",
                                epilog=_EPILOG)
    check.add_argument("--facility", required=True)
    check.add_argument("--inmate", required=True)
    check.add_argument("--number", required=True)
    check.add_argument("--name", default="", help="called party name, as the phone system would send it")
    check.add_argument("--at", default="", metavar="TIME",
                       help="screen as of this ISO 8601 time (e.g. 2026-12-01T20:00+07:00; without an offset, in "
                            "the facility's calling-hours time zone) instead of now: calling hours, expiries and "
                            "behavioural windows see it")
    check.add_argument("--exit-code", action="store_true",
                       help="exit 0 allow, 1 review, 2 deny, 3 on an error (default: 0 whatever the decision)")
    check.add_argument("--json", action="store_true", help="print the response in protobuf's JSON mapping")
    check.set_defaults(run=_check)
    check.error = lambda message: _usage_error(check, message)


def _usage_error(check: argparse.ArgumentParser, message: str):
    """A usage error of `check` (a missing --number, say) must not read as
    a deny to a script that asked for --exit-code."""
    check.print_usage(sys.stderr)
    check.exit(ERROR if "--exit-code" in sys.argv else 2, f"{check.prog}: error: {message}\n")


def _check(args, settings: Settings) -> int:
    if not args.exit_code:
        _screen_and_print(args, settings)
        return 0
    try:
        return EXIT_CODES.get(_screen_and_print(args, settings).decision, ERROR)
    except (ConfigError, PolicyError, StoreError, InvalidEntry, InvalidRequest, OSError, sqlite3.Error) as error:
        print(f"screening: error: {error}", file=sys.stderr)
        return ERROR


def _screen_and_print(args, settings: Settings) -> Screening:
    from screening.bootstrap import build_checker

    request = ScreenRequest(call_id=f"cli-check-{uuid.uuid4().hex[:12]}", facility_id=args.facility,
                            inmate_id=args.inmate, dialed_number=args.number, called_party_name=args.name)
    at = _moment(args.at, settings, args.facility) if args.at else None
    with stores.reading(settings) as store:
        engine, recent = build_checker(settings, store, at)
        screening = engine.screen(request, recent)
    if args.json:
        from google.protobuf import json_format

        from screening.adapters.grpc.convert import screening_to_proto

        print(json_format.MessageToJson(screening_to_proto(screening), always_print_fields_with_no_presence=True))
    else:
        _explain(screening)
    return screening


def _moment(text: str, settings: Settings, facility: str) -> float:
    """--at as Unix seconds; a time without an offset is the facility's
    calling-hours local time, as staff read the sessions."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEntry(f"--at {text!r} is not an ISO 8601 time (e.g. 2026-12-01T20:00+07:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.policies().for_facility(facility).calling_hours.timezone)
    return moment.timestamp()


def _explain(screening: Screening) -> None:
    number = screening.normalized_number or "(no E.164 form)"
    print(f"{screening.decision.name}  {number}  type {screening.number_type.name}  "
          f"region {screening.number_region or '-'}  lists version {screening.list_version}")
    for finding in screening.findings:
        entry = f"  [{finding.entry_id}]" if finding.entry_id else ""
        entry += f"  score {finding.score:.2f}" if finding.score < 1 else ""
        print(f"  {finding.effect.name:<6} {finding.reason.name}: {printable(finding.detail)}{entry}")
    print(f"  record: {'yes' if screening.record else 'NO (privileged)'}   "
          f"max duration: {screening.max_duration_seconds} s")
