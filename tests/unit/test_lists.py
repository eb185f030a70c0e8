import pytest

from screening.domain.errors import InvalidEntry
from screening.domain.lists import Allowlist, Contact, NumberTable


def test_number_table_finds_every_key_and_nothing_else():
    keys = list(range(6281200000000, 6281200000000 + 3000, 3))
    table = NumberTable((k, i, 3) for i, k in enumerate(keys))
    assert len(table) == len(keys)
    for i, k in enumerate(keys):
        assert table.find(k) == (i, 3)
        assert table.find(k + 1) is None
    assert table.find(0) is None
    assert table.find(keys[-1] + 10**6) is None


def test_number_table_refuses_unsorted_or_duplicate_keys():
    with pytest.raises(InvalidEntry, match="ascending"):
        NumberTable([(2, 1, 0), (1, 2, 0)])
    with pytest.raises(InvalidEntry, match="unique"):
        NumberTable([(2, 1, 0), (2, 2, 0)])


def test_number_table_costs_machine_words_not_objects():
    table = NumberTable((k, k, 1) for k in range(100_000))
    assert table.nbytes() == 100_000 * (8 + 8 + 1)


def test_allowlist_scopes_numbers_to_inmate_and_facility():
    rows = [
        ("A-1", 10, 1, ""), ("A-1", 20, 2, "F-2"), ("A-1", 30, 3, ""),
        ("B-7", 10, 4, "F-1"), ("B-7", 10, 5, "F-2"),
    ]
    allow = Allowlist(rows)
    assert len(allow) == 5 and allow.inmate_count == 2
    assert allow.find("A-1", "F-1", 10) == 1
    assert allow.find("A-1", "F-1", 20) is None
    assert allow.find("A-1", "F-2", 20) == 2
    assert allow.find("B-7", "F-2", 10) == 5
    assert allow.find("B-7", "F-3", 10) is None
    assert allow.find("C-0", "F-1", 10) is None
    assert allow.find("A-1", "F-1", 15) is None


def test_allowlist_inmates_need_not_be_in_any_collation_order():
    allow = Allowlist([("b", 1, 1, ""), ("a", 2, 2, ""), ("Z", 3, 3, "")])
    assert [allow.find(i, "", k) for i, k in (("b", 1), ("a", 2), ("Z", 3))] == [1, 2, 3]


def test_allowlist_refuses_inmates_split_across_groups_and_unsorted_numbers():
    with pytest.raises(InvalidEntry, match="grouped"):
        Allowlist([("a", 1, 1, ""), ("b", 1, 2, ""), ("a", 2, 3, "")])
    with pytest.raises(InvalidEntry, match="sorted"):
        Allowlist([("a", 2, 1, ""), ("a", 1, 2, "")])


def test_allowlist_contacts_carry_name_and_relationship_kind():
    allow = Allowlist([
        ("A-1", 10, 1, "", "Ibu Siti Aminah", "Ibu Kandung"),
        ("A-1", 20, 2, "LP-A", "Budi Santoso", "kakak laki-laki"),
        ("A-1", 30, 3, "", "Rina", "tukang ojek"),
        ("A-1", 40, 4, "", "Dewi"),
        ("A-1", 50, 5, ""),
    ])
    assert allow.find_contact("A-1", "LP-A", 10) == Contact(1, "Ibu Siti Aminah", "mother")
    assert allow.find_contact("A-1", "LP-A", 20) == Contact(2, "Budi Santoso", "older_brother")
    assert allow.find_contact("A-1", "LP-A", 30).relationship == "unknown"  # not understood: not guessed
    assert allow.find_contact("A-1", "LP-A", 40) == Contact(4, "Dewi", "unknown")
    assert allow.find_contact("A-1", "LP-A", 50) == Contact(5, "", "unknown")
    assert allow.find_contact("A-1", "LP-B", 20) is None


def test_allowlist_relationship_costs_one_byte_per_entry():
    rows = [("A-1", k, k, "", "", "") for k in range(1000)]
    with_kinds = [("A-1", k, k, "", "", "mother") for k in range(1000)]
    assert Allowlist(with_kinds).nbytes() == Allowlist(rows).nbytes()
    assert Allowlist(rows).nbytes() == 8 * 2 + 1000 * (8 + 8 + 4 + 8 + 1) + 8
