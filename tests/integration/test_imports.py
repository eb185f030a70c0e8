"""Bulk imports and exports against real SQLite files, in-process."""

import codecs
from datetime import datetime
import csv
import hashlib
import io
import json
import random

import phonenumbers
import pytest

from screening.adapters.files import export as exports
from screening.adapters.files.import_files import ImportFile
from screening.adapters.files.spreadsheet import neutralized
from screening.service import imports
from screening.domain.blocklist import Category, Scope
from screening.domain.entries import AllowlistEntry, BlockEntry, Change
from screening.domain.errors import InvalidEntry
from screening.domain.model import BlockAction
from screening.domain.patterns import parse_pattern
from screening.domain.policy import build_policy_set
from screening.domain.quick_numbers import quick_e164
from screening.service.list_changes import parse_expiry
from screening.adapters.sqlite import store as sqlite_store
from screening.adapters.sqlite.store import SqliteStore

POLICIES = build_policy_set()
WHY = Change("polda.metro", "police list LP/B/123/XI/2026")
HEADER = "pattern,category,action,reason,source,expires_at,scope"


@pytest.fixture
def store(tmp_path):
    with SqliteStore(tmp_path / "lists.db") as s:
        yield s


def import_file(store, list_name, stream, name, options, on_invalid, fmt="auto"):
    """As the CLI does it: the adapter reads the file, the service imports it."""
    source = ImportFile(stream, name, list_name, fmt, bool(options.reason))
    return imports.import_file(store, POLICIES, list_name, source, WHY, options, on_invalid)


def run(store, text, list_name="blocklist", encoding="utf-8", name="police.csv", format="auto", **options):
    """Import text as a file; returns the report and every (line, problem) reported."""
    problems = []
    report = import_file(store, list_name, io.BytesIO(text.encode(encoding)), name, imports.Options(**options),
                         lambda line, problem: problems.append((line, problem)), format)
    return report, problems


def patterns(store):
    return [(e.pattern, str(e.scope)) for e in store.entries(BlockEntry)]


def test_national_and_international_forms_are_one_entry_and_duplicates_are_reported(store):
    store.add(BlockEntry("+6281111111111"), WHY)
    report, problems = run(store, "\n".join([
        HEADER,
        "0812-3456-7890,fraud,deny,LP/B/1,,,",        # line 2
        "+62 812 3456 7890,fraud,deny,LP/B/2,,,",     # 3: line 2 again, international form
        "6281234567890,victim,review,LP/B/3,,,",      # 4: and without the +
        "0811 1111 1111,fraud,deny,LP/B/4,,,",        # 5: in the store already
        "0812-3456-7890,fraud,deny,LP/B/5,,,inmate:A-1",  # 6: another scope: a new entry
        "+62809*,fraud,deny,LP/B/6,,,",               # 7
        "0809*,fraud,deny,LP/B/7,,,",                 # 8: line 7 in national form
    ]), force=True)
    assert problems == []
    assert (report.rows, report.added) == (7, 3)
    assert (report.duplicates_in_file.count, report.duplicates_in_file.first) == (3, [3, 4, 8])
    assert (report.already_present.count, report.already_present.first) == (1, [5])
    assert patterns(store) == [("+6281111111111", "global"), ("+6281234567890", "global"),
                               ("+6281234567890", "inmate:A-1"), ("+62809*", "global")]
    first = store.entries(BlockEntry, pattern="+6281234567890", scope="global")
    assert next(first).audit.reason == "LP/B/1"  # the first row wins


