"""garbage.paused: the cyclic collector off for a while, back as it was."""

import gc
import threading

from screening.domain import garbage
from screening.domain.snapshots import ListRows, build_snapshot


def test_a_pause_turns_the_collector_off_and_back_on():
    assert gc.isenabled()
    with garbage.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_and_overlapping_pauses_end_with_the_last():
    first, second = garbage.paused(), garbage.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # overlapping: the other is still building
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with garbage.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pauses_from_threads_and_errors_leave_it_on():
    def build():
        try:
            with garbage.paused():
                raise ValueError("a failed load")
        except ValueError:
            pass

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_building_a_snapshot_leaves_the_collector_as_it_was():
    build_snapshot(ListRows(1, [(1, "A-1", "", "+6281234567890", "Siti", "mother")]))
    assert gc.isenabled()
