"""Fuzzing ScreenCall on an in-process server with the real screener and a
real SQLite decision log: random field values and random bytes never crash
it, never answer INTERNAL or UNKNOWN, and every INVALID_ARGUMENT names the
field at fault."""

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from hypothesis import example, given
from hypothesis import strategies as st

from screening.adapters.grpc.server import GrpcServer
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.service.screener import CallScreener
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

from decision_calls import engine
from fuzzing import fuzz_settings

FIELDS = ("call_id", "facility_id", "inmate_id", "dialed_number", "station_id", "called_party_name")
GOOD = dict(call_id="good", facility_id="LP-A", inmate_id="A-1", dialed_number="+6281234567890")
METHOD = "/screening.v1.CallScreeningService/ScreenCall"


@pytest.fixture(scope="module")
def channel(tmp_path_factory):
    log = SqliteDecisionLog(tmp_path_factory.mktemp("fuzz") / "decisions.db")
    server = GrpcServer(CallScreener.resume(engine(), log, 600), workers=4)
    port = server.bind("127.0.0.1:0")
    server.start()
    server.set_serving(True)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield channel
    channel.close()
    server.stop(0)
    log.close()


digits = st.sampled_from("0123456789")
# Numbers of every shape: E.164 and national forms, separators, other scripts' digits, signs, exponents.
numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.lists(st.one_of(digits, st.sampled_from(" -.()+/*#x,;"), st.sampled_from("٠١٢٣٤٥٦٧٨٩０１２３４５６７８９")),
             max_size=40).map("".join),
    st.builds(lambda p, n: p + n, st.sampled_from(["", "+", "+62", "0", "62", "00", "+620", "08"]),
              st.text(alphabet="0123456789", max_size=30)),
)
texts = st.one_of(
    st.just(""),
    st.text(max_size=80),
    st.text(min_size=60, max_size=3000),  # over every limit
    st.binary(max_size=200).map(lambda raw: raw.decode("utf-8", "replace")),
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
    numbers,
)


def timestamps():
    return st.one_of(st.none(), st.builds(lambda s, n: Timestamp(seconds=s, nanos=n),
                                          st.integers(-2**63, 2**63 - 1), st.integers(-2**31, 2**31 - 1)))


def screen(channel, request):
    return screening_pb2_grpc.CallScreeningServiceStub(channel).ScreenCall(request, timeout=10)


def refused_fields(error: grpc.RpcError) -> set[str]:
    """The fields an INVALID_ARGUMENT (or ALREADY_EXISTS) names, from its BadRequest details."""
    status = rpc_status.from_call(error)
    named = set()
    for detail in status.details if status else ():
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            named |= {v.field for v in bad_request.field_violations}
    return named


def check_answer(channel, request) -> None:
    try:
        screen(channel, request)
    except grpc.RpcError as error:
        # ALREADY_EXISTS: a call_id drawn again for another call (a refusal that names its fields too).
        assert error.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS), (
            error.code(), error.details())
        named = refused_fields(error)
        assert named and named <= {*FIELDS, "requested_at"}, (named, error.details())
        assert all(field in error.details() for field in named)


@fuzz_settings(150)
@given(values=st.fixed_dictionaries({name: texts for name in FIELDS}), requested_at=timestamps())
@example(values=dict(GOOD, dialed_number="1" * 5000), requested_at=None)
@example(values=dict(GOOD), requested_at=Timestamp(seconds=2**62))  # far beyond year 9999
@example(values=dict(GOOD), requested_at=Timestamp(seconds=0, nanos=-1))
def test_random_fields_are_answered_or_refused_by_name(channel, values, requested_at):
    request = pb.ScreenCallRequest(**values)
    if requested_at is not None:
        request.requested_at.CopyFrom(requested_at)
    check_answer(channel, request)
    assert screen(channel, pb.ScreenCallRequest(**GOOD)).call_id == "good"  # and it goes on


@fuzz_settings(150)
@given(raw=st.one_of(st.binary(max_size=300), st.builds(lambda good, junk: good + junk, st.sampled_from(
    [pb.ScreenCallRequest(**GOOD).SerializeToString()]), st.binary(max_size=50))))
@example(raw=b"\x0a\x02\xff\xfe")  # call_id: two bytes that are not UTF-8
@example(raw=b"\x0a\xff\xff\xff\xff\x0f")  # a length beyond the message
@example(raw=b"")
def test_random_bytes_are_a_decision_or_invalid_argument(channel, raw):
    call = channel.unary_unary(METHOD, request_serializer=None, response_deserializer=None)
    try:
        call(raw, timeout=10)
    except grpc.RpcError as error:
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
        assert refused_fields(error) or "request" in error.details()
    assert screen(channel, pb.ScreenCallRequest(**GOOD)).call_id == "good"


def test_the_crashes_fuzzing_found_are_refused_by_name(channel):
    """Both were INTERNAL: a requested_at outside years 1-9999 (protobuf's
    ToDatetime raised ValueError), and a body that is not a ScreenCallRequest
    (gRPC answers a deserializer's exception with INTERNAL)."""
    request = pb.ScreenCallRequest(**GOOD)
    request.requested_at.CopyFrom(Timestamp(seconds=2**62))
    with pytest.raises(grpc.RpcError) as caught:
        screen(channel, request)
    assert (caught.value.code(), refused_fields(caught.value)) == (grpc.StatusCode.INVALID_ARGUMENT, {"requested_at"})
    with pytest.raises(grpc.RpcError) as caught:
        channel.unary_unary(METHOD)(b"\x0a\x02\xff\xfe", timeout=10)
    assert (caught.value.code(), refused_fields(caught.value)) == (grpc.StatusCode.INVALID_ARGUMENT, {"request"})
    assert "String field had bad UTF-8" in caught.value.details()
