"""`screening backup` through the real CLI while a real server answers calls:
the copies are whole, verified, owner-only and restore to the same decisions;
nothing is overwritten, and a failed backup leaves no file."""

import json
import os
import shutil
import sqlite3
import stat
import threading

import pytest

from conftest import Cli, ServerProcess, decision_log

pytestmark = pytest.mark.e2e


def calls_while(server, stop: threading.Event, answered: list, running: threading.Event) -> None:
    """ScreenCalls one after another until `stop`; their call_ids in `answered`."""
    while not stop.is_set():
        call_id = f"during-{len(answered)}"
        server.screen("0812-3456-7890", call_id=call_id)
        answered.append(call_id)
        running.set()


def rows(database) -> list[dict]:
    return json.loads(Cli(database)("decisions", "list", "--format", "json").stdout)


def integrity(path) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_a_backup_taken_while_serving_restores_to_the_same_decisions(cli, database, start_server, tmp_path):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "family")
    cli("blocklist", "add", "0813-1111-2222", "--reason", "threats")
    server = start_server()
    before = [server.screen("0812-3456-7890", call_id=f"before-{n}").call_id for n in range(20)]
    stop, running, during = threading.Event(), threading.Event(), []
    caller = threading.Thread(target=calls_while, args=(server, stop, during, running))
    caller.start()
    try:
        running.wait(30)
        target = tmp_path / "backups"
        target.mkdir()
        started = len(during)
        made = cli("backup", str(target))
        answered_during_backup = len(during) - started
    finally:
        stop.set()
        caller.join(30)
    server.stop()
    assert answered_during_backup > 0  # the server went on answering while the backup ran

    copy, log_copy = target / database.name, target / decision_log(database).name
    assert sorted(os.listdir(target)) == sorted([copy.name, log_copy.name])  # no -wal, -shm or temporary files
    for path in (copy, log_copy):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert integrity(path) == "ok"
    assert f"wrote {copy}: list version 2, change log intact (2 entries)" in made.stdout

    # Restore: the server stopped, the files copied back under the names the server reads.
    restored = tmp_path / "restored" / "screening.db"
    restored.parent.mkdir()
    shutil.copy2(copy, restored)
    shutil.copy2(log_copy, decision_log(restored))
    kept, original = rows(restored), rows(database)
    # The copy is one moment of the log: every decision answered before the backup began, and
    # then those answered during it up to that moment, the same rows as the original's.
    assert [row["call_id"] for row in kept[:len(before)]] == before
    assert kept == original[:len(kept)]
    assert f"wrote {log_copy}: {len(kept)} decisions" in made.stdout
    assert "change log intact: 2 entries" in Cli(restored)("audit", "verify").stdout

    # It serves: the blocked number came back, and a call retried after a list change that
    # would deny it now finds its first answer (allowed, on version 2) in the restored log.
    Cli(restored)("blocklist", "add", "0812-3456-7890", "--reason", "now blocked")
    again = ServerProcess(restored)
    try:
        retried = again.screen("0812-3456-7890", call_id=before[0])
        fresh = again.screen("0812-3456-7890")
        blocked = again.screen("0813-1111-2222")
    finally:
        again.stop()
    assert (retried.decision, retried.list_version) == (1, 2)  # DECISION_ALLOW
    assert (fresh.decision, fresh.list_version) == (3, 3)  # DECISION_DENY
    assert blocked.decision == 3


def test_an_existing_file_is_never_overwritten(cli, database, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("an older backup")
    refused = cli("backup", str(target), check=False)
    assert refused.returncode == 1
    assert f"screening: error: {target} already exists" in refused.stderr
    assert target.read_text() == "an older backup"
    assert not decision_log(target).exists()
    # And the decision log's name taken is refused too, before the lists are copied.
    other = tmp_path / "other.db"
    decision_log(other).write_text("x")
    assert cli("backup", str(other), check=False).returncode == 1 and not other.exists()


def test_a_failed_backup_leaves_no_file(cli, database, tmp_path):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "family")
    target = tmp_path / "backups"
    target.mkdir()
    # The decision log's schema from a newer release: the lists are copied first, then this fails.
    with sqlite3.connect(decision_log(database)) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '')")
    failed = cli("backup", str(target), check=False)
    assert failed.returncode == 1 and "screening: error:" in failed.stderr
    assert os.listdir(target) == []


def test_a_copy_whose_change_log_does_not_verify_is_not_kept(cli, database, tmp_path):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "family")
    with sqlite3.connect(database) as conn:  # changed behind the change log's back
        conn.execute("UPDATE allowlist SET number = '+6281399999999'")
    target = tmp_path / "copy.db"
    failed = cli("backup", str(target), check=False)
    assert failed.returncode == 1
    assert "the copy's change log does not verify" in failed.stderr
    assert not target.exists() and not decision_log(target).exists()
    assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []  # no temporary file


def test_postgresql_is_pointed_to_pg_dump(tmp_path):
    refused = Cli("postgresql://screening:secret@db.example/screening")("backup", str(tmp_path / "x"), check=False)
    assert refused.returncode == 1
    assert "pg_dump --format=custom" in refused.stderr and "pg_restore" in refused.stderr
    assert "secret" not in refused.stderr
