"""A monitoring console: print the decisions a server makes, as JSON Lines, live.

    python examples/watch_console.py --decision review --decision deny --facility LP-CIPINANG

It keeps the last sequence it printed and, when its stream ends (cut off for
falling behind: RESOURCE_EXHAUSTED; the server restarting: UNAVAILABLE),
reconnects with it, so it misses nothing and prints nothing twice. A cursor
the server no longer keeps (OUT_OF_RANGE) starts again from now, saying so.
"""

import argparse
import sys
import time

import grpc
from google.protobuf import json_format

from screening.v1 import screening_pb2, screening_pb2_grpc

RETRY = {grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:50051", help="server HOST:PORT")
    parser.add_argument("--facility", action="append", default=[], help="only this facility (repeatable)")
    parser.add_argument("--decision", action="append", default=[], choices=["allow", "review", "deny"],
                        help="only this decision (repeatable); alerts come whatever the decision")
    parser.add_argument("--after", type=int, default=0, help="resume after this sequence (0: from now)")
    parser.add_argument("--count", type=int, default=0, help="stop after this many events (0: never)")
    args = parser.parse_args()
    decisions = [screening_pb2.Decision.Value(f"DECISION_{d.upper()}") for d in args.decision]
    cursor, printed = args.after, 0
    with grpc.insecure_channel(args.target) as channel:
        stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
        while True:
            request = screening_pb2.WatchDecisionsRequest(facility_ids=args.facility, decisions=decisions,
                                                          after_sequence=cursor)
            try:
                for event in stub.WatchDecisions(request):
                    print(json_format.MessageToJson(event, indent=None), flush=True)
                    cursor, printed = event.sequence, printed + 1
                    if printed == args.count:
                        return 0
            except grpc.RpcError as error:
                print(f"{error.code().name}: {error.details()}", file=sys.stderr)
                if error.code() is grpc.StatusCode.OUT_OF_RANGE:
                    cursor = 0  # the gap is in the decision log: screening decisions list
                elif error.code() not in RETRY:
                    return 1
                time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
