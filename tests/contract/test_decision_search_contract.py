"""Decision search by index, on every backend: the findings' side table
(decision_findings) and the called parties' names (called_names), written
with each decision, pruned with it, and backfilled by migration 0003 into a
log made before it; --called-name's fuzzy match through the name matcher.

The fixtures (backend, log, reopen) are the decision-log contract's."""

import dataclasses
import re
import sqlite3

import psycopg
import pytest

from screening.adapters.decision_rows import COLUMNS, finding_rows, to_row
from screening.domain.model import ScreenRequest
from screening.service.investigations import decision_query, search_decisions
from screening.domain.behaviour import RecentCalls
from screening.service.call_prints import CallIdConflict
from screening.service.ports import StoreError
from screening.service.screener import CallScreener

from decision_calls import FAMILY, LAWYER, engine, log_call
from test_decision_log_contract import _Sqlite, backend, log, reopen  # noqa: F401 (fixtures)

AT = 1_800_000_000.0
BEFORE_0004 = COLUMNS.removesuffix(", call_print")
NAMES = ("Siti Nur Haliza", "Sity Nurhalisa", "Budi Santoso", "Siti Aminah", "")


def requests():
    """Five calls to the family number, with these called names, and one to the lawyer, named too."""
    made = [ScreenRequest(f"n-{n}", "LP-A", "A-1", f"+{FAMILY}", station_id="K-1", called_party_name=name)
            for n, name in enumerate(NAMES)]
    return made + [ScreenRequest("lawyer", "LP-A", "A-1", f"+{LAWYER}", called_party_name="Siti Nurhaliza")]


def rows():
    made = engine()
    return [to_row(request, dataclasses.replace(made.screen(request), at=AT + n * 60))
            for n, request in enumerate(requests())]


def fill(log):
    made = engine()
    for n, request in enumerate(requests()):
        log_call(log, request, dataclasses.replace(made.screen(request), at=AT + n * 60))


def sql(backend, statement):
    """Rows of a statement on the backend's database, read directly."""
    if isinstance(backend, _Sqlite):
        with sqlite3.connect(backend.path) as conn:
            return conn.execute(statement).fetchall()
    with psycopg.connect(backend.url) as conn:
        return conn.execute(statement).fetchall()


def side_rows(backend):
    return sorted(tuple(row) for row in sql(backend, "SELECT decision_id, n, reason, entry_id, at "
                                                     "FROM decision_findings"))


def expected_side_rows(backend):
    """What decision_findings must hold: each decision's findings, by its id."""
    stored = sql(backend, f"SELECT id, {COLUMNS} FROM decisions")
    return sorted(finding for row in stored for finding in finding_rows(row[0], tuple(row[1:])))


def called(log, name, **filters):
    return [d["call_id"] for d in search_decisions(log, decision_query("ID", called_name=name, log=log, **filters))]


def test_each_finding_gets_a_side_row_in_the_decisions_transaction(backend, log):
    fill(log)
    fill(log)  # retries: logged once, side rows once
    rows = side_rows(backend)
    assert len(rows) >= 6 and rows == expected_side_rows(backend)
    assert {reason for _, _, reason, _, _ in rows} >= {"ALLOWLISTED", "PRIVILEGED"}


def test_reason_and_entry_are_searched_through_the_side_table(backend, log):
    fill(log)
    entry = next(e for _, _, _, e, _ in side_rows(backend) if e.startswith("allowlist:"))
    found = [d["call_id"] for d in search_decisions(log, decision_query("ID", entry=entry))]
    assert found == ["n-0", "n-1", "n-2", "n-3", "n-4"]
    assert [d["call_id"] for d in search_decisions(log, decision_query("ID", reason="privileged"))] == ["lawyer"]
    # The side table answers, not the findings JSON: without its rows, nothing is found.
    if isinstance(backend, _Sqlite):
        with sqlite3.connect(backend.path) as conn:
            conn.execute("DELETE FROM decision_findings WHERE reason = 'ALLOWLISTED'")
    else:
        with psycopg.connect(backend.url) as conn:
            conn.execute("DELETE FROM decision_findings WHERE reason = 'ALLOWLISTED'")
    assert list(search_decisions(log, decision_query("ID", entry=entry))) == []
    assert list(search_decisions(log, decision_query("ID", reason="allowlisted"))) == []
    assert list(search_decisions(log, decision_query("ID", reason="allowlisted", inmate="A-1"))) == []
    assert len(list(search_decisions(log, decision_query("ID", reason="not_on_allowlist", inmate="A-1")))) == 0
    assert [d["call_id"] for d in search_decisions(log, decision_query("ID", reason="privileged", inmate="A-1"))] \
        == ["lawyer"]


def test_a_called_name_finds_its_indonesian_spellings_and_not_other_people(log):
    fill(log)
    assert called(log, "Siti Nurhaliza") == ["n-0", "n-1"]
    assert called(log, "SITI NUR-HALIZA") == ["n-0", "n-1"]
    assert called(log, "Siti Nurhaliza", station="K-1", since=AT + 30) == ["n-1"]  # filters still combine
    assert called(log, "Budi Santoso") == ["n-2"]
    with pytest.raises(StoreError, match="no call in the decision log was to a name like 'Bambang Sutrisno'"):
        called(log, "Bambang Sutrisno")
    with pytest.raises(StoreError, match="--called-name"):
        called(log, "Bapak")  # a title, no name