def test_messy_file_bom_semicolons_crlf_comments_blank_lines(store):
    text = ("\ufeffPattern ; Category;ACTION;reason;source;expires_at;scope\r\n"
            "# Daftar nomor Polda Metro Jaya, November 2026\r\n"
            "\r\n"
            "0812-3456-7890;fraud;deny;LP/B/1; Polda Metro ;2026-12-31;\r\n"
            ";;;;;;\r\n"
            "   \r\n"
            "\"(0813) 1111-2222\";victim;review;\"LP/B/2; saksi\";;;facility:LP-CIPINANG\r\n"
            "'+6281555556666;narcotics;deny;'=HYPERLINK(\"x\");;;\r\n")
    report, problems = run(store, text)
    assert problems == []
    assert (report.format, report.rows, report.added) == ("csv", 3, 3)
    first, second, third = store.entries(BlockEntry)
    assert (first.pattern, first.source, first.expires_at.isoformat()) == (
        "+6281234567890", "Polda Metro", "2027-01-01T00:00:00+00:00")
    assert (second.pattern, second.action.label, str(second.scope), second.audit.reason) == (
        "+6281311112222", "review", "facility:LP-CIPINANG", "LP/B/2; saksi")
    # Cells an export neutralized with a leading ' come back as they were.
    assert (third.pattern, third.audit.reason) == ("+6281555556666", '=HYPERLINK("x")')


def test_a_bad_row_changes_nothing_and_every_bad_row_is_named(store):
    store.add(BlockEntry("+6281111111111"), WHY)
    text = "\n".join([
        HEADER,
        "0812-3456-7890,fraud,deny,r,,,",
        "0812-34,fraud,deny,r,,,",                # 3: too short
        "0812-3456-7891,harassment,deny,r,,,",    # 4: no such category
        "0812-3456-7892,fraud,block,r,,,",        # 5: no such action
        "0812-3456-7893,fraud,deny,r,,31/12/2026,",  # 6: not ISO
        "0812-3456-7894,fraud,deny,r,,,prison:X",    # 7: bad scope
        "0812-3456-7895,fraud,deny,r",            # 8: fields missing
        "0812 CALL ME,fraud,deny,r,,,",           # 9: letters
        "+62 812 3456 7896,fraud,deny,,,,",       # 10: no reason, and no --reason
        "0812-3456-7897,\"fraud,deny,r,,,",       # 11: a stray quote
        "0812-3456-7898,fraud,deny,r,,,",
    ])
    report, problems = run(store, text)
    assert [line for line, _ in problems] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = dict(problems)
    assert messages[3] == "'0812-34' is not a valid phone number (read as dialed in region ID)"
    assert messages[4].startswith("unknown category 'harassment'")
    assert messages[5].startswith("unknown block action 'block'")
    assert messages[6].startswith("expiry '31/12/2026' is not an ISO 8601 date")
    assert messages[7].startswith("scope 'prison:X'")
    assert messages[8] == "4 fields where the header has 7"
    assert messages[9].startswith("'0812 CALL ME' is not a")
    assert messages[10] == "reason is required"
    assert messages[11].startswith("not valid CSV")
    assert (report.rows, report.invalid.count, report.committed) == (11, 9, False)
    assert report.invalid.first == [3, 4, 5, 6, 7]  # the report keeps a few; on_invalid heard them all
    assert patterns(store) == [("+6281111111111", "global")]
    assert store.list_version() == 1 and len(list(store.log())) == 1


def test_skip_invalid_imports_the_good_rows(store):
    text = (f"{HEADER}\n0812-3456-7890,fraud,deny,r,,,\n0812-34,fraud,deny,r,,,\n\xff\xfe broken\n"
            "+62 812 3456 7891,,,,,,\n")
    problems = []
    report = import_file(store, "blocklist", io.BytesIO(text.encode("latin-1")), "police.csv",
                         imports.Options(reason="from --reason", skip_invalid=True),
                         lambda line, problem: problems.append((line, problem)))
    assert problems == [(3, "'0812-34' is not a valid phone number (read as dialed in region ID)"),
                        (4, "not UTF-8 text (save the file as UTF-8)")]
    assert (report.added, report.invalid.count, report.committed) == (2, 2, True)
    assert [e.audit.reason for e in store.entries(BlockEntry)] == ["r", "from --reason"]


def test_dry_run_reports_and_changes_nothing(store):
    store.add(BlockEntry("+6281111111111"), WHY)
    report, _ = run(store, f"{HEADER}\n0811-1111-1111,,,r,,,\n0812-3456-7890,,,r,,,\n0812 3456 7890,,,r,,,\nx,,,r,,,\n",
                    dry_run=True, skip_invalid=True)
    assert (report.added, report.already_present.count, report.duplicates_in_file.count, report.invalid.count) == (
        1, 1, 1, 1)
    assert not report.committed
    assert patterns(store) == [("+6281111111111", "global")] and store.list_version() == 1


