"""Expiries: a date D is kept as the moment it ends (D+1 00:00 UTC) and reads back as D."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from screening.domain.errors import InvalidEntry
from screening.service.block_guards import future
from screening.service.list_changes import parse_expiry, shown_expiry


def test_an_expiry_shows_as_the_date_given():
    assert parse_expiry("2026-12-31") == datetime(2027, 1, 1, tzinfo=UTC)
    assert shown_expiry(parse_expiry("2026-12-31")) == "2026-12-31"
    assert shown_expiry(datetime(2027, 1, 1, 7, tzinfo=timezone(timedelta(hours=7)))) == "2026-12-31"
    assert shown_expiry(parse_expiry("2026-12-31T10:00+07:00")) == "2026-12-31T03:00:00+00:00"


def test_an_expiry_in_the_past_is_refused():
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert future(parse_expiry("2026-12-02"), "2026-12-02", now) == datetime(2026, 12, 3, tzinfo=UTC)
    assert future(None, "", now) is None
    with pytest.raises(InvalidEntry, match="expiry '2026-12-01' is in the past"):
        future(parse_expiry("2026-12-01"), "2026-12-01", now)
