"""The standard gRPC server metrics, from one interceptor, for every service.

Names and labels are go-grpc-prometheus's (and py-grpc-prometheus's), the
ones stock Grafana dashboards query: grpc_server_started_total,
grpc_server_handled_total (with grpc_code), grpc_server_handling_seconds,
grpc_server_msg_received_total and grpc_server_msg_sent_total, labelled by
grpc_type (unary, server_stream, client_stream, bidi_stream), grpc_service
and grpc_method. Codes are spelled as grpc.StatusCode names them: OK,
INVALID_ARGUMENT, UNAVAILABLE...

It must be the outermost interceptor: the code it counts is the one the
error mapping (interceptors.py) set, by aborting or by returning.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram

# A ScreenCall takes about a millisecond; a WatchDecisions stream lasts hours.
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600)
_LABELS = ("grpc_type", "grpc_service", "grpc_method")


def grpc_type(request_streaming: bool, response_streaming: bool) -> str:
    if request_streaming:
        return "bidi_stream" if response_streaming else "client_stream"
    return "server_stream" if response_streaming else "unary"


class GrpcServerMetrics:
    """The metric families, in the registry /metrics serves."""

    def __init__(self, registry: CollectorRegistry):
        self.started = Counter("grpc_server_started_total", "Total number of RPCs started on the server.",
                               _LABELS, registry=registry)
        self.handled = Counter("grpc_server_handled_total",
                               "Total number of RPCs completed on the server, regardless of success or failure.",
                               (*_LABELS, "grpc_code"), registry=registry)
        self.handling = Histogram("grpc_server_handling_seconds",
                                  "Histogram of response latency (seconds) of gRPC that had been application-level "
                                  "handled by the server.", _LABELS, buckets=_BUCKETS, registry=registry)
        self.received = Counter("grpc_server_msg_received_total",
                                "Total number of RPC stream messages received on the server.", _LABELS,
                                registry=registry)
        self.sent = Counter("grpc_server_msg_sent_total", "Total number of gRPC stream messages sent by the server.",
                            _LABELS, registry=registry)
        self._methods: dict[str, _Method] = {}

    def method(self, full_method: str, kind: str) -> _Method:
        """The label children of one method, bound on its first call: .labels()
        on every call would cost more than the counting."""
        bound = self._methods.get(full_method)
        if bound is None:
            service, _, name = full_method.lstrip("/").rpartition("/")
            bound = self._methods.setdefault(full_method, _Method(self, (kind, service, name)))
        return bound

    def initialize(self, service_descriptor) -> None:
        """Every method of a service at zero, every code too (as go-grpc-prometheus's
        InitializeMetrics does): an alert on increase() sees the first error."""
        for method in service_descriptor.methods:
            kind = grpc_type(method.client_streaming, method.server_streaming)
            bound = self.method(f"/{service_descriptor.full_name}/{method.name}", kind)
            for code in grpc.StatusCode:
                bound.handled(code)


class _Method:
    __slots__ = ("_family", "_labels", "_codes", "started", "observe", "received", "sent")

    def __init__(self, metrics: GrpcServerMetrics, labels: tuple[str, str, str]):
        self._family, self._labels = metrics.handled, labels
        self._codes: dict[grpc.StatusCode, Counter] = {}
        self.started = metrics.started.labels(*labels).inc
        self.observe = metrics.handling.labels(*labels).observe
        self.received = metrics.received.labels(*labels).inc
        self.sent = metrics.sent.labels(*labels).inc

    def handled(self, code: grpc.StatusCode) -> Counter:
        child = self._codes.get(code)
        if child is None:
            child = self._codes.setdefault(code, self._family.labels(*self._labels, code.name))
        return child


class MetricsInterceptor(grpc.ServerInterceptor):
    def __init__(self, metrics: GrpcServerMetrics):
        self._metrics = metrics

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:  # no such method: gRPC answers UNIMPLEMENTED; not a label to grow on
            return handler
        streams_in, streams_out = handler.request_streaming, handler.response_streaming
        method = self._metrics.method(handler_call_details.method, grpc_type(streams_in, streams_out))
        if streams_out:
            behaviour = handler.stream_stream if streams_in else handler.unary_stream
            wrapped = _streaming(behaviour, method, streams_in)
        else:
            behaviour = handler.stream_unary if streams_in else handler.unary_unary
            wrapped = _single(behaviour, method, streams_in)
        make = _MAKERS[streams_in, streams_out]
        return make(wrapped, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)


_MAKERS = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def _single(behaviour, method: _Method, streams_in: bool):
    def measured(request, context):
        started = _begin(method, streams_in)
        try:
            response = behaviour(_counted(request, method) if streams_in else request, context)
        except BaseException:
            # context.abort() raises; the code it set is the answer, else gRPC's UNKNOWN.
            _done(method, context.code() or grpc.StatusCode.UNKNOWN, started)
            raise
        code = context.code() or grpc.StatusCode.OK
        if code is grpc.StatusCode.OK:
            method.sent()
        _done(method, code, started)
        return response

    return measured


def _streaming(behaviour, method: _Method, streams_in: bool):
    def measured(request, context):
        started = _begin(method, streams_in)
        code = grpc.StatusCode.UNKNOWN
        try:
            for message in behaviour(_counted(request, method) if streams_in else request, context):
                # Counted when handed to gRPC: after the yield would wait for
                # gRPC to ask for the next one, which a held-open stream
                # (health Watch) may never do.
                method.sent()
                yield message
            # A stream that ended because its client left (health Watch does) was cancelled.
            code = context.code() or (grpc.StatusCode.OK if context.is_active() else grpc.StatusCode.CANCELLED)
        except GeneratorExit:
            # gRPC dropped the stream: the client went away (or the server stops).
            code = grpc.StatusCode.CANCELLED
            raise
        except BaseException:
            code = context.code() or grpc.StatusCode.UNKNOWN
            raise
        finally:
            _done(method, code, started)

    return measured


def _begin(method: _Method, streams_in: bool) -> float:
    method.started()
    if not streams_in:  # a stream's requests are counted as they come (_counted)
        method.received()
    return time.perf_counter()


def _counted(requests: Iterable, method: _Method):
    for request in requests:
        method.received()
        yield request


def _done(method: _Method, code: grpc.StatusCode, started: float) -> None:
    method.handled(code).inc()
    method.observe(time.perf_counter() - started)
