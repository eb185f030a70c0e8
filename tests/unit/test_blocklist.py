"""The blocklist table: the most specific entry wins, scopes and expiry decide
what applies to a call, near misses of fraud numbers; and a randomized
cross-check of the table against a brute-force reading of the patterns."""

import random

import pytest

from screening.domain.blocklist import BlockHit, BlockRow, BlockTable, Category, Scope, ScopeKind
from screening.domain.errors import InvalidEntry
from screening.domain.model import BlockAction
from screening.domain.patterns import Pattern, PatternKind, load_pattern, parse_pattern

NOW = 1_750_000_000  # Unix seconds
EXACT, PREFIX, WILDCARD, RANGE = PatternKind.EXACT, PatternKind.PREFIX, PatternKind.WILDCARD, PatternKind.RANGE
DENY, REVIEW = BlockAction.DENY, BlockAction.REVIEW
GLOBAL = Scope()


def facility(value: str) -> Scope:
    return Scope(ScopeKind.FACILITY, value)


def inmate(value: str) -> Scope:
    return Scope(ScopeKind.INMATE, value)


def row(entry_id, pattern, action=DENY, category=Category.FRAUD, scope=GLOBAL, expires_at=0) -> BlockRow:
    return BlockRow(entry_id, parse_pattern(pattern, "ID").text, action, category, scope, expires_at)


def table(*entries) -> BlockTable:
    """entries: a pattern, or (pattern, **BlockRow fields); entry ids count from 1."""
    rows = [row(i, e) if isinstance(e, str) else row(i, e[0], **e[1]) for i, e in enumerate(entries, 1)]
    return BlockTable(rows)


def find(blocks: BlockTable, e164: str, facility="LP-A", inmate="A-1", now=NOW) -> BlockHit | None:
    digits = e164.lstrip("+")
    return blocks.find(int(digits), len(digits), facility, inmate, now)


def found(blocks: BlockTable, e164: str, **call) -> tuple[int, str, PatternKind] | None:
    hit = find(blocks, e164, **call)
    return hit and (hit.entry_id, hit.pattern, hit.kind)


def near(blocks: BlockTable, e164: str, positions: int, now=NOW) -> int | None:
    hit = blocks.near_miss(int(e164.lstrip("+")), positions, now)
    return hit and hit.entry_id


# --- the most specific entry wins ---------------------------------------------

NESTED = [
    "+62812*",  # 1: prefix, 5 fixed digits
    "+6281234567*",  # 2: prefix, 10
    "+628123456789?",  # 3: wildcard, 12 fixed digits, 13 in all
    "+6281234567890",  # 4: exact
    "+62812345?????",  # 5: wildcard with fewer fixed digits (8) than prefix 2
]


@pytest.mark.parametrize("order", [1, -1], ids=["listed", "reversed"])
def test_exact_beats_wildcard_beats_shorter_prefix(order):
    blocks = BlockTable([row(i, p) for i, p in list(enumerate(NESTED, 1))[::order]])
    assert found(blocks, "+6281234567890") == (4, "+6281234567890", EXACT)
    assert found(blocks, "+6281234567891") == (3, "+628123456789?", WILDCARD)
    assert found(blocks, "+6281234567800") == (2, "+6281234567*", PREFIX)  # more fixed digits than wildcard 5
    assert found(blocks, "+6281234560000") == (5, "+62812345?????", WILDCARD)
    assert found(blocks, "+62812345600000") == (1, "+62812*", PREFIX)  # 14 digits: wildcard 5 wants 13
    assert found(blocks, "+6281299999999") == (1, "+62812*", PREFIX)
    assert found(blocks, "+62812345678901") == (2, "+6281234567*", PREFIX)  # 14 digits: no wildcard 3
    assert found(blocks, "+6281399999999") is None


