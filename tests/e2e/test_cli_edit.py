"""`screening LIST edit|remove`: an entry named by --id or its key, edits on
every list, and removals that find nothing saying what was meant. In
process (screening.cli.main) on a real SQLite file: these are about
arguments and output."""

import json
import os
import shutil

import pytest

from screening.adapters.sqlite.store import SqliteStore
from screening.cli.main import main
from screening.domain.entries import BlockEntry, WatchEntry
from screening.domain.model import BlockAction

pytestmark = pytest.mark.e2e


@pytest.fixture
def run(tmp_path, initialized, capsys, monkeypatch):
    """`screening ARGS --reason r` on a copy of an initialized database:
    (exit status, stdout, stderr), stderr without argparse's usage lines."""
    for name in [n for n in os.environ if n.startswith("SCREENING_")]:
        monkeypatch.delenv(name)
    database = tmp_path / "screening.db"
    shutil.copy2(initialized, database)

    def run(*args, reason="r"):
        argv = [*args, "--database", str(database), *(["--reason", reason] if reason else [])]
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            status = exit_.code
        out, err = capsys.readouterr()
        return status, out, "\n".join(line for line in err.splitlines() if line.startswith(("screening", "error")))

    def entries(entry_type):
        with SqliteStore(database) as store:
            return list(store.entries(entry_type))

    run.entries = entries
    return run


def _ok(run, *args) -> str:
    status, out, err = run(*args)
    assert status == 0, err
    return out


def _log(run) -> list[dict]:
    return json.loads(run("audit", "--format", "json", reason="")[1])


def test_every_list_edits_by_id_or_by_key_each_edit_one_audited_change(run):
    _ok(run, "allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--facility", "LP-A")
    _ok(run, "privileged", "add", "021-5551234", "--name", "LBH")
    _ok(run, "watchlist", "add", "Siti Aminah", "--alias", "Bu Siti")
    _ok(run, "blocklist", "add", "0811-1111-1111")
    assert _ok(run, "allowlist", "edit", "--id", "1", "--name", "Siti Aminah", "--relationship", "mother") == (
        "edited allowlist entry 1: +6281234567890 (name: 'Ibu Siti' -> 'Siti Aminah'; "
        "relationship: '' -> 'mother')\n")
    assert _ok(run, "allowlist", "edit", "A-1", "+62 812 3456 7890", "--facility", "LP-A", "--relationship", "") == (
        "edited allowlist entry 1: +6281234567890 (relationship: 'mother' -> '')\n")
    _ok(run, "allowlist", "add", "A-2", "0812-3456-7890", "--name", "Siti Aminah")
    status, out, err = run("allowlist", "edit", "--id", "2", "--name", "Rudi Hartono")
    assert (status, out) == (0, "edited allowlist entry 2: +6281234567890 (name: 'Siti Aminah' -> 'Rudi Hartono')\n")
    assert err.startswith("screening: warning: +6281234567890 is also registered by inmate A-1 as 'Siti Aminah', "
                          "not the same person as 'Rudi Hartono'")
    assert _ok(run, "privileged", "edit", "(021) 555-1234", "--kind", "legal-aid", "--name", "LBH Jakarta") == (
        "edited privileged entry 1: +62215551234 (name: 'LBH' -> 'LBH Jakarta'; kind: other -> legal-aid)\n")
    assert _ok(run, "watchlist", "edit", "--id", "1", "--alias", "Ibu Siti", "--alias", "S. Aminah",
               "--category", "fraud", "--action", "deny") == (
        "edited watchlist entry 1: 'Siti Aminah' (aliases: ['Bu Siti'] -> ['Ibu Siti', 'S. Aminah']; "
        "category: other -> fraud; action: review -> deny)\n")
    assert _ok(run, "watchlist", "edit", "Siti Aminah", "--no-aliases") == (
        "edited watchlist entry 1: 'Siti Aminah' (aliases: ['Ibu Siti', 'S. Aminah'] -> [])\n")
    assert _ok(run, "blocklist", "edit", "--id", "1", "--action", "review", "--source", "LP/B/1") == (
        "edited blocklist entry 1: +6281111111111 (action: deny -> review; source: '' -> 'LP/B/1')\n")
    assert _ok(run, "privileged", "edit", "--id", "1", "--kind", "legal-aid") == (
        "nothing changed: privileged entry 1 is already so\n")
    log = _log(run)
    edits = [(r["list"], r["before"], r["after"]) for r in log if r["action"] == "edit"]
    assert [(name, before["id"] == after["id"]) for name, before, after in edits] == [
        ("allowlist", True), ("allowlist", True), ("allowlist", True), ("privileged", True), ("watchlist", True), ("watchlist", True),
        ("blocklist", True)]  # the no-op edit is not logged
    assert (edits[4][1]["aliases"], edits[4][2]["aliases"], edits[4][2]["category"]) == (
        ["Bu Siti"], ["Ibu Siti", "S. Aminah"], "fraud")
    [watched] = run.entries(WatchEntry)
    assert (watched.aliases, watched.action) == ((), BlockAction.DENY)
    assert run("audit", "verify", reason="")[0] == 0


