"""The three uses of called_party_name, through the gRPC API and through
`screening check`: watchlist, contact consistency, conflicting registrations."""

import json
import os

import pytest

from screening.cli.main import main
from screening.v1 import screening_pb2 as pb

pytestmark = pytest.mark.e2e

MOTHER = "0812-3456-7890"
STRANGER = "0857-1234-5678"


@pytest.fixture
def lists(cli):
    cli("watchlist", "add", "Bripka Joko Santoso", "--alias", "Djoko Santoso", "--category", "officer",
        "--action", "deny", "--reason", "arresting officer, case 12/Pid/2026")
    cli("watchlist", "add", "Siti Rahmawati", "--category", "victim", "--action", "deny", "--scope", "inmate:A-1",
        "--reason", "victim of A-1")
    cli("watchlist", "add", "Bank BRI", "--category", "organisation", "--reason", "impersonated in prize scams")
    cli("allowlist", "add", "A-1", MOTHER, "--name", "Ibu Siti Aminah", "--relationship", "mother", "--reason", "r")
    return cli


def findings(answer, reason):
    return [f for f in answer.findings if f.reason == reason]


def check_json(cli, inmate, number, name):
    out = cli("check", "--facility", "LP-A", "--inmate", inmate, "--number", number, "--name", name, "--json").stdout
    return json.loads(out)


def test_watchlist_through_grpc(lists, start_server):
    server = start_server()
    officer = server.screen(STRANGER, inmate="A-9", called_party_name="Pak Djoko Santoso")
    [hit] = findings(officer, pb.REASON_WATCHLIST_MATCH)
    assert hit.effect == pb.DECISION_DENY and hit.entry_id == "watchlist:1" and 0 < hit.score <= 1
    # A victim is watched for one inmate only.
    assert findings(server.screen(MOTHER, inmate="A-1", called_party_name="Siti Rahmawati"),
                    pb.REASON_WATCHLIST_MATCH)
    assert not findings(server.screen(STRANGER, inmate="A-2", called_party_name="Siti Rahmawati"),
                        pb.REASON_WATCHLIST_MATCH)
    # Organisations are watched too; a review entry flags.
    bank = server.screen(MOTHER, inmate="A-1", called_party_name="Bank BRI")
    assert [f.effect for f in findings(bank, pb.REASON_WATCHLIST_MATCH)] == [pb.DECISION_REVIEW]
    assert not findings(server.screen(STRANGER, called_party_name="Budi Susanto"), pb.REASON_WATCHLIST_MATCH)


def test_watchlist_through_check(lists):
    answer = check_json(lists, "A-9", STRANGER, "Pak Djoko Santoso")
    [hit] = [f for f in answer["findings"] if f["reason"] == "REASON_WATCHLIST_MATCH"]
    assert hit["effect"] == "DECISION_DENY" and hit["entryId"] == "watchlist:1"
    text = lists("check", "--facility", "LP-A", "--inmate", "A-9", "--number", STRANGER,
                 "--name", "Djoko Santoso").stdout
    assert "WATCHLIST_MATCH: called party 'Djoko Santoso' matches watchlist officer" in text


def test_contact_consistency_through_grpc(lists, start_server):
    server = start_server()
    same = server.screen(MOTHER, inmate="A-1", called_party_name="Siti Aminah")
    assert same.decision == pb.DECISION_ALLOW and not findings(same, pb.REASON_CONTACT_NAME_MISMATCH)
    other = server.screen(MOTHER, inmate="A-1", called_party_name="Rudi Hartono")
    [mismatch] = findings(other, pb.REASON_CONTACT_NAME_MISMATCH)
    assert other.decision == pb.DECISION_REVIEW
    assert mismatch.entry_id == "allowlist:1" and "Ibu Siti Aminah" in mismatch.detail
    assert not findings(server.screen(MOTHER, inmate="A-1"), pb.REASON_CONTACT_NAME_MISMATCH)  # no name given


def test_contact_consistency_through_check(lists):
    answer = check_json(lists, "A-1", MOTHER, "Rudi Hartono")
    assert answer["decision"] == "DECISION_REVIEW"
    assert [f["reason"] for f in answer["findings"]] == ["REASON_ALLOWLISTED", "REASON_CONTACT_NAME_MISMATCH"]


