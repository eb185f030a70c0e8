"""The CallScreeningService: protobuf in, one call to the screener, protobuf out.

Errors are not handled here; api/interceptors.py maps them to status codes.
"""

from __future__ import annotations

import threading

import grpc

from screening.adapters.grpc.convert import event_to_proto, request_from_proto, screening_to_proto
from screening.service.feed import DecisionFeed, feed_filter
from screening.v1 import screening_pb2_grpc

# A console cut off for falling behind is told so once gRPC can send again;
# one that has stopped reading altogether is cancelled this long after, so
# its worker thread is free again.
STALLED_SECONDS = 10.0


class CallScreeningServicer(screening_pb2_grpc.CallScreeningServiceServicer):
    def __init__(self, screener, feed: DecisionFeed | None = None):
        """screener: anything with .screen(ScreenRequest) -> Screening; feed: the monitoring feed."""
        self._screener = screener
        self._feed = feed

    def ScreenCall(self, request, context):
        return screening_to_proto(self._screener.screen(request_from_proto(request)))

    def WatchDecisions(self, request, context):
        if self._feed is None:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "this server has no monitoring feed")
        wanted = feed_filter(request.facility_ids, request.decisions, request.reasons)
        subscription = self._feed.subscribe(wanted, request.after_sequence)
        subscription.on_cut_off = lambda: _cancel_later(context)
        if not context.add_callback(subscription.close):  # the console went away: its stream ends
            subscription.close()
        try:
            for event in subscription:
                yield event_to_proto(event)
        finally:
            subscription.close()


def _cancel_later(context) -> None:
    timer = threading.Timer(STALLED_SECONDS, context.cancel)  # a no-op once the stream has ended
    timer.daemon = True
    timer.start()
