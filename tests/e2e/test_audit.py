"""`screening audit verify` catches an insider's edits to the database file.

Each test changes the real SQLite file with the sqlite3 command-line tool's
library, as someone with write access to the file would: dropping the
append-only triggers first, then editing.
"""

import json
import sqlite3

import pytest

pytestmark = pytest.mark.e2e

KEY = "k3y-for-the-change-log-0123456789"


@pytest.fixture
def lists(cli):
    cli.env = {"SUDO_USER": "polda.metro"}
    cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1/XI/2026")
    cli.env = {"SUDO_USER": "kplp.budi"}
    cli("allowlist", "add", "A-001", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "visit 2026-11-28")
    cli("blocklist", "add", "0811-2222-2222", "--reason", "LP/B/2/XI/2026")
    cli("blocklist", "import", "-", "--reason", "LP/B/3/XI/2026", input="0813-3333-3333\n0813-3333-3334\n")
    cli("blocklist", "remove", "0811-2222-2222", "--reason", "report withdrawn")
    return cli


def insider(database, *statements):
    conn = sqlite3.connect(database)
    for trigger in ("change_log_no_update", "change_log_no_delete", "change_rows_no_update",
                    "change_rows_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def verify(cli, *args):
    result = cli("audit", "verify", *args, check=False)
    return result.returncode, result.stdout + result.stderr


def test_an_untouched_database_verifies(lists):
    code, output = verify(lists)
    assert code == 0, output
    assert "change log intact: 5 entries" in output and "list version 5" in output


def test_an_edited_entry_is_caught(lists, database):
    insider(database, "UPDATE change_log SET reason = 'typo' WHERE version = 1")
    code, output = verify(lists)
    assert code == 1
    assert "change log entry at version 1: its content does not match its hash: the entry was edited" in output


def test_a_deleted_entry_is_caught(lists, database):
    insider(database, "DELETE FROM change_log WHERE version = 3")
    code, output = verify(lists)
    assert code == 1
    assert "change log entry at version 4: follows version 2" in output


def test_reordered_entries_are_caught(lists, database):
    # Swap the contents of two entries, keeping the versions in order.
    insider(database,
            "UPDATE change_log SET version = -1 WHERE version = 1",
            "UPDATE change_log SET version = 1 WHERE version = 3",
            "UPDATE change_log SET version = 3 WHERE version = -1")
    code, output = verify(lists)
    assert code == 1
    assert ("change log entry at version 1: its previous hash is not the hash of the entry before it: "
            "an entry was deleted, inserted or reordered") in output


def test_a_block_deleted_directly_is_caught(lists, database):
    insider(database, "DELETE FROM blocklist WHERE pattern = '+6281111111111'")
    code, output = verify(lists)
    assert code == 1
    assert "blocklist entry 1 is missing from the table, but the change log never removed it" in output


def test_a_block_edited_directly_is_caught(lists, database):
    insider(database, "UPDATE blocklist SET action = 'review' WHERE pattern = '+6281333333333'")
    code, output = verify(lists)
    assert code == 1
    assert "differs from what the change log says it is (edited directly in the database?)" in output


def test_a_row_added_directly_is_caught(lists, database):
    insider(database, "INSERT INTO allowlist (inmate_id, number, name, created_at, created_by, reason) "
                      "VALUES ('A-001', '+6289999999999', 'x', '', '', '')")
    code, output = verify(lists)
    assert code == 1 and "the change log never added it" in output


def test_an_imported_row_edited_in_the_log_is_caught(lists, database):
    insider(database, "UPDATE change_rows SET data = zeroblob(8) WHERE version = 4")
    code, output = verify(lists)
    assert code == 1


def test_a_cut_off_tail_is_caught_given_the_head(lists, database):
    head = lists("audit", "head").stdout.strip()
    assert head.startswith("5:") and len(head) == 2 + 64
    lists("blocklist", "add", "0811-4444-4444", "--reason", "LP/B/4/XI/2026")
    assert verify(lists, "--head", head)[0] == 0  # the chain has grown past the head: fine
    # Cut the last two entries and set the lists back: the chain alone looks whole.
    insider(database,
            "DELETE FROM change_log WHERE version >= 5",
            "DELETE FROM blocklist WHERE pattern = '+6281144444444'",
            "INSERT INTO blocklist (id, pattern, category, action, created_at, created_by, reason) "
            "SELECT 2, '+6281122222222', 'fraud', 'deny', json_extract(after, '$.created_at'), "
            "json_extract(after, '$.created_by'), 'LP/B/2/XI/2026' FROM change_log WHERE version = 3",
            "UPDATE list_version SET version = 4")
    assert verify(lists)[0] == 0  # a chain cannot see its own truncation...
    code, output = verify(lists, "--head", head)
    assert code == 1  # ...the head written down outside can
    assert "the change log does not reach the head 5:" in output


def test_with_the_key_a_rebuilt_chain_is_caught(lists, database, tmp_path):
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY)
    lists.env = {"SCREENING_AUDIT_KEY_FILE": str(key_file)}
    lists("blocklist", "add", "0811-5555-5555", "--reason", "LP/B/5/XI/2026")
    code, output = verify(lists)
    assert code == 0 and "1 with a valid MAC" in output
    # An insider edits the newest entry and recomputes its hash, without the key.
    from screening.domain.changelog import LogEntry, chain_hash

    conn = sqlite3.connect(database)
    row = conn.execute("SELECT version, at, actor, reason, action, list, entry_id, before, after, details, rows, "
                       "rows_sha256, prev_hash FROM change_log WHERE version = 6").fetchone()
    entry = LogEntry(*row[:7], json.loads(row[7]) if row[7] else None, json.loads(row[8]) if row[8] else None,
                     json.loads(row[9]), row[10], row[11], row[12])
    forged = LogEntry(**{**entry.__dict__, "reason": "nothing to see"})
    insider(database, f"UPDATE change_log SET reason = 'nothing to see', hash = '{chain_hash(entry.prev_hash, forged)}' "
                      "WHERE version = 6")
    conn.close()
    lists.env = {}
    assert verify(lists)[0] == 0  # without the key, the rebuilt chain holds
    lists.env = {"SCREENING_AUDIT_KEY_FILE": str(key_file)}
    code, output = verify(lists)
    assert code == 1 and "its MAC is not valid for this key" in output


def test_audit_lists_the_history_with_numbers_in_any_form(lists):
    rows = json.loads(lists("audit", "--format", "json", "--number", "+62 813-3333-3334").stdout)
    assert [(r["action"], r["version"], r["rows"]) for r in rows] == [("import", 4, 2)]
    rows = json.loads(lists("audit", "--format", "json", "--number", "0811 2222 2222").stdout)
    assert [r["action"] for r in rows] == ["add", "remove"]
    assert [r["action"] for r in json.loads(lists("audit", "--format", "json", "--actor", "polda.metro").stdout)] \
        == ["add"]
    assert isinstance(rows[0]["after"], dict)  # objects, not JSON strings inside JSON
