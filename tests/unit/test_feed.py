"""The monitoring feed with real objects: the ring, resume, overflow, filters, shutdown."""

import threading

import pytest

from screening.domain.alerts import Alert, AlertKind, AlertRules
from screening.domain.errors import InvalidRequest
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.service.feed import (PRIVILEGED_DETAIL, CursorOutOfRange, DecisionFeed, FeedClosed, FeedFilter,
                                    FellBehind, TooManyWatchers, feed_filter)

REVIEW = Finding(Reason.NUMBER_TYPE, "international numbers flagged", Decision.REVIEW)
DENY = Finding(Reason.BLOCKED_NUMBER, "+6281111111111 is on the blocklist", Decision.DENY, "blocklist:1")


def decision(n, facility="LP-A", verdict=Decision.ALLOW, findings=(), record=True, inmate="A-1"):
    number = f"+62812345{n:05d}"
    request = ScreenRequest(f"c-{n}", facility, inmate, number, called_party_name="Ibu Siti")
    return request, Screening(f"c-{n}", verdict, tuple(findings), number, NumberType.MOBILE, "ID", record, 600, 1)


def publish(feed, count, start=0, **fields):
    return [feed.publish(*decision(n, **fields)).sequence for n in range(start, start + count)]


def take(subscription, count):
    return [next(subscription) for _ in range(count)]


def test_sequences_count_up_by_one_from_the_first():
    feed = DecisionFeed(first_sequence=1000)
    assert publish(feed, 3) == [1000, 1001, 1002]
    assert DecisionFeed().publish(*decision(1)).sequence > 1_700_000_000_000_000  # µs since 1970: above any earlier


def test_a_console_resuming_within_the_ring_gets_exactly_the_events_after_its_cursor_then_live():
    feed = DecisionFeed(buffer_events=10, first_sequence=1)
    publish(feed, 6)
    subscription = feed.subscribe(after_sequence=3)
    publish(feed, 2, start=6)
    assert [e.sequence for e in take(subscription, 5)] == [4, 5, 6, 7, 8]
    assert [e.request.call_id for e in take(feed.subscribe(after_sequence=7), 1)] == ["c-7"]


def test_from_now_sees_only_later_events_and_several_consoles_each_get_all():
    feed = DecisionFeed(first_sequence=1)
    publish(feed, 3)
    consoles = [feed.subscribe() for _ in range(3)]
    assert len(feed) == 3
    publish(feed, 2, start=3)
    for console in consoles:
        assert [e.sequence for e in take(console, 2)] == [4, 5]


def test_a_cursor_outside_the_ring_is_refused_naming_what_is_kept():
    feed = DecisionFeed(buffer_events=4, first_sequence=1)
    publish(feed, 10)
    with pytest.raises(CursorOutOfRange, match="no longer kept .the oldest kept is 7, the newest 10"):
        feed.subscribe(after_sequence=5)
    assert [e.sequence for e in take(feed.subscribe(after_sequence=6), 4)] == [7, 8, 9, 10]
    with pytest.raises(CursorOutOfRange, match="past the newest event, 10 .this server process started at sequence 1"):
        feed.subscribe(after_sequence=11)
    assert len(feed) == 1  # refused consoles hold no place


def test_a_console_that_falls_behind_is_cut_off_naming_its_cursor_and_resumes_from_it():
    dropped = []
    feed = DecisionFeed(subscriber_buffer=3, first_sequence=1, on_cut_off=lambda: dropped.append(1))
    slow, fast = feed.subscribe(), feed.subscribe()
    publish(feed, 2)
    assert next(slow).sequence == 1
    assert [e.sequence for e in take(fast, 2)] == [1, 2]
    publish(feed, 3, start=2)  # 2..5 waiting for the slow one: one more than its buffer holds
    assert dropped == [1] and len(feed) == 1
    with pytest.raises(FellBehind, match="the last event sent to it was 1: resume with after_sequence=1"):
        next(slow)
    assert [e.sequence for e in take(fast, 3)] == [3, 4, 5]  # the other console is unaffected
    assert [e.sequence for e in take(feed.subscribe(after_sequence=1), 4)] == [2, 3, 4, 5]


