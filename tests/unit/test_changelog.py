"""The change log's canonical encoding and chain, pinned: changing either
would break every chain already written."""

import hashlib

import pytest

from screening.domain.changelog import GENESIS, LogEntry, canonical, chain_hash, entry_mac, parse_head, seal

ENTRY = LogEntry(7, "2026-12-01T08:00:00+00:00", "polda.metro", "LP/B/123/XI/2026", "add", "blocklist", 42,
                 after={"id": 42, "pattern": "+6281111111111", "reason": "LP/B/123/XI/2026", "source": "Ñ"})


def test_the_canonical_encoding_is_pinned():
    assert canonical(ENTRY.content()) == (
        '{"action":"add","actor":"polda.metro","after":{"id":42,"pattern":"+6281111111111",'
        '"reason":"LP/B/123/XI/2026","source":"Ñ"},"at":"2026-12-01T08:00:00+00:00","before":null,"details":{},'
        '"entry_id":42,"list":"blocklist","reason":"LP/B/123/XI/2026","rows":0,"rows_sha256":"","version":7}'
    ).encode("utf-8")
    # sha256 of the previous hash, a newline, and the canonical content.
    assert chain_hash(GENESIS, ENTRY) == hashlib.sha256(
        GENESIS.encode() + b"\n" + canonical(ENTRY.content())).hexdigest()
    assert chain_hash(GENESIS, ENTRY) == "8dd61a8e5f2219bcaeab35ad9ae0a73fd27c31fee22fc5058cae669f75c34976"


def test_each_hash_covers_the_previous_one_and_the_mac_the_hash():
    first = seal(ENTRY, GENESIS, b"k" * 32)
    second = seal(LogEntry(8, ENTRY.at, "kplp", "withdrawn", "remove", "blocklist", 42, before=ENTRY.after),
                  first.hash, b"k" * 32)
    assert second.prev_hash == first.hash and second.hash != seal(second, GENESIS, None).hash
    assert first.mac == entry_mac(b"k" * 32, first.hash) != entry_mac(b"other key 012345", first.hash)
    assert seal(ENTRY, GENESIS, None).mac == ""
    assert first.head == f"7:{first.hash}"


def test_a_head_is_version_and_hash():
    assert parse_head("12:" + "a" * 64) == (12, "a" * 64)
    for bad in ("12", "x:" + "a" * 64, "12:abc", "12:" + "A" * 64):
        with pytest.raises(ValueError, match="is not VERSION:HASH"):
            parse_head(bad)
