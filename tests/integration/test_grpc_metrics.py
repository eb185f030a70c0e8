"""The gRPC server metrics in-process, through a real channel: every status
code the error mapping answers, streams in both directions, the health and
reflection services."""

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import CollectorRegistry

from screening.adapters.grpc.metrics_interceptor import GrpcServerMetrics
from screening.adapters.grpc.server import SERVICE_NAME, GrpcServer
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot
from screening.domain.policy import build_policy_set
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

SCREEN = {"grpc_type": "unary", "grpc_service": SERVICE_NAME, "grpc_method": "ScreenCall"}
HEALTH_WATCH = {"grpc_type": "server_stream", "grpc_service": "grpc.health.v1.Health", "grpc_method": "Watch"}
REFLECTION = {"grpc_type": "bidi_stream", "grpc_service": "grpc.reflection.v1alpha.ServerReflection",
              "grpc_method": "ServerReflectionInfo"}


class Screener:
    """The engine, or a bug, or lists not loaded yet: chosen by the call's station."""

    def __init__(self):
        snapshot = ListSnapshot(5, Allowlist([("A-1", 6281234567890, 9, "")]))
        self.ready, self.empty = ScreeningEngine(build_policy_set(), snapshot), ScreeningEngine(build_policy_set())

    def screen(self, request):
        if request.station_id == "bug":
            raise ZeroDivisionError("a bug")
        return (self.empty if request.station_id == "loading" else self.ready).screen(request)


@pytest.fixture
def served():
    registry = CollectorRegistry()
    server = GrpcServer(Screener(), workers=4, metrics=GrpcServerMetrics(registry))
    port = server.bind("127.0.0.1:0")
    server.start()
    server.set_serving(True)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield registry, channel
    channel.close()
    server.stop(0)


def value(registry, name, labels, **more):
    return registry.get_sample_value(name, {**labels, **more})


def screen(channel, **fields):
    values = dict(call_id="c-1", facility_id="LP-A", inmate_id="A-1", dialed_number="0812-3456-7890")
    values.update(fields)
    stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
    try:
        stub.ScreenCall(pb.ScreenCallRequest(**values), timeout=5)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()


def test_each_status_code_is_counted_as_the_client_got_it(served):
    registry, channel = served
    codes = [screen(channel, call_id=f"ok-{n}") for n in range(3)]
    codes += [screen(channel, call_id="")] * 1 + [screen(channel, dialed_number="call me")]
    codes += [screen(channel, station_id="loading"), screen(channel, station_id="bug")]
    assert codes == [grpc.StatusCode.OK] * 3 + [grpc.StatusCode.INVALID_ARGUMENT] * 2 + [
        grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL]
    assert value(registry, "grpc_server_started_total", SCREEN) == 7
    for code, count in (("OK", 3), ("INVALID_ARGUMENT", 2), ("UNAVAILABLE", 1), ("INTERNAL", 1), ("UNKNOWN", 0)):
        assert value(registry, "grpc_server_handled_total", SCREEN, grpc_code=code) == count, code
    assert value(registry, "grpc_server_handling_seconds_count", SCREEN) == 7
    assert value(registry, "grpc_server_msg_received_total", SCREEN) == 7
    assert value(registry, "grpc_server_msg_sent_total", SCREEN) == 3  # answers; errors send none


def test_a_method_is_at_zero_before_its_first_call(served):
    registry, _ = served
    assert value(registry, "grpc_server_started_total", SCREEN) == 0
    assert value(registry, "grpc_server_handled_total", SCREEN, grpc_code="UNAVAILABLE") == 0


def test_a_server_stream_the_client_leaves_is_cancelled(served):
    registry, channel = served
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    watch = health.Watch(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    assert value(registry, "grpc_server_started_total", HEALTH_WATCH) == 1
    assert value(registry, "grpc_server_handled_total", HEALTH_WATCH, grpc_code="CANCELLED") is None  # still open
    watch.cancel()
    deadline = time.monotonic() + 10  # the server learns of it on its own thread
    while value(registry, "grpc_server_handled_total", HEALTH_WATCH, grpc_code="CANCELLED") is None:
        assert time.monotonic() < deadline, "the cancelled stream was never counted"
        time.sleep(0.02)
    assert value(registry, "grpc_server_msg_sent_total", HEALTH_WATCH) >= 1
    assert value(registry, "grpc_server_handling_seconds_count", HEALTH_WATCH) == 1
    check = {"grpc_type": "unary", "grpc_service": "grpc.health.v1.Health", "grpc_method": "Check"}
    assert value(registry, "grpc_server_handled_total", check, grpc_code="OK") == 1


def test_a_bidi_stream_counts_messages_both_ways(served):
    registry, channel = served
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [reflection_pb2.ServerReflectionRequest(list_services=""),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME)]
    answers = list(stub.ServerReflectionInfo(iter(requests), timeout=5))
    assert len(answers) == 2
    assert value(registry, "grpc_server_handled_total", REFLECTION, grpc_code="OK") == 1
    assert value(registry, "grpc_server_msg_received_total", REFLECTION) == 2
    assert value(registry, "grpc_server_msg_sent_total", REFLECTION) == 2
