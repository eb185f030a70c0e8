"""Live reload against a real SQLite file while screening runs in threads."""

import sqlite3
import threading
import time

import pytest

from screening.domain.engine import ScreeningEngine
from screening.domain.entries import AllowlistEntry, BlockEntry, Change
from screening.domain.model import Decision, ScreenRequest
from screening.domain.policy import build_policy_set
from screening.service.reloader import ListReloader
from screening.adapters.sqlite.store import SqliteStore

WHY = Change("tester", "reload test")
FAMILY = "+6281234567890"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "lists.db"


def call(number=FAMILY):
    return ScreenRequest("c", "LP-A", "A-1", number)


def test_changes_from_another_connection_are_picked_up(path):
    with SqliteStore(path) as server_side, SqliteStore(path) as cli_side:
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(server_side, engine, interval=60)
        reloader.load()
        assert engine.screen(call()).decision is Decision.DENY
        assert reloader.check() is False  # nothing changed
        cli_side.add(AllowlistEntry("A-1", FAMILY, "Ibu Siti"), WHY)
        assert reloader.check() is True
        assert engine.screen(call()).decision is Decision.ALLOW
        assert engine.snapshot.version == 1


def test_every_answer_matches_the_list_version_it_names(path):
    """A writer toggles a block on an approved number; readers screen it
    continuously. An odd version (counted from the start) has the block, an
    even one not: any answer mixing two versions breaks the rule."""
    with SqliteStore(path) as setup:
        setup.add(AllowlistEntry("A-1", FAMILY, "Ibu Siti"), WHY)
        base = setup.list_version()
    store = SqliteStore(path)
    engine = ScreeningEngine(build_policy_set())
    reloaded = []
    reloader = ListReloader(store, engine, interval=0.005, on_loaded=lambda s, t: reloaded.append(s.version))
    reloader.load()
    reloader.start()
    stop, errors, answers = threading.Event(), [], []

    def screen_continuously():
        while not stop.is_set():
            try:
                answer = engine.screen(call())
            except Exception as error:  # noqa: BLE001 - any failure is what we look for
                errors.append(error)
                return
            blocked = (answer.list_version - base) % 2 == 1
            expected = Decision.DENY if blocked else Decision.ALLOW
            if answer.decision is not expected:
                errors.append(f"version {answer.list_version} answered {answer.decision.name}")
            answers.append(answer.list_version)

    readers = [threading.Thread(target=screen_continuously) for _ in range(4)]
    for reader in readers:
        reader.start()
    with SqliteStore(path) as writer:
        for _ in range(40):
            writer.add(BlockEntry(FAMILY), WHY)
            writer.remove(BlockEntry, {"pattern": FAMILY, "scope": "global"}, WHY)
        final = writer.list_version()
    deadline = time.monotonic() + 10
    while engine.snapshot.version != final and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for reader in readers:
        reader.join()
    reloader.stop()
    store.close()
    assert errors == []
    assert engine.snapshot.version == final
    assert len(set(answers)) > 2, "readers should have seen several versions"
    assert len(reloaded) > 2


def test_a_failed_reload_keeps_the_lists_in_use(path):
    with SqliteStore(path) as store, SqliteStore(path) as cli_side:
        engine = ScreeningEngine(build_policy_set())
        failures = []
        reloader = ListReloader(store, engine, interval=60, on_failed=lambda: failures.append(1))
        cli_side.add(AllowlistEntry("A-1", FAMILY, "Ibu Siti"), WHY)
        reloader.load()
        # A row no release writes: the next load fails part way.
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("INSERT INTO privileged (number, name, kind, created_at, created_by, reason) "
                         "VALUES ('+62215551234', 'x', 'astronaut', '2026-01-01T00:00:00+00:00', 'x', 'x')")
            conn.execute("UPDATE list_version SET version = version + 1")
        # The change log does not explain the new version: a whole load, in the background.
        assert reloader.check() is False
        assert reloader.wait_for_rebuild(10)
        assert reloader.check() is False
        assert failures == [1]
        assert engine.snapshot.version == 1
        assert engine.screen(call()).decision is Decision.ALLOW
        with conn:
            conn.execute("UPDATE privileged SET kind = 'embassy'")
            conn.execute("UPDATE list_version SET version = version + 1")
        assert reloader.check() is False
        assert reloader.wait_for_rebuild(10)
        assert reloader.check() is True
        assert engine.snapshot.version == 3


