"""Fuzzing every import (allowlist, privileged, blocklist CSV and text,
watchlist) through the service's import on a real SQLite file: random CSV
bytes, mixed encodings, huge lines, NUL bytes. Nothing raises but the
import's own InvalidEntry; a failed import changes nothing; every refusal
names the line, and the column where one is at fault."""

import io
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from screening.adapters.files.columns import IMPORTS
from screening.adapters.files.import_files import ImportFile
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, PrivilegedEntry, WatchEntry
from screening.domain.errors import InvalidEntry
from screening.domain.policy import build_policy_set
from screening.service import imports

from fuzzing import fuzz_settings

POLICIES = build_policy_set()
WHY = Change("fuzz", "fuzzing the importers")
TYPES = {"allowlist": AllowlistEntry, "privileged": PrivilegedEntry, "blocklist": BlockEntry,
         "watchlist": WatchEntry}
IMPORTS_TO_FUZZ = [("allowlist", "auto"), ("privileged", "auto"), ("blocklist", "csv"), ("blocklist", "text"),
                   ("watchlist", "auto")]
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]
# What a row refusal says when no one column is at fault: the line itself is.
WHOLE_LINE = re.compile(r"not UTF-8 text|not valid CSV|fields where the header has")
# A row refusal names its cell by the column, by the field's name as the CLI's
# add says it (`--facility`, the inmate id), or by quoting the cell's value.
FIELD_NAMES = re.compile(r"facility|inmate id|alias|expir|'.*'|\".*\"")

cells = st.one_of(
    st.just(""),
    st.sampled_from(["0812-3456-7890", "+6281234567890", "62811111111", "+62809*", "0812345678[0-9]", "A-1",
                     "LP-A", "Siti Aminah", "fraud", "deny", "review", "attorney", "global", "inmate:A-1",
                     "facility:LP-A", "2030-01-01", "yesterday", "Dewi|Ibu Dewi", '"', "'=1+1", "#x"]),
    st.text(max_size=30),
    st.text(alphabet="0123456789+-*() []", max_size=25),
    st.text(min_size=300, max_size=20_000),  # a huge cell, hence a huge line
)


@st.composite
def import_files(draw, list_name: str, fmt: str) -> bytes:
    """A file that is mostly an import file of the list, with damage."""
    columns = list(IMPORTS[list_name].columns)
    if fmt == "text":
        lines = draw(st.lists(cells, max_size=8))
    else:
        header = draw(st.one_of(st.permutations(columns), st.lists(st.sampled_from(columns + ["junk", ""]),
                                                                  max_size=8)))
        delimiter = draw(st.sampled_from([",", ";", "\t"]))
        rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header) + 1), max_size=6))
        lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    raw = newline.join(lines).encode(draw(st.sampled_from(ENCODINGS)), "replace")
    damage = draw(st.sampled_from(["none", "nul", "bytes", "truncate"]))
    if damage == "nul" and raw:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\x00" + raw[at:]
    elif damage == "bytes":
        raw += draw(st.binary(max_size=200))
    elif damage == "truncate" and raw:
        raw = raw[:draw(st.integers(0, len(raw)))]
    return raw


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with SqliteStore(tmp_path_factory.mktemp("fuzz") / "lists.db") as store:
        yield store


def fuzz_one(store, list_name: str, fmt: str, raw: bytes) -> None:
    before = (store.list_version(), sum(1 for _ in store.entries(TYPES[list_name])))
    refusals = []
    options = imports.Options(reason="fuzz" if fmt == "text" else "")
    try:
        source = ImportFile(io.BytesIO(raw), "fuzz.csv", list_name, fmt, bool(options.reason))
        report = imports.import_file(store, POLICIES, list_name, source, WHY, options,
                                     lambda line, problem: refusals.append((line, problem)))
    except InvalidEntry as error:  # the whole file refused: which file, and the line where there is one
        report = None
        message = str(error)
        assert "fuzz.csv" in message or "CSV only" in message, message
        assert "header" not in message or re.search(r"line \d+: ", message), message
    lines = raw.count(b"\n") + 1
    for line, problem in refusals:
        assert 1 <= line <= lines and problem, (line, problem)
        columns = IMPORTS[list_name].columns
        assert (fmt == "text" or WHOLE_LINE.search(problem) or FIELD_NAMES.search(problem)
                or any(column in problem for column in columns)), problem
    if report is None or not report.committed:
        assert (store.list_version(), sum(1 for _ in store.entries(TYPES[list_name]))) == before
    else:
        assert report.invalid.count == len(refusals) == 0
        assert store.list_version() in (before[0], before[0] + 1)


def regression(list_name: str, fmt: str, raw: bytes):
    return example(list_name=list_name, fmt=fmt, raw=raw)


@fuzz_settings(60)
@pytest.mark.parametrize("list_name, fmt", IMPORTS_TO_FUZZ)
@given(data=st.data())
def test_random_import_files_are_imported_or_refused_by_line(store, list_name, fmt, data):
    fuzz_one(store, list_name, fmt, data.draw(import_files(list_name, fmt)))


@fuzz_settings(40)
@pytest.mark.parametrize("list_name, fmt", IMPORTS_TO_FUZZ)
@given(raw=st.binary(max_size=2000))
@example(raw=b"\x00\x00\x00")
@example(raw=b"\xff\xfe" + "number,name\n".encode("utf-16-le"))
@example(raw="number,name\n".encode("utf-16-le"))  # UTF-16 without a BOM: NULs between the letters
@example(raw=b"\xef\xbb\xbf\n\n#\n")
@example(raw=b"number,name,pattern,inmate_id\n" + b"7" * 2_000_000 + b",x,y,z\n")  # a 2 MB line
@example(raw=b"\nname\x00,number\n")  # the header on line 2, a NUL in it
def test_random_bytes_are_imported_or_refused_by_line(store, list_name, fmt, raw):
    fuzz_one(store, list_name, fmt, raw)
