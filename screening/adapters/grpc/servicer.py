"""The CallScreeningService: protobuf in, one call to the screener, protobuf out.

Errors are not handled here; api/interceptors.py maps them to status codes.
"""

from __future__ import annotations

from screening.adapters.grpc.convert import request_from_proto, screening_to_proto
from screening.v1 import screening_pb2_grpc


class CallScreeningServicer(screening_pb2_grpc.CallScreeningServiceServicer):
    def __init__(self, screener):
        """screener: anything with .screen(ScreenRequest) -> Screening."""
        self._screener = screener

    def ScreenCall(self, request, context):
        return screening_to_proto(self._screener.screen(request_from_proto(request)))
