"""Names typed to slip past the watchlist, through a real server: each class of
evasion against a deny entry is denied, as the plain name is."""

import grpc
import pytest

from screening.cli.main import main
from screening.v1 import screening_pb2 as pb

pytestmark = pytest.mark.e2e

STRANGER = "0857-1234-5678"
EVASIONS = {
    "plain": "Siti Aminah",
    "cyrillic": "\u0405iti \u0410minah",  # Cyrillic Ѕ and А
    "greek": "S\u0399TI AMI\u039dAH",  # Greek capital iota and nu
    "digits": "S1ti Am1nah",
    "spaced": "S i t i Aminah",
    "dotted": "S.I.T.I. Aminah",
    "invisible": "Si\u200bti Ami\u00adnah\u200e",  # zero-width space, soft hyphen, left-to-right mark
    "fullwidth": "\uff33\uff49\uff54\uff49 Aminah",
}


def test_every_evasion_of_a_deny_entry_is_denied(cli, start_server, capsys):
    database = str(cli.database)
    # Staff's side goes through the same reading: a name pasted with an invisible
    # character is stored without it, and a look-alike spelling on the list
    # matches the plain name a caller gives.
    for name in ("Siti\u200b Aminah", "B4mbang Sutr1sno"):
        assert main(["watchlist", "add", name, "--category", "victim", "--action", "deny",
                     "--reason", "victim, case 7/Pid/2026", "--database", database]) == 0
    assert capsys.readouterr().out.startswith("watching: 'Siti Aminah' (watchlist entry 1)\n")

    server = start_server()
    for evasion, name in {**EVASIONS, "staff's digits": "Bambang Sutrisno"}.items():
        answer = server.screen(STRANGER, inmate="A-9", called_party_name=name)
        hits = [f for f in answer.findings if f.reason == pb.REASON_WATCHLIST_MATCH]
        assert answer.decision == pb.DECISION_DENY, evasion
        assert [hit.effect for hit in hits] == [pb.DECISION_DENY], evasion

    # Invisible characters are let through only in the name; a real control
    # character is still refused, and so is an invisible one in an identifier.
    for fields, field in (({"called_party_name": "Siti\x1b[2J Aminah"}, "called_party_name"),
                          ({"inmate": "A-9\u200b"}, "inmate_id")):
        with pytest.raises(grpc.RpcError) as caught:
            server.screen(STRANGER, **{"inmate": "A-9", **fields})
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in caught.value.details() and "control characters" in caught.value.details()