def test_the_hit_names_the_entry_with_its_action_and_category():
    blocks = table(("+62809*", {"action": REVIEW, "category": Category.NARCOTICS}),
                   ("0812-3456-7890", {"category": Category.VICTIM}))
    assert find(blocks, "+628091234567") == BlockHit(1, "+62809*", PREFIX, REVIEW, Category.NARCOTICS)
    assert find(blocks, "+6281234567890") == BlockHit(2, "+6281234567890", EXACT, DENY, Category.VICTIM)


def test_range_against_prefixes():
    blocks = table("+6281234567*", "+6281234567800..+6281234567899", "+628123456785*",
                   "+6281234567895..+6281234567912")
    assert found(blocks, "+6281234567810") == (2, "+6281234567800..+6281234567899", RANGE)  # 11 digits vs 10
    assert found(blocks, "+6281234567850") == (3, "+628123456785*", PREFIX)  # 12 fixed digits vs the range's 11
    assert found(blocks, "+6281234567700") == (1, "+6281234567*", PREFIX)
    # An unaligned range end is a 13-digit rule: it beats the aligned range around it.
    assert found(blocks, "+6281234567897") == (4, "+6281234567895..+6281234567912", RANGE)
    assert found(blocks, "+6281234567894") == (2, "+6281234567800..+6281234567899", RANGE)
    assert found(blocks, "+6281234567905") == (4, "+6281234567895..+6281234567912", RANGE)
    assert found(blocks, "+6281234567913") == (1, "+6281234567*", PREFIX)
    assert found(blocks, "+628123456781") == (1, "+6281234567*", PREFIX)  # 12 digits: in no range


def test_required_length_beats_any_length_with_the_same_prefix():
    blocks = table("+62812345678*", "+62812345678??", "+6281234567890*", "+6281234567890")
    assert found(blocks, "+6281234567811") == (2, "+62812345678??", WILDCARD)
    assert found(blocks, "+62812345678111") == (1, "+62812345678*", PREFIX)  # 14 digits
    assert found(blocks, "+6281234567890") == (4, "+6281234567890", EXACT)  # exact over the same digits as prefix
    assert found(blocks, "+62812345678901") == (3, "+6281234567890*", PREFIX)


def test_numbers_of_other_lengths_do_not_match():
    blocks = table("+6281234567??", "+628123456789", "+62812345678900..+62812345678999")
    assert found(blocks, "+628123456700") == (1, "+6281234567??", WILDCARD)  # 12 digits
    assert found(blocks, "+6281234567000") is None  # 13 digits: not the 12 the wildcard needs
    assert found(blocks, "+62812345670") is None  # 11 digits
    assert found(blocks, "+628123456789") == (2, "+628123456789", EXACT)
    assert found(blocks, "+6281234567890") is None  # the exact number with one more digit
    assert found(blocks, "+62812345678") is None  # and one fewer
    assert found(blocks, "+62812345678950") == (3, "+62812345678900..+62812345678999", RANGE)
    assert found(blocks, "+6281234567895") is None  # a 13-digit number whose digits begin the range's


def test_an_empty_table_finds_nothing():
    blocks = BlockTable([])
    assert len(blocks) == 0
    assert find(blocks, "+6281234567890") is None
    assert blocks.near_miss(6281234567890, 4, NOW) is None


def test_one_entry_per_row_whatever_its_rules():
    blocks = table("+6281234567895..+6281234568104", "+62809*", "0812-3456-7890")
    assert len(blocks) == 3


# --- scopes -----------------------------------------------------------------------


def test_scoped_entries_apply_only_to_their_facility_or_inmate():
    blocks = table("+6281111111111",
                   ("+6282222222222", {"scope": facility("LP-A")}),
                   ("+6283333333333", {"scope": inmate("A-1")}))
    for call in ({"facility": "LP-A", "inmate": "A-1"}, {"facility": "LP-B", "inmate": "B-9"}):
        assert found(blocks, "+6281111111111", **call) == (1, "+6281111111111", EXACT)
    assert found(blocks, "+6282222222222", facility="LP-A", inmate="B-9") == (2, "+6282222222222", EXACT)
    assert found(blocks, "+6282222222222", facility="LP-B", inmate="A-1") is None
    # An inmate scope follows the inmate to any facility.
    assert found(blocks, "+6283333333333", facility="LP-B", inmate="A-1") == (3, "+6283333333333", EXACT)
    assert found(blocks, "+6283333333333", facility="LP-A", inmate="A-2") is None
    # Scope values are compared whole, not as prefixes, and not as the other kind.
    assert found(blocks, "+6282222222222", facility="LP-AB") is None
    assert found(blocks, "+6282222222222", facility="", inmate="LP-A") is None
    assert found(blocks, "+6283333333333", facility="A-1", inmate="A-10") is None


