"""`screening decisions list` on a decision log a real server wrote, on
both backends: filters, formats, and privileged calls that show nothing."""

import csv
import io
import json
import os
import pty
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import Cli, ServerProcess, _environment, decision_log
from postgres_servers import SHARED, connect

pytestmark = pytest.mark.e2e

FAMILY, FRAUD, LAWYER = "+6281234567890", "+6285712345678", "+62215551234"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, tmp_path):
    """(cli) on a database of the backend, lists seeded, five calls placed by
    a real server: seeded once a run, and copied for each test (a file copy
    on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so that a test's
    changes stay its own."""
    if request.param not in _SEEDED:
        _SEEDED[request.param] = (_seed_sqlite if request.param == "sqlite" else _seed_postgres)(request)
    seeded = _SEEDED[request.param]
    if request.param == "sqlite":
        for made in seeded.parent.iterdir():
            shutil.copy2(made, tmp_path / made.name)
        return Cli(tmp_path / seeded.name)
    copy = _TemplateCopy(seeded)
    request.addfinalizer(copy.drop)
    return Cli(copy.url)


_SEEDED: dict[str, Path | str] = {}  # backend -> the seeded database (SQLite file, PostgreSQL database name)


def _seed_sqlite(request) -> Path:
    folder = request.getfixturevalue("tmp_path_factory").mktemp("served")
    initialized = request.getfixturevalue("initialized")
    for made in (initialized, decision_log(initialized)):
        shutil.copy2(made, folder / made.name)
    _seed(Cli(folder / initialized.name), {})
    return folder / initialized.name


def _seed_postgres(request) -> str:
    name = f"seed_{uuid.uuid4().hex[:16]}"  # made here, never from input: identifiers take no parameters
    with connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    request.config.add_cleanup(lambda: _drop_database(name))
    cli = Cli(_database_url(name))
    cli("init")
    spool = request.getfixturevalue("tmp_path_factory").mktemp("spool") / "decisions.spool"
    _seed(cli, {"SCREENING_DECISION_SPOOL": str(spool)})
    return name


def _seed(cli: Cli, env: dict) -> None:
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--reason", "registered at visit")
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--category", "fraud", "--source", "LP/B/123/XI/2026", "--reason", "police report")
    cli("blocklist", "add", "+6281111111111", "--category", "fraud", "--source", "LP/B/123/XI/2026",
        "--reason", "police report")
    cli("blocklist", "add", "+6281999999999", "--category", "fraud", "--source", "LP/B/124/XI/2026",
        "--reason", "another report")
    server = ServerProcess(cli.database, env=env)
    try:
        server.screen(FAMILY, inmate="A-1", call_id="c-1", called_party_name="Ibu Siti")
        server.screen("0857-1234-5678", inmate="A-1", call_id="c-2", called_party_name="Siti Nur Haliza")
        server.screen(FRAUD, inmate="B-2", facility="LP-SALEMBA", call_id="c-3")
        server.screen(LAWYER, inmate="B-2", facility="LP-SALEMBA", call_id="c-4", called_party_name="Siti Nurhaliza")
        server.screen("+6281111111111", inmate="B-2", facility="LP-SALEMBA", call_id="c-5",
                      called_party_name="Sity Nurhalisa")
    finally:
        server.stop()


class _TemplateCopy:
    """A database of its own, copied from the seeded one."""

    def __init__(self, template: str):
        import psycopg

        self.name = f"t_{uuid.uuid4().hex[:16]}"
        with connect() as admin:
            for attempt in range(50):  # the seeding processes' sessions may still be closing
                try:
                    admin.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.1)
            else:
                raise AssertionError(f"{template} stayed in use")
        self.url = _database_url(self.name)

    def drop(self) -> None:
        _drop_database(self.name)


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(SHARED)._replace(path=f"/{name}"))


def _drop_database(name: str) -> None:
    with connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ids(cli, *filters):
    out = cli("decisions", "list", "--format", "jsonl", *filters).stdout
    return [json.loads(line)["call_id"] for line in out.splitlines()]