def test_a_privileged_calls_name_is_neither_kept_nor_found(backend, log):
    fill(log)
    assert sorted(log.called_names()) == ["Budi Santoso", "Siti Aminah", "Siti Nur Haliza", "Sity Nurhalisa"]
    assert "lawyer" not in called(log, "Siti Nurhaliza")
    [lawyer] = search_decisions(log, decision_query("ID", reason="privileged"))
    assert lawyer["called_party_name"] == "" and lawyer["normalized_number"] == ""
    log.close()
    assert b"Siti Nurhaliza" not in backend.stored()


def test_prune_takes_the_side_rows_and_the_names_no_decision_holds(backend, log):
    fill(log)
    made = engine()
    later = ScreenRequest("later", "LP-A", "A-1", f"+{FAMILY}", called_party_name="Sity Nurhalisa")
    log_call(log, later, dataclasses.replace(made.screen(later), at=AT + 86400))
    assert log.prune(AT + 3600, batch=2) == 6
    assert side_rows(backend) == expected_side_rows(backend) and len(side_rows(backend)) == 1
    assert log.called_names() == ["Sity Nurhalisa"]
    assert called(log, "Siti Nurhaliza") == ["later"]


def made_at(backend, migrations, made_rows):
    """The backend's log as the first `migrations` migrations made it, holding these rows (of 17 columns)."""
    if isinstance(backend, _Sqlite):
        from screening.adapters.sqlite.migrations import bundled_migrations, migrate

        with sqlite3.connect(backend.path, isolation_level=None) as conn:
            migrate(conn, bundled_migrations("decisions")[:migrations])
            conn.executemany(f"INSERT INTO decisions ({BEFORE_0004}) VALUES ({', '.join('?' * 17)})", made_rows)
    else:
        from screening.adapters.postgres.migrations import bundled_migrations, migrate

        with psycopg.connect(backend.url, autocommit=True) as conn:
            migrate(conn, "decisions", bundled_migrations("decisions")[:migrations])
            with conn.cursor() as cursor:
                cursor.executemany(f"INSERT INTO decisions ({BEFORE_0004}, replica) VALUES "
                                   f"({', '.join(['%s'] * 17)}, 'old')",
                                   [(*row[:13], bool(row[13]), *row[14:]) for row in made_rows])


def test_migration_0003_backfills_a_log_made_before_it(backend, reopen):
    made_rows = [row[:17] for row in rows()]  # without the call print (0004)
    made_rows[5] = made_rows[5][:5] + ("Siti Nurhaliza",) + made_rows[5][6:]  # 0002 kept a privileged call's name
    made_at(backend, 2, made_rows)
    log = reopen()  # migrates
    assert log.migrated == [3, 4]
    assert side_rows(backend) == expected_side_rows(backend) and len(side_rows(backend)) >= 6
    assert called(log, "Siti Nurhaliza") == ["n-0", "n-1"]
    assert [d["call_id"] for d in search_decisions(log, decision_query("ID", reason="privileged"))] == ["lawyer"]
    assert sql(backend, "SELECT called_party_name FROM decisions WHERE call_id = 'lawyer'") == [("",)]
    assert "Siti Nurhaliza" not in log.called_names()


def test_migration_0004_gives_new_calls_a_print_and_compares_old_ones_by_what_they_kept(backend, reopen):
    made_at(backend, 3, [row[:17] for row in rows()])
    log = reopen()  # migrates
    assert log.migrated == [4] and len(log.call_key()) == 64
    screener = CallScreener(engine(), log, RecentCalls(600))
    budi = requests()[2]
    assert screener.screen(budi).call_id == "n-2"
    for changed, field in ((dict(dialed_number="0857-0000-0000"), "dialed_number"),
                           (dict(called_party_name="Pak Joko"), "called_party_name"), (dict(inmate_id="B-7"), "inmate_id")):
        with pytest.raises(CallIdConflict) as refused:
            screener.screen(dataclasses.replace(budi, **changed))
        assert refused.value.fields == (field,)
    lawyer = requests()[5]  # an old privileged call kept neither its number nor its name: only its inmate is compared
    assert screener.screen(dataclasses.replace(lawyer, dialed_number=f"+{FAMILY}")).record is False
    screener.screen(ScreenRequest("new", "LP-A", "A-1", f"+{LAWYER}", called_party_name="LBH Jakarta"))
    [(old,), (new,)] = sql(backend, "SELECT call_print FROM decisions WHERE call_id IN ('n-2', 'new') ORDER BY id")
    assert old == "" and re.fullmatch(r"[0-9a-f]{32}:[0-9a-f]{32}", new)


@pytest.mark.postgres
def test_a_replayed_spool_brings_its_side_rows_and_drops_a_privileged_name(postgres_url, tmp_path):
    from screening.adapters.postgres.decision_log import PostgresDecisionLog
    from screening.adapters.postgres.spool import Spool

    spooled = rows()
    spooled[5] = spooled[5][:5] + ("Siti Nurhaliza",) + spooled[5][6:]  # as an earlier version spooled it
    spool = Spool(tmp_path / "decisions.spool")
    spool.append(spooled, AT)
    spool.close()
    with PostgresDecisionLog(postgres_url, spool_path=tmp_path / "decisions.spool") as log:  # replays first
        assert log.health().spooled == 0
        with psycopg.connect(postgres_url) as conn:
            stored = conn.execute(f"SELECT id, {COLUMNS} FROM decisions").fetchall()
            side = conn.execute("SELECT decision_id, n, reason, entry_id, at FROM decision_findings").fetchall()
        assert sorted(side) == sorted(f for row in stored for f in finding_rows(row[0], tuple(row[1:])))
        assert [row[6] for row in stored if row[2] == "lawyer"] == [""]
        assert sorted(log.called_names()) == ["Budi Santoso", "Siti Aminah", "Siti Nur Haliza", "Sity Nurhalisa"]