BROTHER = "0813-2222-3333"


def test_relationships_through_grpc(lists, start_server):
    lists("allowlist", "add", "A-1", BROTHER, "--name", "Budi Santoso", "--relationship", "Kakak Laki-laki",
          "--reason", "r")
    server = start_server()
    # The registered mother, said as a relationship or with part of her name.
    for said in ("Mama", "Bunda", "Mama Siti", "Siti"):
        mother = server.screen(MOTHER, inmate="A-1", called_party_name=said)
        assert mother.decision == pb.DECISION_ALLOW and not findings(mother, pb.REASON_CONTACT_NAME_MISMATCH), said
    assert not findings(server.screen(BROTHER, inmate="A-1", called_party_name="Kakak"),
                        pb.REASON_CONTACT_NAME_MISMATCH)
    # "Mama" on the brother's number does not fit.
    answer = server.screen(BROTHER, inmate="A-1", called_party_name="Mama")
    [mismatch] = findings(answer, pb.REASON_CONTACT_NAME_MISMATCH)
    assert answer.decision == pb.DECISION_REVIEW and mismatch.effect == pb.DECISION_REVIEW
    assert mismatch.entry_id == "allowlist:2"
    assert mismatch.detail == ("called party 'Mama' does not fit the registered relationship older brother of "
                               "'Budi Santoso'")


def test_relationships_through_check(lists):
    lists("allowlist", "add", "A-1", BROTHER, "--name", "Budi Santoso", "--relationship", "brother", "--reason", "r")
    mother = check_json(lists, "A-1", MOTHER, "Mama")
    assert mother["decision"] == "DECISION_ALLOW"
    assert [f["reason"] for f in mother["findings"]] == ["REASON_ALLOWLISTED"]
    answer = check_json(lists, "A-1", BROTHER, "Mama")
    assert answer["decision"] == "DECISION_REVIEW"
    assert [f["reason"] for f in answer["findings"]] == ["REASON_ALLOWLISTED", "REASON_CONTACT_NAME_MISMATCH"]
    text = lists("check", "--facility", "LP-A", "--inmate", "A-1", "--number", BROTHER, "--name", "Mama").stdout
    assert ("CONTACT_NAME_MISMATCH: called party 'Mama' does not fit the registered relationship brother of "
            "'Budi Santoso'") in text


def test_conflicting_registrations_warn_and_count(lists, start_server):
    same = lists("allowlist", "add", "A-2", MOTHER, "--name", "Siti Aminah", "--reason", "sister's mother too")
    assert "not the same person" not in same.stderr
    other = lists("allowlist", "add", "A-3", MOTHER, "--name", "Budi Hartono", "--reason", "r")
    assert ("warning: +6281234567890 is also registered by inmate A-1 as 'Ibu Siti Aminah', not the same person "
            "as 'Budi Hartono'") in other.stderr
    server = start_server()
    [shared] = findings(server.screen(MOTHER, inmate="A-1"), pb.REASON_SHARED_NUMBER)
    assert shared.detail == "+6281234567890 is registered by 3 inmates under 2 different people's names"
    answer = check_json(lists, "A-1", MOTHER, "")
    assert "REASON_SHARED_NUMBER" in [f["reason"] for f in answer["findings"]]


SHARED_MOTHER = "0812-4444-5555"