@pytest.mark.parametrize("order", [1, -1], ids=["global-first", "scoped-first"])
def test_on_one_pattern_the_narrowest_applicable_scope_is_reported(order):
    entries = [(1, GLOBAL), (2, facility("LP-A")), (3, inmate("A-1"))][::order]
    blocks = BlockTable([row(i, "+62809*", scope=s) for i, s in entries])
    assert find(blocks, "+628091234567", facility="LP-A", inmate="A-1").entry_id == 3
    assert find(blocks, "+628091234567", facility="LP-B", inmate="A-1").entry_id == 3
    assert find(blocks, "+628091234567", facility="LP-A", inmate="A-2").entry_id == 2
    assert find(blocks, "+628091234567", facility="LP-B", inmate="A-2").entry_id == 1


def test_an_inmate_scoped_and_a_global_entry_on_the_same_number():
    blocks = table(("0812-3456-7890", {"scope": inmate("A-1"), "action": DENY, "category": Category.VICTIM}),
                   ("0812-3456-7890", {"action": REVIEW, "category": Category.FRAUD}))
    assert find(blocks, "+6281234567890", inmate="A-1") == BlockHit(1, "+6281234567890", EXACT, DENY,
                                                                     Category.VICTIM)
    assert find(blocks, "+6281234567890", inmate="A-2") == BlockHit(2, "+6281234567890", EXACT, REVIEW,
                                                                     Category.FRAUD)


def test_an_entry_for_someone_else_does_not_hide_a_less_specific_global_one():
    blocks = table("+62812*", ("+6281234567890", {"scope": inmate("B-2")}),
                   ("+6281234567???", {"scope": facility("LP-B")}))
    assert found(blocks, "+6281234567890", facility="LP-A", inmate="A-1") == (1, "+62812*", PREFIX)
    assert found(blocks, "+6281234567890", facility="LP-B", inmate="A-1") == (3, "+6281234567???", WILDCARD)
    assert found(blocks, "+6281234567890", facility="LP-B", inmate="B-2") == (2, "+6281234567890", EXACT)


def test_more_specific_beats_narrower_scope():
    # Specificity decides first; scope only orders entries on the same rule.
    blocks = table(("+62812*", {"scope": inmate("A-1")}), "+6281234567890")
    assert found(blocks, "+6281234567890", inmate="A-1") == (2, "+6281234567890", EXACT)
    assert found(blocks, "+6281234567891", inmate="A-1") == (1, "+62812*", PREFIX)


@pytest.mark.parametrize(
    "text, scope",
    [
        ("", GLOBAL), ("global", GLOBAL), ("  global ", GLOBAL),
        ("facility:LP-A", facility("LP-A")), ("inmate: A-1 ", inmate("A-1")), ("INMATE:A-1", inmate("A-1")),
    ],
)
def test_scope_parse(text, scope):
    assert Scope.parse(text) == scope
    assert Scope.parse(str(scope)) == scope


@pytest.mark.parametrize("text", ["facility:", "inmate", "global:x", "cell:12", ":A-1", "facility: "])
def test_scope_parse_refuses(text):
    with pytest.raises(InvalidEntry, match="not global, facility:ID or inmate:ID"):
        Scope.parse(text)


# --- expiry ---------------------------------------------------------------------


def test_an_entry_matches_before_it_expires_and_not_at_or_after():
    blocks = table(("+6281234567890", {"expires_at": NOW}))
    assert find(blocks, "+6281234567890", now=NOW - 1) is not None
    assert find(blocks, "+6281234567890", now=NOW) is None
    assert find(blocks, "+6281234567890", now=NOW + 86_400) is None