def test_filters_combine(served):
    assert ids(served) == ["c-1", "c-2", "c-3", "c-4", "c-5"]
    assert ids(served, "--number", "0857 1234 5678") == ["c-2", "c-3"]
    assert ids(served, "--number", "+62857*") == ["c-2", "c-3"]
    assert ids(served, "--inmate", "B-2", "--decision", "deny") == ["c-3", "c-5"]
    assert ids(served, "--facility", "LP-SALEMBA", "--reason", "blocked_number") == ["c-3", "c-5"]
    assert ids(served, "--facility", "LP-SALEMBA", "--reason", "blocked_number", "--number", "+6281*") == ["c-5"]
    assert ids(served, "--entry", "blocklist:1") == ["c-2", "c-3"]
    assert ids(served, "--since", "2000-01-01", "--until", "2000-01-02") == []
    assert ids(served, "--source", "LP/B/123/XI/2026") == ["c-2", "c-3", "c-5"]  # which of its numbers were dialled
    assert ids(served, "--source", "LP/B/124/XI/2026") == []
    assert ids(served, "--source", "LP/B/123/XI/2026", "--inmate", "B-2") == ["c-3", "c-5"]


def test_formats_and_the_privileged_call(served):
    table = served("decisions", "list", "--inmate", "B-2").stdout
    assert table.splitlines()[0].split()[:3] == ["TIME", "FACILITY_ID", "STATION_ID"]
    assert "+62215551234" not in table and "Siti Nurhaliza" not in table
    rows = list(csv.DictReader(io.StringIO(served("decisions", "list", "--format", "csv", "--inmate", "B-2").stdout)))
    assert [r["call_id"] for r in rows] == ["c-3", "c-4", "c-5"]
    assert rows[1]["normalized_number"] == rows[1]["called_party_name"] == "" and rows[1]["decision"] == "ALLOW"
    whole = json.loads(served("decisions", "list", "--format", "json", "--number", FRAUD).stdout)
    assert [d["call_id"] for d in whole] == ["c-2", "c-3"]
    assert whole[0]["findings"][0]["reason"] == "BLOCKED_NUMBER"
    for output in (served("decisions", "list", "--format", fmt).stdout for fmt in ("table", "csv", "json", "jsonl")):
        assert "Siti Nurhaliza" not in output and "+62215551234" not in output


def test_a_bad_filter_is_one_clear_line(served):
    result = served("decisions", "list", "--decision", "maybe", check=False)
    assert result.returncode != 0 and "--decision: 'maybe' is not one of allow, review, deny" in result.stderr
    result = served("decisions", "list", "--since", "yesterday", check=False)
    assert result.returncode != 0 and "not an ISO 8601 time" in result.stderr
    result = served("decisions", "list", "--source", "LP/B/999/XI/2026", check=False)
    assert result.returncode != 0 and "no blocklist entry has the source 'LP/B/999/XI/2026'" in result.stderr


def test_a_called_name_finds_its_spellings_and_never_a_privileged_call(served):
    assert ids(served, "--called-name", "Siti Nurhaliza") == ["c-2", "c-5"]  # not c-4, the lawyer
    assert ids(served, "--called-name", "siti nur-haliza", "--inmate", "B-2") == ["c-5"]
    table = served("decisions", "list", "--called-name", "Sity Nurhalisa").stdout
    assert "Siti Nur Haliza" in table and "Sity Nurhalisa" in table
    result = served("decisions", "list", "--called-name", "Bambang Sutrisno", check=False)
    assert result.returncode == 1 and "--called-name: no call in the decision log was to a name like" in result.stderr


def on_a_terminal(cli, *args):
    """`screening ARGS` with stderr on a pseudo-terminal and stdout on a pipe: (stdout, what the terminal got)."""
    main, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "screening.cli", *args, "--database", str(cli.database)],
                                   stdout=subprocess.PIPE, stderr=terminal, env=_environment(**cli.env))
    finally:
        os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    out = process.stdout.read()
    assert process.wait(timeout=60) == 0, shown
    return out.decode(), shown.decode()


def test_a_terminal_sees_a_progress_line_that_is_cleared_and_a_pipe_none(served):
    out, shown = on_a_terminal(served, "decisions", "list", "--format", "jsonl", "--inmate", "B-2")
    assert [json.loads(line)["call_id"] for line in out.splitlines()] == ["c-3", "c-4", "c-5"]
    assert "decision found, at " in shown or "decisions found, at " in shown
    assert shown.endswith("\r\033[K")  # cleared at the end: nothing left on the line
    assert "decisions found" not in out and "decision found" not in out
    redirected = served("decisions", "list", "--inmate", "B-2")
    assert "found, at" not in redirected.stderr and "\033[K" not in redirected.stderr
    assert "found, at" not in redirected.stdout