def test_one_rule_for_the_same_person_from_registration_to_call(cli, capsys, monkeypatch):
    """In-process (screening.cli.main), which is quicker than eight processes."""
    for name in [k for k in os.environ if k.startswith("SCREENING_")]:
        monkeypatch.delenv(name)

    def screening(*args):
        assert main([*args, "--database", str(cli.database)]) == 0, args
        return capsys.readouterr()

    def check(inmate, name):
        return json.loads(screening("check", "--facility", "LP-A", "--inmate", inmate, "--number", SHARED_MOTHER,
                                    "--name", name, "--json").out)

    # Two brothers register their mother, one as "Ibu Siti", the other in full.
    screening("allowlist", "add", "A-1", SHARED_MOTHER, "--name", "Ibu Siti", "--relationship", "ibu", "--reason", "r")
    brother = screening("allowlist", "add", "A-2", SHARED_MOTHER, "--name", "Siti Aminah", "--reason", "r")
    assert "not the same person" not in brother.err
    for inmate in ("A-1", "A-2"):
        answer = check(inmate, "Siti Aminah")
        assert answer["decision"] == "DECISION_ALLOW", answer
        assert [f["reason"] for f in answer["findings"]] == ["REASON_ALLOWLISTED"]
    # Someone else entirely, on the same number: warned, and every call flagged.
    other = screening("allowlist", "add", "A-3", SHARED_MOTHER, "--name", "Rina Wati", "--reason", "r")
    assert ("warning: +6281244445555 is also registered by inmate A-2 as 'Siti Aminah', not the same person as "
            "'Rina Wati'") in other.err
    assert "as 'Ibu Siti', not the same person" in other.err
    answer = check("A-2", "Siti Aminah")
    assert answer["decision"] == "DECISION_REVIEW"
    [shared] = [f for f in answer["findings"] if f["reason"] == "REASON_SHARED_NUMBER"]
    assert shared["detail"] == "+6281244445555 is registered by 3 inmates under 2 different people's names"
    # And the called party is checked against the caller's own registration, by the same rule.
    assert "REASON_CONTACT_NAME_MISMATCH" in [f["reason"] for f in check("A-3", "Siti Aminah")["findings"]]

def test_watchlist_add_list_remove_import(cli, tmp_path):
    cli("watchlist", "add", "Dr. Hendra Wijaya, S.H., M.H.", "--alias", "Hendra W.", "--alias", "Hendrawijaya",
        "--category", "judge", "--action", "deny", "--reason", "trial judge")
    [row] = json.loads(cli("watchlist", "list", "--format", "json").stdout)
    assert (row["name"], row["aliases"], row["category"], row["action"], row["scope"]) == (
        "Dr. Hendra Wijaya, S.H., M.H.", "Hendra W.|Hendrawijaya", "judge", "deny", "global")
    listed = cli("watchlist", "import", "-", "--reason", "prosecutors' office list", input=(
        "\ufeffname;aliases;category;action;reason;scope\n"
        "Jaksa Rina Marlina;Rina M.|Rina Marlina S.H.;prosecutor;deny;;\n"
        "Kombes Pol. Agus Salim;;officer;review;case 7;facility:LP-A\n"))
    assert listed.returncode == 0
    names = [r["name"] for r in json.loads(cli("watchlist", "list", "--format", "json").stdout)]
    assert names == ["Dr. Hendra Wijaya, S.H., M.H.", "Jaksa Rina Marlina", "Kombes Pol. Agus Salim"]
    bad = cli("watchlist", "add", "...", "--reason", "r", check=False)
    assert (bad.returncode, bad.stderr.strip()) == (
        1, "screening: error: '...' has no name left once titles and punctuation are taken off")
    cli("watchlist", "remove", "Jaksa Rina Marlina", "--reason", "case closed")
    assert len(json.loads(cli("watchlist", "list", "--format", "json").stdout)) == 2


def test_a_common_name_gets_the_most_severe_few_findings_through_grpc(cli, start_server, tmp_path):
    # A police list of twelve "Anwar <family>" witnesses, imported at once, and one fraud actor "Anwar".
    families = ["Wowor", "Mandagi", "Rumengan", "Sondakh", "Pattimura", "Tuasikal", "Mahulette", "Matulessy",
                "Latuconsina", "Lumban", "Tanoto", "Wongso"]
    listing = tmp_path / "witnesses.csv"
    listing.write_text("name,category,action,reason\n" + "".join(
        f"Anwar {family},witness,review,case 7/2026\n" for family in families))
    cli("watchlist", "import", str(listing), "--reason", "police list")
    cli("watchlist", "add", "Anwar", "--category", "fraud", "--action", "deny", "--reason", "police report")
    server = start_server()
    answer = server.screen(STRANGER, inmate="A-9", called_party_name="Bapak Anwar")
    hits = findings(answer, pb.REASON_WATCHLIST_MATCH)
    assert answer.decision == pb.DECISION_DENY and len(hits) == 5
    assert hits[0].effect == pb.DECISION_DENY and "fraud 'Anwar'" in hits[0].detail
    assert all(hit.effect == pb.DECISION_REVIEW and "partial match" in hit.detail for hit in hits[1:])