def test_expiry_zero_means_never():
    blocks = table(("+62809*", {"expires_at": 0}))
    for now in (0, 1, NOW, 2**62):
        assert find(blocks, "+628091234567", now=now).entry_id == 1


def test_an_expired_entry_leaves_the_next_most_specific_one():
    blocks = table("+62812*", ("+6281234567??", {"expires_at": NOW + 10}),
                   ("+6281234567890", {"expires_at": NOW}), ("+628123456789", {"scope": inmate("A-1"),
                                                                              "expires_at": NOW - 1}),
                   "+628123456789")
    assert found(blocks, "+6281234567890") == (1, "+62812*", PREFIX)
    assert found(blocks, "+628123456700") == (2, "+6281234567??", WILDCARD)
    assert found(blocks, "+628123456700", now=NOW + 10) == (1, "+62812*", PREFIX)
    # the expired inmate-scoped entry gives way to the global one on the same number
    assert found(blocks, "+628123456789", inmate="A-1") == (5, "+628123456789", EXACT)


# --- near misses ------------------------------------------------------------------

FRAUD = "+6281234567890"


def test_near_miss_one_digit_different_within_the_last_positions():
    blocks = table(FRAUD)
    assert near(blocks, "+6281234567891", 1) == 1
    assert near(blocks, "+6281234567880", 2) == 1
    assert near(blocks, "+6281234567990", 2) is None  # third digit from the end
    assert near(blocks, "+6281234567990", 3) == 1
    assert near(blocks, "+6281234507890", 4) is None
    assert near(blocks, "+6281234507890", 5) == 1
    assert near(blocks, "+6281234567800", 2) == 1  # ...800: only the tens differ
    assert near(blocks, "+6281234567881", 2) is None  # two digits different
    assert near(blocks, "+6281234567801", 8) is None
    assert near(blocks, "+6281234567890", 4) is None  # the number itself is an exact hit, not a near miss
    hit = blocks.near_miss(6281234567891, 4, NOW)
    assert hit == BlockHit(1, FRAUD, EXACT, DENY, Category.FRAUD)  # names the blocked number


def test_near_miss_needs_the_same_length():
    blocks = table(FRAUD, "+628123456789")
    assert near(blocks, "+62812345678901", 4) is None  # 14 digits: the 13-digit number plus one
    assert near(blocks, "+62812345678", 4) is None  # 11 digits
    assert near(blocks, "+628123456788", 4) == 2  # 12 digits, like entry 2


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"category": Category.VICTIM}, id="victim"),
        pytest.param({"category": Category.WITNESS}, id="witness"),
        pytest.param({"category": Category.NARCOTICS}, id="narcotics"),
        pytest.param({"scope": facility("LP-A")}, id="facility-scoped"),
        pytest.param({"scope": inmate("A-1")}, id="inmate-scoped"),
        pytest.param({"expires_at": NOW}, id="expired-now"),
        pytest.param({"expires_at": NOW - 3600}, id="expired"),
    ],
)
def test_near_miss_only_for_global_fraud_numbers_in_force(entry):
    assert near(table((FRAUD, entry)), "+6281234567891", 4) is None


@pytest.mark.parametrize("pattern", ["+628123456789?", "+628123456789*", "+6281234567890..+6281234567890",
                                     "+6281234567880..+6281234567889"])
def test_near_miss_only_for_exact_numbers(pattern):
    assert near(table(pattern), "+6281234567891", 4) is None


def test_near_miss_of_an_entry_in_force():
    blocks = table((FRAUD, {"expires_at": NOW + 1}), ("+6281234567891", {"expires_at": NOW - 1}))
    assert near(blocks, "+6281234567892", 4, now=NOW) == 1  # the expired neighbour is skipped
    assert near(blocks, "+6281234567892", 4, now=NOW + 1) is None


