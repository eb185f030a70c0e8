"""The gRPC adapter in-process, through a real channel: translation, error
mapping, health and reflection."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from screening.adapters.grpc.server import SERVICE_NAME, GrpcServer
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot
from screening.domain.policy import build_policy_set
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc


class Exploding:
    """A screener with a bug in it."""

    def screen(self, request):
        raise ZeroDivisionError("a bug")


@pytest.fixture
def serve():
    servers = []

    def start(screener):
        server = GrpcServer(screener, workers=4)
        port = server.bind("127.0.0.1:0")
        server.start()
        servers.append(server)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        return server, channel

    yield start
    for server in servers:
        server.stop(0)


def engine():
    snapshot = ListSnapshot(5, Allowlist([("A-1", 6281234567890, 9, "")]))
    return ScreeningEngine(build_policy_set(), snapshot)


def call(channel, **fields):
    values = dict(call_id="c-1", facility_id="LP-A", inmate_id="A-1", dialed_number="0812-3456-7890")
    values.update(fields)
    return screening_pb2_grpc.CallScreeningServiceStub(channel).ScreenCall(pb.ScreenCallRequest(**values), timeout=5)


def test_screen_call_answers_from_the_engine(serve):
    _, channel = serve(engine())
    answer = call(channel)
    assert answer.decision == pb.DECISION_ALLOW
    assert answer.findings[0].entry_id == "allowlist:9"
    assert answer.list_version == 5


def test_bad_request_is_invalid_argument_naming_each_field(serve):
    _, channel = serve(engine())
    with pytest.raises(grpc.RpcError) as caught:
        call(channel, call_id="", inmate_id="x" * 65, dialed_number="call 0812")
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert {v.field: v.description for v in bad_request.field_violations} == {
        "call_id": "is required",
        "inmate_id": "is longer than 64 characters",
        "dialed_number": "contains 'c', which is not part of a phone number",
    }
    assert call(channel).decision == pb.DECISION_ALLOW  # and the server goes on


def test_lists_not_loaded_is_unavailable(serve):
    _, channel = serve(ScreeningEngine(build_policy_set()))
    with pytest.raises(grpc.RpcError) as caught:
        call(channel)
    assert caught.value.code() is grpc.StatusCode.UNAVAILABLE


def test_a_bug_is_internal_without_details_and_the_server_survives(serve, caplog):
    _, channel = serve(Exploding())
    for _ in range(3):
        with pytest.raises(grpc.RpcError) as caught:
            call(channel)
        assert caught.value.code() is grpc.StatusCode.INTERNAL
        assert caught.value.details() == "internal error"
    assert "ZeroDivisionError" in caplog.text


def test_health_follows_serving_state(serve):
    server, channel = serve(engine())
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", SERVICE_NAME):
        assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == \
            health_pb2.HealthCheckResponse.NOT_SERVING
    server.set_serving(True)
    for service in ("", SERVICE_NAME):
        assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == \
            health_pb2.HealthCheckResponse.SERVING


def test_oversized_messages_are_refused(serve):
    _, channel = serve(engine())
    with pytest.raises(grpc.RpcError) as caught:
        call(channel, called_party_name="x" * 100_000)
    assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
