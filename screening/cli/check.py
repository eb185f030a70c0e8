"""`screening check`: screen one call offline, against the same store and
policy as the server, and explain every finding."""

from __future__ import annotations

import argparse
import uuid

from screening.cli import stores
from screening.cli.output import printable
from screening.cli.parser import Parents
from screening.config import Settings
from screening.domain.model import ScreenRequest, Screening


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    check = commands.add_parser("check", parents=[parents.common], help="screen one call offline and explain it")
    check.add_argument("--facility", required=True)
    check.add_argument("--inmate", required=True)
    check.add_argument("--number", required=True)
    check.add_argument("--name", default="", help="called party name, as the phone system would send it")
    check.add_argument("--json", action="store_true", help="print the response in protobuf's JSON mapping")
    check.set_defaults(run=_check)


def _check(args, settings: Settings) -> None:
    from screening.bootstrap import build_checker

    request = ScreenRequest(call_id=f"cli-check-{uuid.uuid4().hex[:12]}", facility_id=args.facility,
                            inmate_id=args.inmate, dialed_number=args.number, called_party_name=args.name)
    with stores.reading(settings) as store:
        engine, recent = build_checker(settings, store)
        screening = engine.screen(request, recent)
    if args.json:
        from google.protobuf import json_format

        from screening.adapters.grpc.convert import screening_to_proto

        print(json_format.MessageToJson(screening_to_proto(screening), always_print_fields_with_no_presence=True))
    else:
        _explain(screening)


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