def test_near_miss_in_a_neighbourhood_with_many_blocked_numbers():
    # Was a bug: near_miss read at most 64 blocked numbers from the start of the
    # neighbourhood, so a ring of consecutive blocked SIMs hid the one next door.
    ring = [f"+628123456{n:04d}" for n in range(100)] + ["+6281234569999"]
    blocks = table(*ring)
    assert near(blocks, "+6281234569998", 4) == 101


def test_near_miss_never_crosses_lengths_however_many_positions():
    # BlockTable takes canonical text without validating it; short E.164
    # numbers (7 or 8 digits, e.g. Niue, the Falklands) meet near_miss_digits up to 8.
    longer = BlockTable([BlockRow(1, "+12345678", DENY)])
    assert longer.near_miss(2345678, 8, NOW) is None  # 7 digits: "1" in front is no one-digit change
    shorter = BlockTable([BlockRow(1, "+2345678", DENY)])
    assert shorter.near_miss(12345678, 8, NOW) is None  # 8 digits: the leading 1 made 0 drops a digit
    same = BlockTable([BlockRow(1, "+22345678", DENY)])
    assert same.near_miss(12345678, 8, NOW).entry_id == 1  # the first digit itself may differ


# --- randomized cross-check against a brute-force reading -----------------------------

HEADS = ("62812", "62813", "6285", "234")
FACILITIES = ("F1", "F2", "F3")
INMATES = ("I1", "I2", "I3")


def _number(rng: random.Random, length: int | None = None) -> str:
    head = rng.choice(HEADS)
    length = length or rng.randint(10, 14)
    # few digits, so patterns overlap and random numbers hit them
    return head + "".join(rng.choice("019") for _ in range(length - len(head)))


def _random_pattern(rng: random.Random) -> str:
    kind = rng.choices((EXACT, PREFIX, WILDCARD, RANGE), (40, 20, 20, 20))[0]
    digits = _number(rng)
    if kind is EXACT:
        return f"+{digits}"
    if kind is PREFIX:  # now and then a short one: a whole country or operator
        shortest = 2 if rng.random() < 0.03 else len(digits) - 5
        return f"+{digits[: rng.randint(shortest, len(digits))]}*"
    if kind is WILDCARD:
        wildcards = rng.randint(1, min(5, len(digits) - 1))
        return f"+{digits[:-wildcards]}{'?' * wildcards}"
    span = rng.choice((rng.randint(0, 30), rng.randint(0, 3000), rng.randint(0, 300_000)))
    high = str(int(digits) + span)
    if len(high) != len(digits):
        return f"+{digits}..+{digits}"
    return f"+{digits}..+{high}"


def _random_rows(rng: random.Random, count: int) -> list[BlockRow]:
    rows = []
    for entry_id in range(1, count + 1):
        if rows and rng.random() < 0.1:
            pattern = rng.choice(rows).pattern  # the same pattern again, usually in another scope
        else:
            pattern = _random_pattern(rng)
        scope = rng.choices([GLOBAL, facility(rng.choice(FACILITIES)), inmate(rng.choice(INMATES))],
                            (60, 20, 20))[0]
        expires_at = rng.choices([0, NOW - rng.randint(1, 10**6), NOW + rng.randint(1, 10**6), NOW],
                                 (70, 12, 12, 6))[0]
        rows.append(BlockRow(entry_id, pattern, rng.choice((DENY, REVIEW)), rng.choice(list(Category)), scope,
                             expires_at))
    return rows


def _random_query(rng: random.Random, rows: list[BlockRow]) -> str:
    """Digits to look up: near some entry (inside, at its edges, one longer or
    shorter) or anywhere."""
    text = rng.choice(rows).pattern
    way = rng.randrange(6)
    if way == 0:
        return _number(rng)
    if ".." in text:
        low, high = (int(end[1:]) for end in text.split(".."))
        digits = str(rng.choice((low, high, low - 1, high + 1, rng.randint(low, high))))
    else:
        fixed = text[1:].rstrip("*?")
        length = len(text) - 1 if text.endswith("?") else max(len(fixed), rng.randint(10, 15))
        digits = fixed + "".join(rng.choice("0123456789") for _ in range(length - len(fixed)))
    if way == 1 and len(digits) < 15:
        digits += rng.choice("0123456789")
    elif way == 2 and len(digits) > 3:
        digits = digits[:-1]
    elif way == 3:
        i = rng.randrange(1, len(digits))
        digits = digits[:i] + rng.choice("0123456789") + digits[i + 1:]
    return digits


