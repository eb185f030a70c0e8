import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_ALLOW: _ClassVar[Decision]
    DECISION_REVIEW: _ClassVar[Decision]
    DECISION_DENY: _ClassVar[Decision]

class Reason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_UNSPECIFIED: _ClassVar[Reason]
    REASON_INVALID_NUMBER: _ClassVar[Reason]
    REASON_NOT_ON_ALLOWLIST: _ClassVar[Reason]
    REASON_ALLOWLISTED: _ClassVar[Reason]
    REASON_PRIVILEGED: _ClassVar[Reason]
    REASON_BLOCKED_NUMBER: _ClassVar[Reason]
    REASON_BLOCKED_PATTERN: _ClassVar[Reason]
    REASON_NUMBER_TYPE: _ClassVar[Reason]
    REASON_NEAR_BLOCKED_NUMBER: _ClassVar[Reason]
    REASON_VELOCITY: _ClassVar[Reason]
    REASON_SEQUENTIAL_DIALING: _ClassVar[Reason]
    REASON_SHARED_NUMBER: _ClassVar[Reason]
    REASON_OUTSIDE_HOURS: _ClassVar[Reason]
    REASON_WATCHLIST_MATCH: _ClassVar[Reason]
    REASON_CONTACT_NAME_MISMATCH: _ClassVar[Reason]

class NumberType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NUMBER_TYPE_UNSPECIFIED: _ClassVar[NumberType]
    NUMBER_TYPE_FIXED_LINE: _ClassVar[NumberType]
    NUMBER_TYPE_MOBILE: _ClassVar[NumberType]
    NUMBER_TYPE_FIXED_LINE_OR_MOBILE: _ClassVar[NumberType]
    NUMBER_TYPE_TOLL_FREE: _ClassVar[NumberType]
    NUMBER_TYPE_PREMIUM_RATE: _ClassVar[NumberType]
    NUMBER_TYPE_SHARED_COST: _ClassVar[NumberType]
    NUMBER_TYPE_VOIP: _ClassVar[NumberType]
    NUMBER_TYPE_PERSONAL_NUMBER: _ClassVar[NumberType]
    NUMBER_TYPE_PAGER: _ClassVar[NumberType]
    NUMBER_TYPE_UAN: _ClassVar[NumberType]
    NUMBER_TYPE_VOICEMAIL: _ClassVar[NumberType]
    NUMBER_TYPE_SHORT_CODE: _ClassVar[NumberType]
    NUMBER_TYPE_EMERGENCY: _ClassVar[NumberType]
    NUMBER_TYPE_UNKNOWN: _ClassVar[NumberType]
DECISION_UNSPECIFIED: Decision
DECISION_ALLOW: Decision
DECISION_REVIEW: Decision
DECISION_DENY: Decision
REASON_UNSPECIFIED: Reason
REASON_INVALID_NUMBER: Reason
REASON_NOT_ON_ALLOWLIST: Reason
REASON_ALLOWLISTED: Reason
REASON_PRIVILEGED: Reason
REASON_BLOCKED_NUMBER: Reason
REASON_BLOCKED_PATTERN: Reason
REASON_NUMBER_TYPE: Reason
REASON_NEAR_BLOCKED_NUMBER: Reason
REASON_VELOCITY: Reason
REASON_SEQUENTIAL_DIALING: Reason
REASON_SHARED_NUMBER: Reason
REASON_OUTSIDE_HOURS: Reason
REASON_WATCHLIST_MATCH: Reason
REASON_CONTACT_NAME_MISMATCH: Reason
NUMBER_TYPE_UNSPECIFIED: NumberType
NUMBER_TYPE_FIXED_LINE: NumberType
NUMBER_TYPE_MOBILE: NumberType
NUMBER_TYPE_FIXED_LINE_OR_MOBILE: NumberType
NUMBER_TYPE_TOLL_FREE: NumberType
NUMBER_TYPE_PREMIUM_RATE: NumberType
NUMBER_TYPE_SHARED_COST: NumberType
NUMBER_TYPE_VOIP: NumberType
NUMBER_TYPE_PERSONAL_NUMBER: NumberType
NUMBER_TYPE_PAGER: NumberType
NUMBER_TYPE_UAN: NumberType
NUMBER_TYPE_VOICEMAIL: NumberType
NUMBER_TYPE_SHORT_CODE: NumberType
NUMBER_TYPE_EMERGENCY: NumberType
NUMBER_TYPE_UNKNOWN: NumberType

class ScreenCallRequest(_message.Message):
    __slots__ = ("call_id", "facility_id", "inmate_id", "dialed_number", "station_id", "called_party_name", "requested_at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    FACILITY_ID_FIELD_NUMBER: _ClassVar[int]
    INMATE_ID_FIELD_NUMBER: _ClassVar[int]
    DIALED_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CALLED_PARTY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    facility_id: str
    inmate_id: str
    dialed_number: str
    station_id: str
    called_party_name: str
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., facility_id: _Optional[str] = ..., inmate_id: _Optional[str] = ..., dialed_number: _Optional[str] = ..., station_id: _Optional[str] = ..., called_party_name: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("reason", "detail", "entry_id", "score", "effect")
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    reason: Reason
    detail: str
    entry_id: str
    score: float
    effect: Decision
    def __init__(self, reason: _Optional[_Union[Reason, str]] = ..., detail: _Optional[str] = ..., entry_id: _Optional[str] = ..., score: _Optional[float] = ..., effect: _Optional[_Union[Decision, str]] = ...) -> None: ...

class ScreenCallResponse(_message.Message):
    __slots__ = ("call_id", "decision", "findings", "normalized_number", "number_type", "record", "max_duration_seconds", "list_version", "number_region")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    MAX_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    NUMBER_REGION_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    decision: Decision
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    normalized_number: str
    number_type: NumberType
    record: bool
    max_duration_seconds: int
    list_version: int
    number_region: str
    def __init__(self, call_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., normalized_number: _Optional[str] = ..., number_type: _Optional[_Union[NumberType, str]] = ..., record: _Optional[bool] = ..., max_duration_seconds: _Optional[int] = ..., list_version: _Optional[int] = ..., number_region: _Optional[str] = ...) -> None: ...

class WatchDecisionsRequest(_message.Message):
    __slots__ = ("facility_ids", "decisions", "reasons", "after_sequence")
    FACILITY_IDS_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    facility_ids: _containers.RepeatedScalarFieldContainer[str]
    decisions: _containers.RepeatedScalarFieldContainer[Decision]
    reasons: _containers.RepeatedScalarFieldContainer[Reason]
    after_sequence: int
    def __init__(self, facility_ids: _Optional[_Iterable[str]] = ..., decisions: _Optional[_Iterable[_Union[Decision, str]]] = ..., reasons: _Optional[_Iterable[_Union[Reason, str]]] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "kind", "value", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: str
    value: str
    note: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[str] = ..., value: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class DecisionEvent(_message.Message):
    __slots__ = ("sequence", "request", "response", "alerts")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    request: ScreenCallRequest
    response: ScreenCallResponse
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    def __init__(self, sequence: _Optional[int] = ..., request: _Optional[_Union[ScreenCallRequest, _Mapping]] = ..., response: _Optional[_Union[ScreenCallResponse, _Mapping]] = ..., alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ...) -> None: ...
