"""The least-privilege roles of deploy/postgres/roles.sql, on a real
PostgreSQL: each login role does its job and nothing else."""

import uuid
from pathlib import Path

import psycopg
import pytest

from screening.adapters.postgres.decision_log import PostgresDecisionLog
from screening.adapters.postgres.store import PostgresStore
from screening.domain.approvals import ApprovalPolicy
from screening.domain.entries import BlockEntry, Change
from screening.service import audit
from screening.service.ports import StoreError
from screening.service.screener import CallScreener

from decision_calls import call, engine

pytestmark = pytest.mark.postgres

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "roles.sql"
WHY = Change("officer.budi", "police report LP/B/9/XII/2026")
KINDS = ("server", "admin", "auditor")


@pytest.fixture
def database(postgres_url, tmp_path):
    """A schema made by its owner (`screening init`), the roles created, and
    a login role of each kind: {kind: URL that logs in as it}."""
    with PostgresStore(postgres_url) as store:
        store.add(BlockEntry("+6281111111111"), WHY)
    PostgresDecisionLog(postgres_url, spool_path=tmp_path / "owner.spool", replica="owner").close()
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(ROLES_SQL.read_text("utf-8"))
    logins = {kind: f"t_{kind}_{uuid.uuid4().hex[:8]}" for kind in KINDS}
    for kind, name in logins.items():
        # Names made here; identifiers take no parameters.
        admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE screening_{kind}')
    yield {kind: postgres_url.replace("postgresql://postgres@", f"postgresql://{name}@", 1)
           for kind, name in logins.items()}
    for name in logins.values():
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'")
        admin.execute(f'DROP ROLE "{name}"')
    admin.close()


def denied(action) -> str:
    with pytest.raises((StoreError, psycopg.Error)) as refused:
        action()
    return str(refused.value)


def test_the_server_reads_the_lists_and_writes_decisions_only(database, tmp_path):
    url = database["server"]
    with PostgresStore(url, mode="rw") as store:  # current schema: opens without any DDL
        assert store.snapshot().counts()["blocklist"] == 1
        assert store.read_changes(0, 1000) is not None
        assert "permission denied" in denied(lambda: store.add(BlockEntry("+6282222222222"), WHY))
    with PostgresDecisionLog(url, spool_path=tmp_path / "a.spool", replica="a") as log:
        answer = CallScreener.resume(engine(), log, 600).screen(call("c-1"))
        assert log.find("LP-A", "c-1").screening == answer
        assert log.prune(0) == 0
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in ("UPDATE change_log SET actor = 'x'", "DELETE FROM change_log",
                          "CREATE TABLE sneaky (id int)", "INSERT INTO blocklist (pattern) VALUES ('x')",
                          "INSERT INTO store_settings VALUES ('approvals', '{\"require\": []}', 0, 'x')"):
            assert "permission denied" in denied(lambda: conn.execute(statement)), statement


def test_the_admin_changes_lists_but_never_the_change_log(database):
    url = database["admin"]
    with PostgresStore(url, mode="rw") as store:
        store.add(BlockEntry("+6282222222222"), WHY)
        store.remove(BlockEntry, {"pattern": "+6282222222222", "scope": "global"}, WHY)
        assert store.list_version() == 3
        policy = store.set_approval_policy(ApprovalPolicy(("privileged_add",)), WHY, 0)  # the CLI's raise
        assert store.approval_policy() == policy
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
        for statement in ("UPDATE change_log SET actor = 'x'", "DELETE FROM change_log", "TRUNCATE change_log",
                          "INSERT INTO decisions (facility_id) VALUES ('x')", "DROP TABLE allowlist"):
            assert denied(lambda: conn.execute(statement)), statement


def test_the_auditor_reads_everything_and_changes_nothing(database, tmp_path):
    url = database["auditor"]
    with PostgresStore(url, mode="ro") as store:
        assert store.snapshot().counts()["blocklist"] == 1
        assert [entry.action for entry in store.log()] == ["add"]
        assert audit.verify(store).ok
    with PostgresDecisionLog(url, spool_path=tmp_path / "x.spool", mode="ro") as log:
        assert list(log.attempts_since(0)) == []
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in ("DELETE FROM blocklist", "UPDATE list_version SET version = 9",
                          "INSERT INTO change_log (version) VALUES (99)", "DELETE FROM decisions",
                          "UPDATE store_settings SET value = '{}'"):
            assert "permission denied" in denied(lambda: conn.execute(statement)), statement


def test_the_roles_script_runs_twice(database, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(ROLES_SQL.read_text("utf-8"))
