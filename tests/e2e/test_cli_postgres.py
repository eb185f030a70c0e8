"""The CLI and the server on a PostgreSQL database, as subprocesses: `init`
makes the tables, every change and import works as on SQLite and prints
the same, `audit verify` checks the chain, and a server serves the lists."""

import json
import time

import psycopg
import pytest

from conftest import Cli, ServerProcess
from screening.v1 import screening_pb2 as pb
from test_cli_import import BAD, MESSY, write

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def pg(postgres_url, tmp_path):
    """The CLI on a schema `screening init` made; a spool, where one is made, in tmp_path."""
    cli = Cli(postgres_url, env={"SCREENING_DECISION_SPOOL": str(tmp_path / "spool" / "decisions.spool")})
    cli("init")
    return cli


def test_init_creates_the_lists_and_the_decision_log_once_and_no_files(postgres_url, tmp_path):
    cli = Cli(postgres_url, cwd=tmp_path)
    assert cli("init").stdout == (f"created the lists in PostgreSQL database {postgres_url} (schema version 5)\n"
                                  f"created the decision log in PostgreSQL database {postgres_url} "
                                  "(schema version 4)\n")
    assert cli("init").stdout == (f"the lists in PostgreSQL database {postgres_url}: schema version 5, current\n"
                                  f"the decision log in PostgreSQL database {postgres_url}: schema version 4, "
                                  "current\n")
    assert list(tmp_path.iterdir()) == []


def test_a_change_to_a_schema_without_the_lists_is_refused(postgres_url):
    result = Cli(postgres_url)("blocklist", "add", "0811-1111-1111", "--reason", "r", check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"screening: error: no screening lists at {postgres_url}; create them with 'screening "
                             f"init --database {postgres_url}' or by starting 'screening serve --database "
                             f"{postgres_url}'\n")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('blocklist')").fetchone()[0] is None


def test_lists_imports_checks_and_audit_work_on_postgresql(pg, tmp_path):
    assert pg("blocklist", "add", "0811-1111-1111", "--reason", "earlier report").stdout.startswith(
        "blocked: +6281111111111")
    pg("allowlist", "add", "A-001", "0813-9999-0000", "--name", "Ibu Siti", "--reason", "visit")
    imported = pg("blocklist", "import", write(tmp_path / "polda.csv", MESSY), "--reason", "Polda list", "--force")
    assert imported.stdout.splitlines()[-1] == "imported into the blocklist: list version 3"
    pg("blocklist", "remove", "0811-1111-1111", "--reason", "report withdrawn")
    rows = json.loads(pg("blocklist", "list", "--format", "json").stdout)
    assert [r["pattern"] for r in rows] == ["+6281234567890", "+6285712345678", "+6285712345679", "+62809*"]
    checked = pg("check", "--facility", "LP-A", "--inmate", "A-001", "--number", "0813-9999-0000")
    assert checked.stdout.startswith("ALLOW  +6281399990000")
    verified = pg("audit", "verify")
    assert verified.stdout.startswith("change log intact: 4 entries") and "list version 4" in verified.stdout
    head = pg("audit", "head").stdout.strip()
    assert pg("audit", "verify", "--head", head).returncode == 0


def test_audit_verify_catches_a_row_deleted_behind_the_cli(pg, postgres_url):
    pg("blocklist", "add", "0811-1111-1111", "--reason", "Police report LP/B/123/XI/2026")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DELETE FROM blocklist WHERE pattern = '+6281111111111'")
    result = pg("audit", "verify", check=False)
    assert result.returncode == 1
    assert "blocklist entry 1 is missing from the table, but the change log never removed it" in result.stderr


@pytest.mark.parametrize("file, args", [
    (MESSY, ["--reason", "Polda list 2026-11", "--actor", "kplp.budi"]),
    (MESSY, ["--reason", "r", "--dry-run"]),
    (BAD, []),
    (BAD, ["--skip-invalid"]),
    (BAD, ["--dry-run"]),
    ("0811 1111 1111\n", ["--reason", "r", "--format", "text"]),  # every row there already
], ids=["messy", "dry run", "invalid", "skip invalid", "invalid dry run", "nothing new"])
def test_an_import_prints_the_same_on_postgresql_as_on_sqlite(pg, cli, tmp_path, file, args):
    path = write(tmp_path / "police.csv", file)
    printed = []
    for backend in (cli, pg):
        backend("blocklist", "add", "0811-1111-1111", "--reason", "earlier report")
        result = backend("blocklist", "import", path, *args, check=False)
        printed.append((result.returncode, result.stdout, result.stderr, _patterns(backend)))
    assert printed[1] == printed[0]


def _patterns(cli):
    return [(r["pattern"], r["scope"], r["reason"]) for r in json.loads(cli("blocklist", "list", "--format",
                                                                             "json").stdout)]


def test_the_decisions_are_pruned_in_postgresql_too(pg, tmp_path):
    assert pg("decisions", "prune", "--older-than-days", "30", "--dry-run").stdout.startswith(
        "would delete 0 decisions made before ")
    assert pg("decisions", "prune", "--older-than-days", "30").stdout.startswith("deleted 0 decisions made before ")
    # The CLI takes no answers: it leaves the spool (and its lock) to the server.
    assert not (tmp_path / "spool").exists() or not list((tmp_path / "spool").iterdir())


def test_a_server_serves_lists_kept_in_postgresql_and_hears_of_changes(pg, postgres_url):
    pg("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1")
    # Polling every 3 s: the import's NOTIFY brings it sooner. (Not longer: a
    # server stopping waits for its reloader's wait to end.)
    server = ServerProcess(postgres_url, env={**pg.env, "SCREENING_RELOAD_INTERVAL": "3"})
    try:
        assert server.screen("0811-1111-1111").decision == pb.DECISION_DENY
        server.screen("0811-2222-2222")  # the reloader is waiting by now
        pg("blocklist", "import", "-", "--reason", "LP/B/2", input="0811-2222-2222\n")
        started = time.monotonic()
        while server.screen("0811-2222-2222").decision != pb.DECISION_DENY:
            assert time.monotonic() - started < 1.0, "the server did not hear of the import"
            time.sleep(0.02)
    finally:
        server.stop()
