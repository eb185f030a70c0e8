"""Screen one call against a running server, as a facility phone system would.

    python examples/screen_call.py --facility LP-CIPINANG --inmate A-001 --number "0812-3456-7890"

With TLS: --ca (the CA that signed the server's certificate), and for
mutual TLS --cert and --key (this client's certificate and key). A client
known by a bearer token: --token, or SCREENING_TOKEN in the environment
(kept out of the process list and shell history).
"""

import argparse
import os
import sys
import uuid

import grpc
from google.protobuf import json_format

from screening.v1 import screening_pb2, screening_pb2_grpc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:50051", help="server HOST:PORT")
    # Each call attempt needs its own id: the server answers a repeated id
    # (a retry) with the answer it gave the first time.
    parser.add_argument("--call-id", default=f"example-{uuid.uuid4().hex[:12]}")
    parser.add_argument("--facility", required=True)
    parser.add_argument("--inmate", required=True)
    parser.add_argument("--number", required=True)
    parser.add_argument("--name", default="", help="called party name")
    parser.add_argument("--ca", help="PEM CA bundle to verify the server with (TLS)")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM client private key (mutual TLS)")
    parser.add_argument("--token", default=os.environ.get("SCREENING_TOKEN"),
                        help="bearer token of this client (default: $SCREENING_TOKEN)")
    args = parser.parse_args()
    request = screening_pb2.ScreenCallRequest(call_id=args.call_id, facility_id=args.facility,
                                              inmate_id=args.inmate, dialed_number=args.number,
                                              called_party_name=args.name)
    with channel_to(args) as channel:
        stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
        try:
            # A real phone system sets a deadline and fails closed (denies) on error.
            metadata = (("authorization", f"Bearer {args.token}"),) if args.token else ()
            response = stub.ScreenCall(request, timeout=2, metadata=metadata)
        except grpc.RpcError as error:
            print(f"{error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    print(json_format.MessageToJson(response, always_print_fields_with_no_presence=True))
    return 0


def channel_to(args) -> grpc.Channel:
    if not (args.ca or args.cert):
        return grpc.insecure_channel(args.target)
    read = lambda path: open(path, "rb").read() if path else None  # noqa: E731
    credentials = grpc.ssl_channel_credentials(read(args.ca), read(args.key), read(args.cert))
    return grpc.secure_channel(args.target, credentials)


if __name__ == "__main__":
    sys.exit(main())