def test_remove_by_id_on_every_list_and_an_unknown_id_names_the_list(run):
    _ok(run, "allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti")
    _ok(run, "privileged", "add", "021-5551234", "--name", "LBH")
    _ok(run, "watchlist", "add", "Siti Aminah")
    _ok(run, "blocklist", "add", "0811-1111-1111")
    _ok(run, "blocklist", "add", "0811-1111-1112")
    assert _ok(run, "blocklist", "remove", "--id", "2") == "removed blocklist entry 2: +6281111111112\n"
    assert _ok(run, "allowlist", "remove", "--id", "1") == "removed allowlist entry 1: +6281234567890\n"
    assert _ok(run, "privileged", "remove", "--id", "1") == "removed privileged entry 1: +62215551234\n"
    assert _ok(run, "watchlist", "remove", "--id", "1") == "removed watchlist entry 1: 'Siti Aminah'\n"
    version = len(_log(run))
    assert run("privileged", "remove", "--id", "1")[1:] == (
        "", "screening: error: privileged has no entry 1: ids are per list, `screening privileged list` shows them")
    assert run("blocklist", "edit", "--id", "9", "--action", "review")[2] == (
        "screening: error: blocklist has no entry 9: ids are per list, `screening blocklist list` shows them")
    status, _, err = run("blocklist", "remove", "--id", "1", "0811-1111-1111")
    assert status == 1 and err == ("screening: error: --id names the entry, so leave out the pattern: it only names "
                                   "an entry by its key (to change it, remove the entry and add it again)")
    assert run("allowlist", "remove", "A-1")[2] == (
        "screening: error: name the allowlist entry by its inmate and number (and --facility), or by --id")
    assert run("watchlist", "remove", "--id", "x")[2] == (
        "screening watchlist remove: error: argument --id: invalid int value: 'x'")
    assert len(_log(run)) == version  # nothing changed
    assert [e.pattern for e in run.entries(BlockEntry)] == ["+6281111111111"]


def test_a_removal_that_finds_nothing_says_what_was_meant(run):
    _ok(run, "allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--facility", "LP-A")
    _ok(run, "allowlist", "add", "A-2", "0812-3456-7891", "--name", "Pak Budi")
    _ok(run, "blocklist", "add", "+62811111111*", "--scope", "facility:LP-A")
    _ok(run, "blocklist", "add", "+62811111111*", "--scope", "inmate:A-1")
    _ok(run, "blocklist", "add", "0811-2222-2222", "--scope", "inmate:A-1")
    _ok(run, "blocklist", "add", "+6281333333*")
    _ok(run, "watchlist", "add", "Rudi Hartono", "--alias", "Pak Rudi", "--scope", "facility:LP-A")
    version = len(_log(run))
    wanted = {
        ("allowlist", "remove", "A-1", "0812 3456 7890"):
            "inmate A-1 has +6281234567890 approved at facility LP-A (entry 1): add --facility LP-A "
            "(or remove --id 1)",
        ("allowlist", "edit", "A-2", "0812 3456 7891", "--facility", "LP-B", "--name", "x"):
            "inmate A-2 has +6281234567891 approved at every facility (entry 2): leave out --facility "
            "(or edit --id 2)",
        ("allowlist", "remove", "A-3", "0812 3456 7890", "--facility", "LP-A"):
            "+6281234567890 is approved for inmate(s) A-1, not A-3",
        ("blocklist", "remove", "+62811111111*"):
            "+62811111111* is blocked at scopes facility:LP-A (entry 1), inmate:A-1 (entry 2): give --scope with "
            "one of them (or remove --id N)",
        ("blocklist", "edit", "0811 2222 2222", "--action", "review"):
            "+6281122222222 is blocked at scope inmate:A-1 (entry 3): give --scope inmate:A-1 (or edit --id 3)",
        ("blocklist", "remove", "0813-3333-3333"):
            "+6281333333333 is not blocked on its own but inside the blocked pattern(s) +6281333333* "
            "(global, entry 4)",
        ("watchlist", "remove", "RUDI HARTONO"):
            "'RUDI HARTONO' is watched at scope facility:LP-A (entry 1): give --scope facility:LP-A "
            "(or remove --id 1)",
        ("watchlist", "remove", "Pak Rudi", "--scope", "facility:LP-A"):
            "'Pak Rudi' is an alias of 'Rudi Hartono' (entry 1, facility:LP-A): name the entry by its name or --id",
    }
    for args, hint in wanted.items():
        assert run(*args)[:3:2] == (1, f"screening: error: no such entry; {hint}"), args
    assert run("privileged", "remove", "021-5551234")[2] == (
        "screening: error: privileged has no entry for number='+62215551234'")  # nothing near: the plain error
    assert len(_log(run)) == version


