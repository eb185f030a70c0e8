"""`screening privileged import`: a legal-aid office's list of lawyers, on
both backends, validated and audited as the other imports are."""

import json

import pytest

from conftest import Cli
from test_cli_import import entries, history, write

pytestmark = pytest.mark.e2e

LAWYERS = (
    "number,name,kind,reason\n"
    "# Legal-aid office, November 2026\n"
    "0812-7000-1001,Adv. Rahmat Hidayat,attorney,counsel of record\n"
    "(021) 3145-6789,LBH Jakarta,legal-aid,\n"
    "+62 812 7000 1001,Rahmat Hidayat,attorney,the same number again\n"
    "0812-7000-1002,Adv. Sri Wahyuni,,\n"
    "0812-7000-1003,Adv. Made Wirawan,Attorney,\n"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_cli(request):
    """The CLI on a fresh store of the backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("cli")
    cli = Cli(request.getfixturevalue("postgres_url"))
    cli("init")
    return cli


def test_a_list_of_lawyers_is_imported_once_audited_and_all_or_nothing(store_cli, tmp_path):
    cli = store_cli
    cli("privileged", "add", "0812-7000-1003", "--name", "Made Wirawan", "--kind", "attorney", "--reason", "earlier")
    done = cli("privileged", "import", write(tmp_path / "lbh.csv", LAWYERS), "--reason", "LBH list 2026-11")
    assert "  added: 3\n" in done.stdout, done.stdout
    assert "  duplicates within the file, not added twice: 1 (line 5)\n" in done.stdout
    assert "  already on the privileged list, left as they are: 1 (line 7)\n" in done.stdout
    assert "imported into the privileged list: list version 2\n" in done.stdout
    assert [(e["number"], e["name"], e["kind"], e["reason"]) for e in entries(cli, "privileged")] == [
        ("+6281270001003", "Made Wirawan", "attorney", "earlier"),
        ("+6281270001001", "Adv. Rahmat Hidayat", "attorney", "counsel of record"),
        ("+622131456789", "LBH Jakarta", "legal-aid", "LBH list 2026-11"),
        ("+6281270001002", "Adv. Sri Wahyuni", "other", "LBH list 2026-11"),  # no kind: other, as `add`
    ]
    imported = history(cli)[0]
    assert (imported["action"], imported["list"]) == ("import", "privileged")
    details = imported["details"] if isinstance(imported["details"], dict) else json.loads(imported["details"])
    assert (details["rows"], details["added"], details["already_present"]) == (5, 3, 1)

    bad = ("number,name,kind\n"
           "0812-7000-2001,Adv. Baru,attorney\n"
           "0812-70,Adv. Pendek,attorney\n"
           "0812-7000-2003,,legal-aid\n"
           "0812-7000-2004,Adv. Hakim,judge\n")
    refused = cli("privileged", "import", write(tmp_path / "bad.csv", bad), "--reason", "r", check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert lines[0].startswith(f"screening: error: {tmp_path}/bad.csv line 3: column number: '0812-70' is not")
    assert lines[1] == f"screening: error: {tmp_path}/bad.csv line 4: name is required"
    assert lines[2].startswith(f"screening: error: {tmp_path}/bad.csv line 5: column kind: unknown privileged "
                               "kind 'judge'; choose one of other, attorney, legal-aid, embassy, hotline")
    assert "3 of 4 rows are invalid, so nothing was imported" in lines[3]
    assert len(entries(cli, "privileged")) == 4 and len(history(cli)) == 2  # nothing changed, nothing logged
