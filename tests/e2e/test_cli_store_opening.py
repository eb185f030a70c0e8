"""How the CLI opens the databases, as a new user or an auditor meets it:
only `init` (and `serve`) create one, commands that read open it read-only,
and a database that SQLite cannot use is one line, never a traceback."""

import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from screening.adapters.sqlite.migrations import bundled_migrations
from screening.adapters.sqlite.store import SqliteStore
from conftest import Cli, ServerProcess, _environment, decision_log

pytestmark = pytest.mark.e2e

CHECK = ["check", "--facility", "LP-A", "--inmate", "A-1", "--number", "0811-1111-1111"]
READS = [["allowlist", "list"], ["privileged", "list"], ["blocklist", "list"], ["watchlist", "list"], CHECK,
         ["blocklist", "export"], ["history"]]
CHANGES = [["allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r"],
           ["allowlist", "remove", "A-1", "0812-3456-7890", "--reason", "r"],
           ["privileged", "add", "021 5551234", "--name", "LBH", "--reason", "r"],
           ["blocklist", "add", "0811-1111-1111", "--reason", "r"],
           ["blocklist", "remove", "0811-1111-1111", "--reason", "r"],
           ["watchlist", "add", "Siti Aminah", "--reason", "r"],
           ["blocklist", "import", "-", "--reason", "r"]]


