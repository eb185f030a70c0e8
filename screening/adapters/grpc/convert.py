"""Translation between the wire (screening.v1 protobuf) and the domain."""

from __future__ import annotations

from datetime import UTC

from google.protobuf.timestamp_pb2 import Timestamp

from screening.domain.errors import FieldViolation, InvalidRequest
from screening.domain.model import ScreenRequest, Screening
from screening.service.feed import FeedEvent
from screening.v1 import screening_pb2 as pb


def request_from_proto(message: pb.ScreenCallRequest) -> ScreenRequest:
    requested_at = _requested_at(message) if message.HasField("requested_at") else None
    return ScreenRequest(
        call_id=message.call_id,
        facility_id=message.facility_id,
        inmate_id=message.inmate_id,
        dialed_number=message.dialed_number,
        station_id=message.station_id,
        called_party_name=message.called_party_name,
        requested_at=requested_at,
    )


def _requested_at(message: pb.ScreenCallRequest):
    try:
        return message.requested_at.ToDatetime(tzinfo=UTC)
    except ValueError as error:  # seconds beyond year 1..9999, nanos out of range
        raise InvalidRequest([FieldViolation("requested_at", str(error))]) from None


def screening_to_proto(screening: Screening) -> pb.ScreenCallResponse:
    # Domain enums carry the wire values (tests/unit/test_convert.py keeps them equal).
    return pb.ScreenCallResponse(
        call_id=screening.call_id,
        decision=int(screening.decision),
        findings=[
            pb.Finding(reason=int(f.reason), detail=f.detail, entry_id=f.entry_id, score=f.score,
                       effect=int(f.effect))
            for f in screening.findings
        ],
        normalized_number=screening.normalized_number,
        number_type=int(screening.number_type),
        number_region=screening.number_region,
        record=screening.record,
        max_duration_seconds=screening.max_duration_seconds,
        list_version=screening.list_version,
    )


def request_to_proto(request: ScreenRequest) -> pb.ScreenCallRequest:
    message = pb.ScreenCallRequest(
        call_id=request.call_id,
        facility_id=request.facility_id,
        inmate_id=request.inmate_id,
        dialed_number=request.dialed_number,
        station_id=request.station_id,
        called_party_name=request.called_party_name,
    )
    if request.requested_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(request.requested_at)
        message.requested_at.CopyFrom(stamp)
    return message


def event_to_proto(event: FeedEvent) -> pb.DecisionEvent:
    """A feed event as sent; the feed has already taken a privileged call's number and name out."""
    return pb.DecisionEvent(
        sequence=event.sequence,
        request=request_to_proto(event.request),
        response=screening_to_proto(event.screening),
        alerts=[pb.Alert(id=a.id, kind=a.kind.label, value=a.value, note=a.note) for a in event.alerts],
    )
