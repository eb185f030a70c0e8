"""Maps domain errors to gRPC status codes, in one place for every method.

A bad request gets INVALID_ARGUMENT with a google.rpc.BadRequest naming each
bad field; lists not loaded yet, or a decision log that cannot record the
answer, gets UNAVAILABLE (retry, elsewhere or later); a call_id used before
for another call gets ALREADY_EXISTS with a google.rpc.BadRequest naming the
fields that differ (never their values); the monitoring feed's
errors get OUT_OF_RANGE, RESOURCE_EXHAUSTED or UNAVAILABLE (_FEED_CODES);
anything else is logged with its traceback and answered INTERNAL without
details, and the server keeps serving.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from screening.adapters.json_logs import CALL_ID
from screening.domain.errors import FieldViolation, InvalidRequest, ListsNotLoaded
from screening.service.feed import CursorOutOfRange, FeedClosed, FeedError, FellBehind, TooManyWatchers
from screening.service.call_prints import CallIdConflict
from screening.service.ports import LogUnavailable

log = logging.getLogger(__name__)


class ErrorMappingInterceptor(grpc.ServerInterceptor):
    """Wraps unary calls (ScreenCall) and server streams (WatchDecisions) alike."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        if handler.unary_unary is not None:
            behaviour = handler.unary_unary

            def guarded(request, context):
                # Every line logged while this call is answered says which call.
                token = CALL_ID.set(getattr(request, "call_id", None))
                try:
                    return behaviour(_decoded(request), context)
                except Exception as error:
                    _abort(error, context, method)
                finally:
                    CALL_ID.reset(token)

            wrap = grpc.unary_unary_rpc_method_handler
        elif handler.unary_stream is not None:
            streaming = handler.unary_stream

            def guarded(request, context):
                try:
                    yield from streaming(_decoded(request), context)
                except Exception as error:
                    _abort(error, context, method)

            wrap = grpc.unary_stream_rpc_method_handler
        else:
            return handler
        return wrap(guarded, request_deserializer=_lenient(handler.request_deserializer),
                    response_serializer=handler.response_serializer)


class _Undecodable:
    """A request body that is not the method's message (bad UTF-8 in a string,
    corrupt wire format). gRPC would answer a deserializer's exception with
    INTERNAL; kept as this instead, it is answered INVALID_ARGUMENT."""

    def __init__(self, error: Exception):
        self.error = error


def _lenient(deserializer):
    if deserializer is None:
        return None

    def deserialize(raw: bytes):
        try:
            return deserializer(raw)
        except Exception as error:  # protobuf's DecodeError, or whatever a parser raises
            return _Undecodable(error)

    return deserialize


def _decoded(request):
    if isinstance(request, _Undecodable):
        raise InvalidRequest([FieldViolation("request", f"cannot be decoded: {request.error}")])
    return request


# The monitoring feed's errors (service.feed) and the code each gets.
_FEED_CODES = {
    CursorOutOfRange: grpc.StatusCode.OUT_OF_RANGE,  # resume with 0
    TooManyWatchers: grpc.StatusCode.RESOURCE_EXHAUSTED,  # try later, or another replica
    FellBehind: grpc.StatusCode.RESOURCE_EXHAUSTED,  # resume from the cursor named
    FeedClosed: grpc.StatusCode.UNAVAILABLE,  # the server is stopping
}


def _abort(error: Exception, context, method: str) -> None:
    """End the call with the status the error means; always raises."""
    if isinstance(error, InvalidRequest):
        context.abort_with_status(rpc_status.to_status(_bad_request(error)))
    if isinstance(error, CallIdConflict):
        context.abort_with_status(rpc_status.to_status(_conflict(error)))
    if isinstance(error, (ListsNotLoaded, LogUnavailable)):
        context.abort(grpc.StatusCode.UNAVAILABLE, str(error))
    if isinstance(error, FeedError):
        context.abort(_FEED_CODES.get(type(error), grpc.StatusCode.UNAVAILABLE), str(error))
    # abort() raises an exception of grpc's own; let it through.
    if context.code() not in (None, grpc.StatusCode.OK):
        raise error
    log.exception("unhandled error in %s", method, exc_info=error)
    context.abort(grpc.StatusCode.INTERNAL, "internal error")


def _bad_request(error: InvalidRequest) -> status_pb2.Status:
    violations = [(v.field, v.description) for v in error.violations]
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(error), details=[_violations(violations)])


def _conflict(error: CallIdConflict) -> status_pb2.Status:
    violations = [(field, f"not the {field} of the call this call_id was used for before") for field in error.fields]
    return status_pb2.Status(code=code_pb2.ALREADY_EXISTS, message=str(error), details=[_violations(violations)])


def _violations(violations: list[tuple[str, str]]) -> any_pb2.Any:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=field, description=description)
        for field, description in violations
    ]))
    return detail