def test_one_import_is_one_version_and_one_audit_record(store):
    text = f"{HEADER}\n0812-3456-7890,,,,,,\n0812-3456-7891,victim,,own reason,,,\n"
    report, _ = run(store, text, reason="batch from Polda", name="polda-2026-11.csv")
    assert store.list_version() == 1
    [record] = store.log()
    assert (record.action, record.list, record.actor, record.reason, record.version, record.rows) == (
        "import", "blocklist", "polda.metro", WHY.reason, 1, 2)
    assert record.details == {
        "file": "polda-2026-11.csv", "sha256": hashlib.sha256(text.encode()).hexdigest(), "format": "csv",
        "rows": 2, "added": 2, "duplicates_in_file": 0, "already_present": 0, "invalid_skipped": 0,
        "skip_invalid": False, "reason": "batch from Polda", "actor": "polda.metro"}
    assert report.sha256 == record.details["sha256"]
    first, second = store.entries(BlockEntry)
    assert (first.audit.reason, second.audit.reason) == ("batch from Polda", "own reason")
    assert {e.audit.created_by for e in (first, second)} == {"polda.metro"}
    assert first.audit.created_at == second.audit.created_at == datetime.fromisoformat(record.at)
    assert [row["pattern"] for row in store.log_rows(1)] == [first.pattern, second.pattern]


def test_duplicates_are_told_apart_across_batches(store, monkeypatch):
    monkeypatch.setattr(sqlite_store, "_IMPORT_BATCH", 3)
    store.add(BlockEntry("+6281200000005"), WHY)
    numbers = [f"081200000{n:03d}" for n in (1, 2, 1, 3, 4, 5, 2, 2, 6, 5, 1)]
    report, _ = run(store, "pattern\n" + "\n".join(numbers), reason="r", format="csv")
    # Lines 2 to 12, in batches of 3: lines 4, 8, 9 and 12 repeat earlier lines; 7 and 11 are in the store.
    assert (report.added, report.duplicates_in_file.count, report.already_present.count) == (5, 4, 2)
    assert report.duplicates_in_file.first == [4, 8, 9, 12]
    assert report.already_present.first == [7, 11]
    assert len(patterns(store)) == 6


def test_plain_text_one_pattern_a_line(store):
    text = ("# nomor penipuan\n"
            "0812-3456-7890   # reported twice\n"
            "\n"
            "+62 812 3456 7890\n"
            "+62809*\n"
            "+6281234567800..+6281234567899\n"
            "0812-34\n")
    report, problems = run(store, text, reason="Polda list", skip_invalid=True, force=True)
    assert report.format == "text"
    assert problems == [(7, "'0812-34' is not a valid phone number (read as dialed in region ID)")]
    assert patterns(store) == [("+6281234567890", "global"), ("+62809*", "global"),
                               ("+6281234567800..+6281234567899", "global")]
    assert report.duplicates_in_file.first == [4]


@pytest.mark.parametrize("text, options, message", [
    ("", {}, "police.csv: no rows to import"),
    ("# only a comment\n\n", {}, "police.csv: no rows to import"),
    (f"{HEADER}\n", {}, "police.csv: no rows to import"),
    ("pattern,categroy,reason\n", {}, "police.csv line 1: unknown column 'categroy' (field 2 of the header); "
                                      "the columns are pattern, category, action, reason, source, expires_at, scope"),
    ("category,reason\nfraud,r\n", {}, "police.csv line 1: the header has no pattern column"),
    ("pattern,category\n0812-3456-7890,fraud\n", {},
     "police.csv line 1: the header has no reason column; add one or give --reason"),
    ("pattern,reason,Reason\n", {}, "police.csv line 1: column 'reason' appears twice in the header"),
    ("0812-3456-7890\n", {}, "police.csv: a text file has no reasons; give --reason"),
])
def test_files_that_cannot_be_read_change_nothing(store, text, options, message):
    with pytest.raises(InvalidEntry) as error:
        run(store, text, **options)
    assert str(error.value) == message
    assert store.list_version() == 0 and list(store.log()) == []