def test_watched_names_are_found_whatever_their_case_and_accents(run):
    for name in ("Siti Aminah", "Rudi Hartono", "RUDI HARTONO"):
        _ok(run, "watchlist", "add", name)
    assert _ok(run, "watchlist", "edit", "siti aminah", "--category", "fraud") == (
        "edited watchlist entry 1: 'Siti Aminah' (category: other -> fraud)\n")
    assert _ok(run, "watchlist", "edit", "Sití Amínah", "--category", "fraud") == (
        "nothing changed: watchlist entry 1 is already so\n")
    assert _ok(run, "watchlist", "remove", "SITI AMINAH") == "removed watchlist entry 1: 'Siti Aminah'\n"
    assert run("watchlist", "remove", "rudi hártono")[2] == (
        "screening: error: 'rudi hártono' matches 2 watchlist entries at scope global: 2 ('Rudi Hartono'), "
        "3 ('RUDI HARTONO'); give --id")
    # The name exactly as stored is that entry, even when another is alike.
    assert _ok(run, "watchlist", "remove", "RUDI HARTONO") == "removed watchlist entry 3: 'RUDI HARTONO'\n"
    assert _ok(run, "watchlist", "remove", "rudi hártono") == "removed watchlist entry 2: 'Rudi Hartono'\n"


def test_key_fields_and_empty_edits_are_refused_and_change_nothing(run):
    _ok(run, "allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti")
    _ok(run, "watchlist", "add", "Siti Aminah")
    _ok(run, "blocklist", "add", "0811-1111-1111")
    version = len(_log(run))
    key_field = "a key field names the entry and cannot be edited: remove the entry and add it again"
    for args, flag in ((("allowlist", "edit", "--id", "1", "--number", "0812"), "--number"),
                       (("allowlist", "edit", "--id", "1", "--inmate", "A-2"), "--inmate"),
                       (("privileged", "edit", "--id", "1", "--number", "0812"), "--number"),
                       (("blocklist", "edit", "--id", "1", "--pattern", "0812"), "--pattern"),
                       (("watchlist", "edit", "--id", "1", "--name", "Siti"), "--name")):
        status, _, err = run(*args)
        assert (status, err) == (2, f"screening {args[0]} edit: error: {flag}: {key_field}")
    assert run("allowlist", "edit", "--id", "1", "--facility", "LP-A", "--name", "x")[2] == (
        "screening: error: --id names the entry, so leave out --facility: it only names an entry by its key "
        "(to change it, remove the entry and add it again)")
    for name, flags in (("allowlist", "--name or --relationship"), ("privileged", "--name or --kind"),
                        ("watchlist", "--alias, --no-aliases, --category or --action"),
                        ("blocklist", "--category, --action, --source or --expires")):
        assert run(name, "edit", "--id", "1")[2] == f"screening: error: nothing to change: give {flags}"
    assert run("watchlist", "edit", "--id", "1", "--alias", "?!")[2] == (
        "screening: error: '?!' has no name left once titles and punctuation are taken off")
    assert run("allowlist", "edit", "--id", "1", "--name", " ")[2] == "screening: error: name is required"
    assert len(_log(run)) == version