def test_filters_by_facility_decision_and_reason_and_alerts_pass_decision_filters():
    feed = DecisionFeed(first_sequence=1)
    feed.set_rules(AlertRules([Alert(9, AlertKind.INMATE, "A-9", "watch him")]))
    flagged = feed.subscribe(feed_filter(["LP-A"], [int(Decision.REVIEW), int(Decision.DENY)]))
    blocked = feed.subscribe(FeedFilter(reasons=frozenset({Reason.BLOCKED_NUMBER})))
    feed.publish(*decision(1))  # allowed: neither
    feed.publish(*decision(2, verdict=Decision.REVIEW, findings=[REVIEW]))  # flagged
    feed.publish(*decision(3, "LP-B", Decision.DENY, [DENY]))  # blocked, other facility
    feed.publish(*decision(4, inmate="A-9"))  # an alert: both get it, whatever the decision and reasons
    feed.publish(*decision(5, "LP-B", inmate="A-9"))  # an alert from LP-B: flagged watches LP-A only
    assert [(e.sequence, [a.id for a in e.alerts]) for e in take(flagged, 2)] == [(2, []), (4, [9])]
    assert [e.sequence for e in take(blocked, 3)] == [3, 4, 5]
    feed.publish(*decision(6, verdict=Decision.DENY, findings=[DENY]))
    assert [e.sequence for e in take(flagged, 1)] == [6] and [e.sequence for e in take(blocked, 1)] == [6]


def test_a_privileged_call_carries_no_number_no_name_and_no_detail():
    feed = DecisionFeed()
    console = feed.subscribe()
    feed.publish(*decision(1, findings=[DENY], record=False))
    [event] = take(console, 1)
    assert (event.request.dialed_number, event.request.called_party_name, event.screening.normalized_number) == (
        "", "", "")
    assert [f.detail for f in event.screening.findings] == [PRIVILEGED_DETAIL]
    assert "81234500001" not in repr(event)


def test_bad_filters_are_invalid_requests_naming_the_field():
    with pytest.raises(InvalidRequest, match="decisions: 0 is not a decision") as caught:
        feed_filter(decisions=[0, 2], reasons=[99], facilities=["x" * 65])
    assert {v.field for v in caught.value.violations} == {"decisions", "reasons", "facility_ids"}


def test_the_feed_takes_at_most_its_consoles_and_a_closed_one_frees_its_place():
    feed = DecisionFeed(max_subscribers=2)
    first, _ = feed.subscribe(), feed.subscribe()
    with pytest.raises(TooManyWatchers, match="2 consoles are watching already"):
        feed.subscribe()
    first.close()
    feed.subscribe()


def test_closing_the_feed_ends_a_waiting_stream_and_a_console_closing_ends_its_own():
    feed = DecisionFeed()
    waiting, leaving = feed.subscribe(), feed.subscribe()
    ended = []

    def watch(subscription):
        try:
            ended.append(list(subscription))
        except FeedClosed as error:
            ended.append(str(error))

    threads = [threading.Thread(target=watch, args=(s,)) for s in (waiting, leaving)]
    for thread in threads:
        thread.start()
    leaving.close()  # the console went away: its stream ends, no error
    threads[1].join(timeout=10)
    feed.close()
    threads[0].join(timeout=10)
    assert sorted(map(str, ended)) == ["[]", "the server is shutting down; the last event sent was " +
                                       str(waiting.cursor) + ": resume with after_sequence=" + str(waiting.cursor) +
                                       " on another server, or with 0 on this one once back"]
    assert feed.publish(*decision(1)) is None and len(feed) == 0
    with pytest.raises(FeedClosed):
        feed.subscribe()
