"""The wire enums and the domain enums must stay the same list of values."""

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from snapshots import engine_for, make_snapshot, request

from screening.adapters.grpc.convert import request_from_proto, screening_to_proto
from screening.domain.model import Decision, NumberType, Reason
from screening.v1 import screening_pb2 as pb


@pytest.mark.parametrize("domain, wire, prefix", [
    (Decision, pb.Decision, "DECISION_"),
    (Reason, pb.Reason, "REASON_"),
    (NumberType, pb.NumberType, "NUMBER_TYPE_"),
])
def test_domain_enums_equal_wire_enums(domain, wire, prefix):
    assert {prefix + m.name: m.value for m in domain} == dict(wire.items())


def test_request_from_proto_keeps_every_field():
    stamp = Timestamp()
    stamp.FromDatetime(datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC))
    message = pb.ScreenCallRequest(call_id="c", facility_id="f", inmate_id="i", dialed_number="0812",
                                   station_id="s", called_party_name="Ibu Siti", requested_at=stamp)
    converted = request_from_proto(message)
    assert (converted.call_id, converted.facility_id, converted.inmate_id, converted.dialed_number,
            converted.station_id, converted.called_party_name) == ("c", "f", "i", "0812", "s", "Ibu Siti")
    assert converted.requested_at == datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC)
    assert request_from_proto(pb.ScreenCallRequest()).requested_at is None


def test_screening_to_proto_keeps_every_field():
    lists = make_snapshot(version=42, privileged=["(021) 555-1234"])
    screening = engine_for(lists).screen(request("021 555 1234", call_id="x-1"))
    message = screening_to_proto(screening)
    assert message.call_id == "x-1"
    assert message.decision == pb.DECISION_ALLOW
    assert message.record is False
    assert message.normalized_number == "+62215551234"
    assert message.number_type == pb.NUMBER_TYPE_FIXED_LINE
    assert message.number_region == "ID"
    assert message.list_version == 42
    assert message.max_duration_seconds == 3600
    [finding] = message.findings
    assert (finding.reason, finding.effect, finding.entry_id, finding.score) == (
        pb.REASON_PRIVILEGED, pb.DECISION_ALLOW, "privileged:1", 1.0)
    assert "privileged" in finding.detail