def test_a_change_is_applied_as_an_overlay_not_a_rebuild(path):
    with SqliteStore(path) as server_side, SqliteStore(path) as cli_side:
        cli_side.add(AllowlistEntry("A-1", FAMILY, "Ibu Siti"), WHY)
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(server_side, engine, interval=60)
        base = reloader.load()
        cli_side.add(BlockEntry(FAMILY), WHY)
        assert reloader.check() is True
        snapshot = engine.snapshot
        assert snapshot.version == 2 and snapshot.overlay_size() > 0
        assert snapshot.allowlist is base.allowlist  # untouched lists are shared, not rebuilt
        assert engine.screen(call()).decision is Decision.DENY


def test_a_large_change_is_rebuilt_in_the_background_and_caught_up(path):
    with SqliteStore(path) as server_side, SqliteStore(path) as cli_side:
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(server_side, engine, interval=60, max_delta_rows=2)
        reloader.load()
        for number in ("+6281234567891", "+6281234567892", "+6281234567893"):
            cli_side.add(BlockEntry(number), WHY)
        assert reloader.check() is False  # too large for an overlay: rebuilding
        assert engine.snapshot.version == 0  # the old lists answer meanwhile
        assert reloader.wait_for_rebuild(10)
        cli_side.add(AllowlistEntry("A-1", FAMILY, "Ibu Siti"), WHY)  # made during the rebuild, say
        assert reloader.check() is True
        assert engine.snapshot.version == 4
        assert engine.screen(call()).decision is Decision.ALLOW
        assert engine.screen(call("+6281234567892")).decision is Decision.DENY


def test_a_grown_overlay_is_compacted_into_a_new_base(path):
    with SqliteStore(path) as server_side, SqliteStore(path) as cli_side:
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(server_side, engine, interval=60, max_overlay=2)
        reloader.load()
        for number in ("+6281234567891", "+6281234567892", "+6281234567893"):
            cli_side.add(BlockEntry(number), WHY)
            reloader.check()
        assert reloader.wait_for_rebuild(10)
        reloader.check()
        assert engine.snapshot.version == 3 and engine.snapshot.overlay_size() == 0
        assert engine.screen(call("+6281234567893")).decision is Decision.DENY


class FlakyStore(SqliteStore):
    """The real store, whose version reads fail while `away` is set."""

    away = False

    def list_version(self):
        if self.away:
            raise OSError("connection refused")
        return super().list_version()


def test_a_store_that_stays_away_is_retried_with_backoff_and_logged_once_in_full(path, caplog):
    with FlakyStore(path) as store:
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(store, engine, interval=0.25)
        reloader.load()
        store.away = True
        with caplog.at_level("INFO", logger="screening.service.reloader"):
            for _ in range(5):
                assert reloader.check() is False
            store.away = False
            assert reloader.check() is False
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert [r.exc_info is not None for r in failures] == [True, False, False, False, False]
        assert [float(r.getMessage().split("next try in ")[1].split()[0]) for r in failures[1:]] == [0.5, 1, 2, 2]
        assert "answers again after" in caplog.records[-1].getMessage()
        assert engine.snapshot.version == 0


def test_the_reloader_checks_when_the_store_says_the_lists_changed(path):
    class Told(SqliteStore):
        told = threading.Event()

        def wait_for_change(self, timeout):
            told = self.told.wait(timeout)
            self.told.clear()
            return told

    with Told(path) as store, SqliteStore(path) as cli_side:
        engine = ScreeningEngine(build_policy_set())
        reloader = ListReloader(store, engine, interval=600)
        reloader.load()
        reloader.start()
        try:
            cli_side.add(BlockEntry(FAMILY), WHY)
            store.told.set()
            deadline = time.monotonic() + 10
            while engine.snapshot.version != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert engine.snapshot.version == 1  # long before the 600 s poll
        finally:
            started = time.monotonic()
            reloader.stop()
            assert time.monotonic() - started < 60  # not the 600 s interval: stop() is heard between slices
