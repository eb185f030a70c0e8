"""`screening LIST list` filters, run in-process (screening.cli.main) on a
real SQLite file, and on PostgreSQL where the store does the matching:
--number in any form (on the blocklist: every entry that matches it),
--category, --kind, --scope, --source, --expired, --name and --limit, and
one clear line for a filter that is wrong."""

import json
from datetime import UTC, datetime

import pytest

from screening.adapters.database import open_store
from screening.cli.main import main
from screening.domain.entries import BlockEntry, Change

pytestmark = pytest.mark.e2e

EXPIRED = "+6281299990000"


@pytest.fixture
def run(capsys, monkeypatch):
    """run(database, *args) -> (exit status, stdout, stderr) of `screening ARGS --database D`."""
    for name in [n for n in __import__("os").environ if n.startswith("SCREENING_")]:
        monkeypatch.delenv(name)

    def run(database, *args):
        try:
            status = main([*args, "--database", str(database)])
        except SystemExit as usage:  # argparse: a usage error
            status = usage.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _seed(run, database) -> None:
    for args in (("+6281234567890",),  # exact
                 ("+62812345*",),  # prefix
                 ("+628123456789?",),  # wildcard
                 ("+6281234567800..+6281234567899",),  # range
                 ("+6281234567800..+6281234567899", "--scope", "facility:LP-A", "--category", "victim",
                  "--source", "LP/B/123/XI/2026", "--action", "review"),
                 ("+6281111111111", "--source", "LP/B/123/XI/2026"),  # another number
                 ("+628123456780..+628123456799",)):  # a range of shorter numbers
        assert run(database, "blocklist", "add", *args, "--reason", "police report")[0] == 0
    with open_store(str(database), "rw") as store:  # added back when its expiry was ahead
        store.add(BlockEntry(EXPIRED, expires_at=datetime(2026, 1, 1, tzinfo=UTC)), Change("budi", "tip"))


def _patterns(run, database, *args) -> list[str]:
    status, out, err = run(database, "blocklist", "list", *args, "--format", "json")
    assert status == 0, err
    return [row["pattern"] for row in json.loads(out)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, run, tmp_path):
    """An initialized database of each backend: the matching is the store's."""
    where = tmp_path / "screening.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param == "postgresql":
        request.getfixturevalue("monkeypatch").setenv("SCREENING_DECISION_SPOOL", str(tmp_path / "spool"))
    assert run(where, "init")[0] == 0
    return where


def test_blocklist_number_finds_every_entry_that_matches_it_in_any_form(run, database):
    _seed(run, database)
    matching = ["+6281234567890", "+62812345*", "+628123456789?", "+6281234567800..+6281234567899",
                "+6281234567800..+6281234567899"]
    for typed in ("0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456 7890"):
        assert _patterns(run, database, "--number", typed) == matching, typed
    assert _patterns(run, database, "--number", "0812-3456-7890", "--scope", "facility:LP-A") == [matching[-1]]
    assert _patterns(run, database, "--number", "0812-3456-7890", "--category", "victim") == [matching[-1]]
    assert _patterns(run, database, "--number", "0812-3456-7890", "--scope", "global") == matching[:-1]
    assert _patterns(run, database, "--source", "LP/B/123/XI/2026") == [matching[-1], "+6281111111111"]
    assert _patterns(run, database, "--number", "0812-3456-7911") == ["+62812345*"]
    assert _patterns(run, database, "--number", "0813-0000-0000") == []
    status, out, _ = run(database, "blocklist", "list", "--number", "0813-0000-0000")
    assert status == 0 and "(no entries)" in out


def test_expired_entries_are_listed_with_a_note_and_alone_with_expired(run, database):
    _seed(run, database)
    status, out, err = run(database, "blocklist", "list")
    assert status == 0 and EXPIRED in out
    assert err == ("screening: note: 1 of these entries has expired and no longer match calls "
                   "(--expired lists only those)\n")
    assert _patterns(run, database, "--expired") == [EXPIRED]
    assert _patterns(run, database, "--number", EXPIRED) == [EXPIRED]
    status, out, err = run(database, "blocklist", "list", "--number", "0812-3456-7890")
    assert EXPIRED not in out and err == ""