def _rank(row: BlockRow, pattern: Pattern, digits: str, facility: str, inmate: str, now: int):
    """How specific this entry is for this call (fixed digits, needs a length,
    scope), or None when it does not apply."""
    if row.expires_at and row.expires_at <= now:
        return None
    if not row.scope.applies(facility, inmate):
        return None
    if not pattern.matches("+" + digits):
        return None
    rule = next(r for r in pattern.rules if r.matches(digits))
    return len(rule.prefix), rule.length != 0, row.scope.kind


def test_table_agrees_with_brute_force_on_random_patterns():
    rng = random.Random(31337)
    rows = _random_rows(rng, 300)
    blocks = BlockTable(rows)
    loaded = [(row, load_pattern(row.pattern)) for row in rows]
    matched = {kind: 0 for kind in PatternKind}
    misses = 0
    for _ in range(4000):
        digits = _random_query(rng, rows)
        call = (rng.choice(FACILITIES), rng.choice(INMATES), rng.choice((NOW, NOW, NOW, NOW - 10**6, NOW + 10**6)))
        ranks = [r for r in (_rank(row, pattern, digits, *call) for row, pattern in loaded) if r is not None]
        hit = blocks.find(int(digits), len(digits), *call)
        if hit is None:
            assert ranks == [], (digits, call)
            misses += 1
            continue
        entry = rows[hit.entry_id - 1]
        pattern = loaded[hit.entry_id - 1][1]
        rank = _rank(entry, pattern, digits, *call)
        assert rank is not None, (digits, call, hit)  # the reported entry applies to this call
        assert rank == max(ranks), (digits, call, hit)  # and no applicable entry is more specific
        assert hit == BlockHit(entry.entry_id, entry.pattern if pattern.kind is not EXACT else f"+{digits}",
                               pattern.kind, entry.action, entry.category)
        matched[hit.kind] += 1
    # the test data reach every kind of pattern, and misses
    assert min(matched.values()) >= 100 and misses >= 300, (matched, misses)


def test_near_miss_agrees_with_brute_force_on_random_numbers():
    # Few fraud numbers, so no neighbourhood holds more than the table reads.
    rng = random.Random(4242)
    rows = []
    for entry_id in range(1, 61):
        rows.append(BlockRow(entry_id, "+" + _number(rng), DENY,
                             rng.choices([Category.FRAUD, Category.VICTIM], (80, 20))[0],
                             rng.choices([GLOBAL, inmate("I1")], (85, 15))[0],
                             rng.choices([0, NOW - 5, NOW + 5], (80, 10, 10))[0]))
    blocks = BlockTable(rows)
    found_some = 0
    for _ in range(3000):
        digits = rng.choice(rows).pattern[1:]
        for _ in range(rng.randint(0, 2)):
            i = rng.randrange(len(digits))
            digits = digits[:i] + rng.choice("0123456789") + digits[i + 1:]
        if digits[0] == "0":
            continue
        positions = rng.randint(1, 8)
        expected = {
            r.entry_id for r in rows
            if r.category is Category.FRAUD and r.scope == GLOBAL and (r.expires_at == 0 or r.expires_at > NOW)
            and len(r.pattern) - 1 == len(digits)
            and [i for i, (a, b) in enumerate(zip(r.pattern[1:], digits)) if a != b] in
            [[i] for i in range(len(digits) - positions, len(digits))]
        }
        hit = blocks.near_miss(int(digits), positions, NOW)
        assert (hit.entry_id if hit else None) in (expected or {None}), (digits, positions, expected, hit)
        found_some += hit is not None
    assert found_some >= 300, found_some