def test_utf16_is_refused_with_what_to_do(store):
    with pytest.raises(InvalidEntry, match=r"police.csv is UTF-16 text; save it as UTF-8"):
        run(store, "\ufeffpattern,reason\n0812-3456-7890,r\n", encoding="utf-16-le")


def test_allowlist_import(store):
    store.add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti"), WHY)
    text = ("inmate_id;number;name;relationship;facility_id\r\n"
            "A-1;0812-3456-7890;Ibu Siti;mother;\r\n"              # 2: approved already
            "A-1;0813 1111 2222;Pak Budi;father;\r\n"
            "A-1;+62 813-1111-2222;Pak Budi;father;\r\n"          # 4: line 3 again
            "A-1;0813 1111 2222;Pak Budi;father;LP-CIPINANG\r\n"  # another facility: a new approval
            "A-2;0813 1111 2222;Bu Ani;wife;\r\n"
            "A-3;0813 1111 2223;;;\r\n"                           # 7: no name
            "A-4;112;Polisi;;\r\n")                               # 8: a short code
    report, problems = run(store, text, list_name="allowlist", reason="family visit registration 2026-11",
                           skip_invalid=True)
    assert problems == [(7, "name is required"),
                        (8, "'112' is a short code: short codes cannot be listed "
                            "([policy.number_types] EMERGENCY decides calls to it)")]
    assert (report.added, report.duplicates_in_file.first, report.already_present.first) == (3, [4], [2])
    assert [(e.inmate_id, e.number, e.facility_id) for e in store.entries(AllowlistEntry)] == [
        ("A-1", "+6281234567890", ""), ("A-1", "+6281311112222", ""), ("A-1", "+6281311112222", "LP-CIPINANG"),
        ("A-2", "+6281311112222", "")]
    assert list(store.log())[-1].list == "allowlist"


def test_allowlist_header_needs_inmate_number_and_name(store):
    with pytest.raises(InvalidEntry, match="the header has no inmate_id, name columns"):
        run(store, "number\n0812-3456-7890\n", list_name="allowlist", reason="r")


def exported(store, fmt="csv"):
    out = io.StringIO()
    exports.export_blocklist(store.stream(BlockEntry), out, fmt)
    return out.getvalue()


def test_a_pattern_broader_than_the_minimum_is_an_invalid_row_unless_forced(store):
    text = "0812-3456-7890\n+62809*\n+62812345*\n"
    report, problems = run(store, text, reason="r", format="text")
    assert report.invalid.first == [2] and not report.committed
    assert problems == [(2, "+62809* fixes 3 digits after the country code, fewer than the 6 a pattern must fix; "
                            "import with --force to block it anyway")]
    report, problems = run(store, text, reason="r", format="text", force=True)
    assert (problems, report.added, report.committed) == ([], 3, True)


def test_export_then_import_gives_the_same_entries(tmp_path):
    entries = [
        BlockEntry("+6281234567890", source="LP/B/1"),
        BlockEntry("+62809*", Category.VICTIM, BlockAction.REVIEW,
                   scope=Scope.parse("facility:LP-CIPINANG"),
                   expires_at=parse_expiry("2026-12-31")),
        BlockEntry("+6281234567??", Category.WITNESS, scope=Scope.parse("inmate:A-1")),
        BlockEntry("+6281234567800..+6281234567899", source="-1; @x, \"quoted\""),
    ]
    reasons = ["=SUM(A1:A2)", "+62 is the code", "-", "@risk"]
    with SqliteStore(tmp_path / "a.db") as first, SqliteStore(tmp_path / "b.db") as second:
        for entry, reason in zip(entries, reasons):
            first.add(entry, Change("kplp.budi", reason))
        report, problems = run(second, exported(first), name="export.csv", force=True)
        assert (problems, report.added) == ([], 4)

        def comparable(entry):
            return (entry.pattern, entry.category, entry.action, entry.source, entry.scope, entry.expires_at,
                    entry.audit.reason)

        assert [comparable(e) for e in second.entries(BlockEntry)] == [comparable(e) for e in first.entries(BlockEntry)]