def test_limit_cuts_the_listing_and_says_so_on_stderr(run, database):
    _seed(run, database)
    status, out, err = run(database, "blocklist", "list", "--limit", "2", "--format", "csv")
    assert status == 0 and out.splitlines()[1:] and len(out.splitlines()) == 3  # header and 2 rows
    assert err == "screening: showing 2 of 8 entries (--limit 2)\n"
    status, out, err = run(database, "blocklist", "list", "--limit", "8", "--format", "csv")
    assert len(out.splitlines()) == 9 and "showing" not in err


def test_allowlist_and_privileged_filters(run, tmp_path):
    database = tmp_path / "screening.db"
    run(database, "init")
    for inmate, number, facility in (("A-1", "0812-3456-7890", ""), ("A-2", "+62 812 3456 7890", ""),
                                     ("A-2", "0812-9999-0000", "LP-A")):
        run(database, "allowlist", "add", inmate, number, "--name", "Ibu Siti", "--facility", facility,
            "--reason", "visit")
    run(database, "privileged", "add", "021-3920-1234", "--name", "LBH Jakarta", "--kind", "legal-aid",
        "--reason", "r")
    run(database, "privileged", "add", "021-5799-6000", "--name", "Embassy", "--kind", "embassy", "--reason", "r")

    def listed(list_name, *args, key="inmate_id"):
        status, out, err = run(database, list_name, "list", *args, "--format", "json")
        assert status == 0, err
        return [row[key] for row in json.loads(out)]

    assert listed("allowlist", "--number", "62 812-3456-7890") == ["A-1", "A-2"]
    assert listed("allowlist", "--number", "0812 3456 7890", "--inmate", "A-2") == ["A-2"]
    assert listed("allowlist", "--facility", "LP-A") == ["A-2"]
    assert listed("allowlist", "--facility", "") == ["A-1", "A-2"]  # the approvals for every facility
    assert listed("privileged", "--number", "+62 21 3920 1234", key="name") == ["LBH Jakarta"]
    assert listed("privileged", "--kind", "embassy", key="name") == ["Embassy"]


def test_watchlist_filters_match_names_as_calls_are_matched(run, tmp_path):
    database = tmp_path / "screening.db"
    run(database, "init")
    run(database, "watchlist", "add", "Muhammad Suharto", "--alias", "Harto", "--category", "judge",
        "--reason", "r")
    run(database, "watchlist", "add", "Siti Aminah", "--category", "victim", "--scope", "facility:LP-A",
        "--reason", "r")
    run(database, "watchlist", "add", "Budi Santoso", "--category", "witness", "--reason", "r")

    def named(*args):
        status, out, err = run(database, "watchlist", "list", *args, "--format", "json")
        assert status == 0, err
        return [row["name"] for row in json.loads(out)]

    assert named("--name", "Bapak H. Moch. Soeharto, S.H.") == ["Muhammad Suharto"]  # titles, old spelling
    assert named("--name", "aminah siti") == ["Siti Aminah"]  # word order; a scoped entry too
    assert named("--name", "Joko Widodo") == []
    assert named("--category", "victim") == named("--scope", "facility:LP-A") == ["Siti Aminah"]


def test_a_wrong_filter_is_one_clear_line(run, tmp_path):
    database = tmp_path / "screening.db"
    run(database, "init")
    for args, status, said in (
            (("blocklist", "list", "--number", "0812-abc"), 1, "--number: '0812-abc' is not a phone number"),
            (("allowlist", "list", "--number", "12"), 1, "--number: '12' is not a valid phone number"),
            (("blocklist", "list", "--category", "frod"), 1, "unknown category 'frod'; choose one of fraud,"),
            (("watchlist", "list", "--category", "fraudster"), 1, "unknown watch category 'fraudster'"),
            (("privileged", "list", "--kind", "lawyer"), 1, "unknown privileged kind 'lawyer'"),
            (("blocklist", "list", "--scope", "facility"), 1, "scope 'facility' is not global, facility:ID"),
            (("blocklist", "list", "--limit", "0"), 1, "--limit 0: give a number of entries, 1 or more"),
            (("watchlist", "list", "--limit", "-5"), 1, "--limit -5: give a number of entries, 1 or more"),
            (("watchlist", "list", "--name", "..."), 1, "--name '...' has no name left"),
            (("blocklist", "list", "--limit", "ten"), 2, "argument --limit: invalid int value: 'ten'"),
            (("watchlist", "list", "--number", "0812-3456-7890"), 2, "unknown option --number (did you mean --name?)")):
        code, out, err = run(database, *args)
        assert code == status and out == "", args
        assert said in err and err.count("error") == 1, (args, err)
        if status == 1:
            assert len(err.splitlines()) == 1, err
