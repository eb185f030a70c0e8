"""Maps domain errors to gRPC status codes, in one place for every method.

A bad request gets INVALID_ARGUMENT with a google.rpc.BadRequest naming each
bad field; lists not loaded yet, or a decision log that cannot record the
answer, gets UNAVAILABLE (retry, elsewhere or later); anything else is
logged with its traceback and answered INTERNAL without details, and the
server keeps serving.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from screening.adapters.json_logs import CALL_ID
from screening.domain.errors import InvalidRequest, ListsNotLoaded
from screening.service.ports import LogUnavailable

log = logging.getLogger(__name__)


class ErrorMappingInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behaviour = handler.unary_unary
        method = handler_call_details.method

        def guarded(request, context):
            # Every line logged while this call is answered says which call.
            token = CALL_ID.set(getattr(request, "call_id", None))
            try:
                return behaviour(request, context)
            except InvalidRequest as error:
                context.abort_with_status(rpc_status.to_status(_bad_request(error)))
            except (ListsNotLoaded, LogUnavailable) as error:
                context.abort(grpc.StatusCode.UNAVAILABLE, str(error))
            except Exception:
                # abort() raises an exception of grpc's own; let it through.
                if context.code() not in (None, grpc.StatusCode.OK):
                    raise
                log.exception("unhandled error in %s", method)
                context.abort(grpc.StatusCode.INTERNAL, "internal error")
            finally:
                CALL_ID.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _bad_request(error: InvalidRequest) -> status_pb2.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
        for v in error.violations
    ]))
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(error), details=[detail])