def files_below(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("args", READS + CHANGES, ids=lambda a: " ".join(a[:2]))
def test_a_command_on_a_missing_database_refuses_and_creates_nothing(tmp_path, args):
    database = tmp_path / "typo" / "screening.db"
    result = Cli(database)(*args, check=False, input="0811-1111-1111\n")
    assert result.returncode == 1
    assert result.stderr == (f"screening: error: no database at {database}; create it with 'screening init "
                             f"--database {database}' or by starting 'screening serve --database {database}'\n")
    assert result.stdout == ""
    assert files_below(tmp_path) == []


def test_prune_refuses_a_missing_decision_log_and_creates_nothing(tmp_path):
    result = Cli(tmp_path / "screening.db")("decisions", "prune", "--older-than-days", "30", check=False)
    assert (result.returncode, result.stderr) == (
        1, f"screening: error: no decision log at {tmp_path / 'screening-decisions.db'}\n")
    assert files_below(tmp_path) == []


def test_init_creates_both_databases_owner_only_then_says_they_exist(tmp_path):
    database = tmp_path / "new" / "screening.db"
    cli = Cli(database)
    assert cli("init").stdout == (f"created database {database} (owner-only)\n"
                                  f"created decision log {decision_log(database)} (owner-only)\n")
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    for path in (database, decision_log(database)):
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name
    assert cli("init").stdout == (f"database {database} exists; its schema is current\n"
                                  f"decision log {decision_log(database)} exists; its schema is current\n")
    assert cli("blocklist", "add", "0811-1111-1111", "--reason", "r").stdout.startswith("blocked: +6281111111111")


def test_a_read_refuses_an_older_schema_and_init_upgrades_it(tmp_path):
    database = tmp_path / "screening.db"
    SqliteStore(database, migrations=bundled_migrations()[:1]).close()  # as an older release left it
    cli = Cli(database)
    latest = bundled_migrations()[-1].version
    result = cli("blocklist", "list", check=False)
    assert (result.returncode, result.stderr) == (
        1, f"screening: error: {database}: the database is at schema version 1, older than this release of "
           f"screening ({latest}); run 'screening init' or start the server to upgrade it\n")
    assert cli("init").stdout.splitlines()[0] == f"database {database} exists; upgraded it to schema version {latest}"
    assert "(no entries)" in cli("blocklist", "list").stdout


def test_a_sqlite_url_with_three_slashes_is_relative_to_the_working_folder(tmp_path):
    Cli("sqlite:///data/lists.db", cwd=tmp_path)("init")
    assert (tmp_path / "data" / "lists.db").exists()


def test_a_sqlite_url_with_four_slashes_is_absolute(tmp_path):
    working, database = tmp_path / "working", tmp_path / "data" / "lists.db"
    working.mkdir()
    url = "sqlite:////" + str(database).lstrip("/")
    Cli(url, cwd=working)("init")
    assert database.exists() and files_below(working) == []
    Cli(url, cwd=working)("blocklist", "add", "0811-1111-1111", "--reason", "r")
    assert "+6281111111111" in Cli(database)("blocklist", "list").stdout  # the same file as its path


def damage_blocklist(database: Path) -> None:
    """Overwrite the blocklist table's root page: the schema still reads, that table does not."""
    conn = sqlite3.connect(database)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'blocklist'").fetchone()[0]
    conn.close()
    with open(database, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)


ADD = ["blocklist", "add", "0857-1234-5678", "--reason", "r"]


@pytest.mark.parametrize("damage, args, says", [
    *(("not a database", args, "file is not a database")
      for args in (["blocklist", "list"], ["history"], CHECK, ["blocklist", "export"], ADD, ["init"])),
    *(("a folder", args, "it is a folder") for args in (["blocklist", "list"], ADD, ["init"])),
    *(("a damaged table", args, "database disk image is malformed")
      for args in (["blocklist", "list"], CHECK, ["blocklist", "export"], ADD)),
], ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else v)
def test_a_database_sqlite_cannot_use_is_one_line(tmp_path, damage, args, says):
    database = tmp_path / "screening.db"
    cli = Cli(database)
    if damage == "not a database":
        database.write_text("garbage\n")
    elif damage == "a folder":
        database.mkdir()
    else:
        cli("init")
        cli("blocklist", "add", "0811-1111-1111", "--reason", "r")
        damage_blocklist(database)
    result = cli(*args, check=False)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("screening: error: ") and line.endswith(says), line


# The auditor: may read the files and search the folder, write nothing. As root,
# the commands run as `nobody` (root could write anything); otherwise the
# files and the folder are made read-only for this user.
_AS_NOBODY = """
import os, sys
from screening.cli import main
# Imported as root: the interpreter may live where nobody cannot read.
import screening.bootstrap, screening.adapters.files.export, screening.adapters.grpc.convert
import screening.adapters.files.import_files, screening.service.imports, google.protobuf.json_format
os.setgroups([])
os.setgid({gid})
os.setuid({uid})
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def auditor():
    """(a folder the auditor can reach, run(args, database) -> CompletedProcess as the auditor, grant(folder))."""
    folder = Path(tempfile.mkdtemp(prefix="screening-auditor-"))  # not under pytest's owner-only tmp folder
    os.chmod(folder, 0o755)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        command = [sys.executable, "-c", _AS_NOBODY.format(uid=nobody.pw_uid, gid=nobody.pw_gid)]

        def grant(data: Path) -> None:  # as an administrator would: o+r on the files, o+rx on the folder
            os.chmod(data, stat.S_IMODE(data.stat().st_mode) | 0o005)
            for path in data.iterdir():
                os.chmod(path, stat.S_IMODE(path.stat().st_mode) | 0o004)
    else:
        command = [sys.executable, "-m", "screening.cli"]

        def grant(data: Path) -> None:  # the owner's own write permission taken away
            for path in data.iterdir():
                os.chmod(path, 0o444)
            os.chmod(data, 0o555)

    def run(args, database):
        return subprocess.run([*command, *args, "--database", str(database)], capture_output=True, text=True,
                              env=_environment(), timeout=60)

    yield folder, run, grant
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


def test_every_read_works_for_a_user_who_may_only_read(auditor):
    folder, as_auditor, grant = auditor
    database = folder / "data" / "screening.db"
    cli = Cli(database)
    cli("init")
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "visit")
    cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1")
    grant(database.parent)
    before = {p.name: p.read_bytes() for p in database.parent.iterdir()}

    def read(*args):
        result = as_auditor(args, database)
        assert (result.returncode, result.stderr) == (0, ""), args
        return result.stdout

    assert [r["number"] for r in json.loads(read("allowlist", "list", "--format", "json"))] == ["+6281234567890"]
    assert "(no entries)" in read("privileged", "list") and "(no entries)" in read("watchlist", "list")
    assert "+6281111111111" in read("blocklist", "list")
    assert read(*CHECK).startswith("DENY  +6281111111111")
    assert read("blocklist", "export").splitlines()[1].startswith("+6281111111111,fraud,deny,LP/B/1")
    assert [r["action"] for r in json.loads(read("history", "--format", "json"))] == ["add", "add"]
    assert read("decisions", "prune", "--older-than-days", "30", "--dry-run").startswith("would delete 0")

    change = as_auditor(["blocklist", "add", "0857-1234-5678", "--reason", "r"], database)
    assert (change.returncode, change.stderr) == (
        1, f"screening: error: cannot change SQLite database {database}: this user may only read it\n")
    prune = as_auditor(["decisions", "prune", "--older-than-days", "30"], database)
    assert (prune.returncode, prune.stderr) == (
        1, f"screening: error: cannot change decision log {decision_log(database)}: this user may only read it\n")
    assert {p.name: p.read_bytes() for p in database.parent.iterdir()} == before


def test_a_reader_without_the_wal_files_is_told_how_to_get_them_back(auditor):
    folder, as_auditor, grant = auditor
    database = folder / "data" / "screening.db"
    cli = Cli(database)
    cli("init")
    for suffix in ("-wal", "-shm"):  # as a tool that closed it last would leave it
        Path(f"{database}{suffix}").unlink()
    grant(database.parent)
    result = as_auditor(["blocklist", "list"], database)
    assert (result.returncode, result.stderr) == (
        1, f"screening: error: cannot open SQLite database {database}: its -wal and -shm files are missing and "
           f"this user may not create them; have its owner run 'screening init' on it (they are kept from then on)\n")
    if os.geteuid() == 0:  # the owner (root) may still write the folder
        cli("init")
        grant(database.parent)
        assert as_auditor(["blocklist", "list"], database).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user: the server writes what the reader only reads")
def test_an_auditor_reads_while_the_server_is_writing(auditor):
    folder, as_auditor, grant = auditor
    database = folder / "data" / "screening.db"
    cli = Cli(database)
    cli("init")
    grant(database.parent)
    server = ServerProcess(database)
    try:
        assert server.screen("0811-1111-1111").decision  # logged by the server
        cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1")  # while it runs
        listed = as_auditor(["blocklist", "list", "--format", "json"], database)
        assert [e["pattern"] for e in json.loads(listed.stdout)] == ["+6281111111111"], listed.stderr
        checked = as_auditor(CHECK, database)  # the lists and the decision log the server writes
        assert checked.stdout.startswith("DENY  +6281111111111"), checked.stderr
    finally:
        server.stop()