def test_csv_export_neutralizes_formulas_but_not_patterns(store):
    store.add(BlockEntry("+6281234567890", source="+1 555"), Change("x", "=HYPERLINK(\"http://evil\")"))
    store.add(BlockEntry("+62809*", source="@SUM(1)"), Change("x", "-2+3"))
    store.add(BlockEntry("+6281234567800..+6281234567899", source="\tx"), Change("x", "\rcmd"))
    store.add(BlockEntry("+6281234567??"), Change("=cmd", "ok"))
    rows = list(csv.DictReader(io.StringIO(exported(store), newline="")))
    assert list(rows[0]) == [*exports.IMPORT_COLUMNS, "id", "created_at", "created_by"]
    assert [r["pattern"] for r in rows] == ["+6281234567890", "+62809*", "+6281234567800..+6281234567899",
                                           "+6281234567??"]
    assert [r["source"] for r in rows] == ["'+1 555", "'@SUM(1)", "'\tx", ""]
    assert [r["reason"] for r in rows] == ["'=HYPERLINK(\"http://evil\")", "'-2+3", "'\rcmd", "ok"]
    assert rows[3]["created_by"] == "'=cmd"


@pytest.mark.parametrize("cell", ["+62 812", "+6281234567890=1", "+62809**", "+=1", "+62..=1", "+62*+1"])
def test_only_canonical_patterns_keep_their_plus(cell):
    assert neutralized("pattern", cell) == "'" + cell


def test_a_number_in_another_column_is_neutralized():
    assert neutralized("source", "+6281234567890") == "'+6281234567890"


def test_json_export_has_every_field(store):
    store.add(BlockEntry("+62809*", Category.VICTIM, expires_at=parse_expiry("2026-12-31")),
              WHY)
    [row] = json.loads(exported(store, "json"))
    assert row == {"pattern": "+62809*", "category": "victim", "action": "deny", "reason": WHY.reason, "source": "",
                   "expires_at": "2027-01-01T00:00:00+00:00", "scope": "global", "id": 1,
                   "created_at": row["created_at"], "created_by": "polda.metro"}
    with SqliteStore(store.path.parent / "empty.db") as empty:
        assert json.loads(exported(empty, "json")) == []


def test_quick_numbers_agree_with_the_parser():
    """quick_e164 answers only when the full parser would give the same number."""
    rng = random.Random(7)
    texts = []
    for region in ("ID", "US", "GB", "RU", "AR", "IT", "DE", "BR", "SG", "MY", "AU", "KZ", "MX"):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
                     phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            code, national = str(example.country_code), str(example.national_number)
            for digits in [national, *("".join(d if rng.random() < 0.7 else str(rng.randrange(10)) for d in national)
                                       for _ in range(5))]:
                texts += [f"+{code}{digits}", f"+{code} {digits[:3]}-{digits[3:]}", f"(+{code}) {digits}",
                          f"0{digits}", f"0{digits[:3]}-{digits[3:]}", f"({'0' + digits[:3]}) {digits[3:]}",
                          f"{code}{digits}", f"00{code}{digits}", f"001{code}{digits}", f"01017{code}{digits}",
                          f"+{code}0{digits}", f"0{code}{digits}", digits]
    texts += ["0" + "".join(str(rng.randrange(10)) for _ in range(rng.randrange(5, 14))) for _ in range(2000)]
    answered = 0
    for region in ("ID", "US", "GB", "RU", "AR", "IT"):
        for text in texts:
            quick = quick_e164(text, region)
            if quick:
                answered += 1
                assert quick == parse_pattern(text, region).text, (text, region)
    assert answered > 1000


def test_the_digest_is_of_the_bytes_as_given(store):
    body = f"{HEADER}\n0812-3456-7890,,,r,,,\n"
    data = codecs.BOM_UTF8 + body.encode()
    problems = []
    report = import_file(store, "blocklist", io.BytesIO(data), "bom.csv", imports.Options(),
                         lambda line, problem: problems.append(problem))
    assert report.sha256 == hashlib.sha256(data).hexdigest()  # of the bytes as given, BOM and all
    assert (problems, report.added) == ([], 1)
