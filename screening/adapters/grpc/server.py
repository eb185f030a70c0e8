"""The gRPC server: screening service, standard health service, reflection."""

from __future__ import annotations

from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from screening.adapters.grpc.interceptors import ErrorMappingInterceptor
from screening.adapters.grpc.metrics_interceptor import GrpcServerMetrics, MetricsInterceptor
from screening.adapters.grpc.servicer import CallScreeningServicer
from screening.adapters.listening import check_can_listen
from screening.v1 import screening_pb2, screening_pb2_grpc

SERVICE_NAME = screening_pb2.DESCRIPTOR.services_by_name["CallScreeningService"].full_name

_OPTIONS = [
    # Requests are a few hundred bytes; refuse anything absurd early.
    ("grpc.max_receive_message_length", 64 * 1024),
    # Two servers on one port would split traffic silently; fail to bind instead.
    ("grpc.so_reuseport", 0),
    # Phone systems keep one channel open for days; let their keepalives through.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
]


class GrpcServer:
    def __init__(self, screener, workers: int, feed=None, metrics: GrpcServerMetrics | None = None,
                 auth: grpc.ServerInterceptor | None = None):
        """feed: the monitoring feed (service.feed.DecisionFeed) WatchDecisions serves;
        auth: who may ask (auth.AuthInterceptor), before anything else looks at a call."""
        self.health = health.HealthServicer(experimental_non_blocking=True)
        # The metrics outermost: they count the code the error mapping answered.
        interceptors = [ErrorMappingInterceptor()]
        if auth is not None:
            interceptors.insert(0, auth)
        if metrics is not None:
            interceptors.insert(0, MetricsInterceptor(metrics))
            metrics.initialize(screening_pb2.DESCRIPTOR.services_by_name["CallScreeningService"])
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
            interceptors=interceptors,
            options=_OPTIONS,
        )
        screening_pb2_grpc.add_CallScreeningServiceServicer_to_server(CallScreeningServicer(screener, feed),
                                                                       self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server
        )
        self.set_serving(False)

    def bind(self, address: str, credentials: grpc.ServerCredentials | None = None) -> int:
        """Listen on HOST:PORT (port 0 picks a free one), with TLS when given
        credentials; returns the port. A port that cannot be had is one
        OSError naming the address and why (adapters/listening.py)."""
        check_can_listen(address)
        try:
            if credentials is None:
                port = self._server.add_insecure_port(address)
            else:
                port = self._server.add_secure_port(address, credentials)
        except RuntimeError:
            port = 0  # its message is only "Failed to bind to address ..."
        if port == 0:
            raise OSError(f"cannot listen on {address}: gRPC could not bind it (GRPC_VERBOSITY=debug tells why)")
        return port

    def start(self) -> None:
        self._server.start()

    def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for service in ("", SERVICE_NAME):
            self.health.set(service, status)

    def set_detail(self, component: str, serving: bool) -> None:
        """The health of one part, under its own name (e.g. "screening.decision_log"):
        operators and probes can ask for it; load balancers ask for "" only."""
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        self.health.set(component, status)

    def stop(self, grace: float) -> None:
        """NOT_SERVING first, so balancers move away, then drain calls in flight."""
        self.health.enter_graceful_shutdown()
        self._server.stop(grace).wait()
