"""A synthetic decision log for bench_decision_search.py: N decisions over 90
days, loaded in bulk into the real schema of either backend.

The calls: ~300 facilities of 10 kiosks each, ~50,000 inmates (each in one
facility), ~1,000,000 numbers dialled with Zipf-like popularity (a few
numbers take most calls), each with one of ~40,000 called parties' names
(15% of the calls say no name). ~92% ALLOW (mostly from the approved list),
~5% REVIEW (watchlist, velocity, near a blocked number, a name that does not
match the contact), ~3% DENY (a number of 5,000 blocklist entries from 100
police reports, themselves Zipf-popular), 0.1% privileged. Rows are made by
adapters/decision_rows.to_row, as the server logs them, from the same seed
on both backends.

Loading: the schema as it stood at migration 0002, its indexes dropped, the
rows inserted in big transactions (SQLite) or by COPY (PostgreSQL), the
indexes made again, then migration 0003 run by opening the log: its
backfill fills decision_findings and called_names as a log upgraded in place
would have them (the adapters write the same rows on append; the contract
tests check both ways agree).
"""

from __future__ import annotations

import bisect
import itertools
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from screening.adapters.decision_rows import COLUMNS, to_row

# The columns as migration 0002 had them: the call print came with 0004.
COLUMNS_0002 = COLUMNS.removesuffix(", call_print")
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening

START = 1_790_000_000.0  # 2026-09-21, a fixed start so runs are alike
SPAN = 90 * 86400.0
FACILITIES, STATIONS, INMATES, NUMBERS, NAMES = 300, 10, 50_000, 1_000_000, 40_000
BLOCKED, PER_REPORT = 5_000, 50
NAME_SHIFT = 1234  # the spelling variants (the first names) go to numbers of middling popularity
SEED = 20261130

FIRST = ("Siti Budi Agus Dewi Sri Ahmad Rina Andi Putri Eko Wahyu Joko Yusuf Fitri Indah Rizky Dian Hendra Bambang "
         "Slamet Yanti Lestari Rudi Adi Ayu Bayu Citra Dedi Endang Fajar Gita Hadi Iwan Jaya Kartika Lina Made "
         "Nanda Oki Purnama Ratna Sari Taufik Umar Vina Wulan Yogi Zainal Anton Bella Cahya Dimas Erna Farida "
         "Galih Hesti Irfan Januar Kurnia").split()
MIDDLE = ("Nur Dwi Tri Eka Putra Putri Ayu Indra Wati Rahma Kusuma Dewi Sari Budi Adi Nurul Hadi Surya Jaya "
          "Wijaya").split()
LAST = ("Santoso Wijaya Saputra Hidayat Kurniawan Setiawan Nugroho Pratama Siregar Nasution Harahap Lubis "
        "Simanjuntak Sihombing Tambunan Hutapea Situmorang Gunawan Halim Susanto Purnomo Rahman Hakim Syahputra "
        "Utomo Wibowo Yulianto Permana Ramadhan Firmansyah Maulana Hasibuan Daulay Pane Tanjung Sinaga Manurung "
        "Sembiring Ginting Tarigan Nainggolan Panjaitan Pardede Sitompul Marpaung Batubara Rangkuti Pohan "
        "Damanik Purba Saragih Silalahi Sitorus Gultom Samosir Simbolon Hutagalung Napitupulu Pasaribu").split()
MOBILE = (811, 812, 813, 821, 822, 823, 851, 852, 853, 814, 815, 816, 855, 856, 857, 858, 817, 818, 819, 859,
          877, 878, 831, 832, 833, 838, 895, 896, 897, 898, 899, 881, 882, 883, 884, 885, 886, 887, 888, 889)
# The spellings of one person the search is expected to find together.
VARIANTS = ("Siti Nurhaliza", "Siti Nur Haliza", "Sity Nurhalisa")


@dataclass(frozen=True)
class Dataset:
    decisions: int
    seed: int = SEED

    def numbers(self) -> list[str]:
        rng = random.Random(self.seed)
        keys = rng.sample(range(len(MOBILE) * 10**8), NUMBERS)  # a mobile prefix and eight digits
        return [f"+62{MOBILE[key // 10**8]}{key % 10**8:08d}" for key in keys]

    def names(self) -> list[str]:
        rng = random.Random(self.seed + 1)
        found: dict[str, None] = dict.fromkeys(VARIANTS)
        while len(found) < NAMES:
            words = [rng.choice(FIRST)] + ([rng.choice(MIDDLE)] if rng.random() < 0.6 else []) + [rng.choice(LAST)]
            found[" ".join(words)] = None
        return list(found)

    def rows(self) -> Iterator[tuple]:
        """The decisions as to_row makes them, oldest first."""
        rng = random.Random(self.seed + 2)
        numbers, names = self.numbers(), self.names()
        popular = list(itertools.accumulate(1.0 / rank for rank in range(1, NUMBERS + 1)))
        blocked = list(itertools.accumulate(1.0 / rank ** 0.8 for rank in range(1, BLOCKED + 1)))
        step = SPAN / self.decisions
        for i in range(self.decisions):
            rank = bisect.bisect(popular, rng.random() * popular[-1])
            inmate = rng.randrange(INMATES)
            at = START + i * step + rng.random() * step * 0.9
            roll = rng.random()
            if roll < 0.03:  # a blocked number: the blocklist entry's own number
                entry = bisect.bisect(blocked, rng.random() * blocked[-1]) + 1
                yield _row(i, inmate, numbers[-entry], names[(NUMBERS - entry) % NAMES], at, rng, deny=entry)
            else:
                yield _row(i, inmate, numbers[rank], names[(rank + NAME_SHIFT) % NAMES], at, rng,
                           review=roll < 0.08, privileged=roll > 0.999)


def facility_of(inmate: int) -> str:
    return f"LP-{inmate % FACILITIES:03d}"


def report_of(entry: int) -> str:
    """The police report a blocklist entry came from."""
    return f"POL-2026-{(entry - 1) // PER_REPORT:03d}"


def report_entries(report: str) -> tuple[str, ...]:
    """The findings' names of a report's entries, as --source resolves them."""
    first = int(report.rsplit("-", 1)[1]) * PER_REPORT + 1
    return tuple(f"blocklist:{entry}" for entry in range(first, first + PER_REPORT))


def _row(i: int, inmate: int, number: str, name: str, at: float, rng: random.Random, deny: int = 0,
         review: bool = False, privileged: bool = False) -> tuple:
    facility = facility_of(inmate)
    inmate_id = f"{facility}/W-{inmate:05d}"
    contact = f"allowlist:{(inmate * 31 + int(number[3:])) % 2_000_000 + 1}"
    if deny:
        findings = (Finding(Reason.BLOCKED_NUMBER, f"{number} is on the blocklist (narcotics, deny)", Decision.DENY,
                            f"blocklist:{deny}"),
                    Finding(Reason.NOT_ON_ALLOWLIST, f"{number} is not on the approved list of inmate {inmate_id}",
                            Decision.DENY))
    elif privileged:
        findings = (Finding(Reason.PRIVILEGED, f"{number} is a privileged number (lawyer); the call is not recorded",
                            Decision.ALLOW, f"privileged:{inmate % 500 + 1}"),)
    else:
        findings = (Finding(Reason.ALLOWLISTED, f"{number} is on the approved list of inmate {inmate_id}",
                            Decision.ALLOW, contact),) if rng.random() < 0.85 else (
            Finding(Reason.NOT_ON_ALLOWLIST, f"{number} is not on the approved list; the facility does not "
                                             "require one", Decision.ALLOW),)
        if review:
            findings += (_flag(number, name, contact, rng),)
    decision = max(f.effect for f in findings)
    said = "" if rng.random() < 0.15 else name
    request = ScreenRequest(f"c-{i:08d}", facility, inmate_id, "0" + number[3:],
                            station_id=f"{facility}/K-{rng.randrange(STATIONS):02d}", called_party_name=said)
    screening = Screening(request.call_id, decision, findings, number, NumberType.MOBILE, "ID", not privileged,
                          0 if decision is Decision.DENY else 900, 41_000 + i // 100_000, at)
    return to_row(request, screening)[:-1]  # without the call print: loaded at 0002


def _flag(number: str, name: str, contact: str, rng: random.Random) -> Finding:
    kind = rng.randrange(4)
    if kind == 0:
        return Finding(Reason.WATCHLIST_MATCH, f"called party {name!r} matches watchlist fraud {name!r}",
                       Decision.REVIEW, f"watchlist:{rng.randrange(1, 2001)}", 0.912)
    if kind == 1:
        return Finding(Reason.VELOCITY, "6 calls in 10 minutes, above the limit of 5", Decision.REVIEW)
    if kind == 2:
        return Finding(Reason.NEAR_BLOCKED_NUMBER, f"{number} is one digit away from fraud number +62812345678",
                       Decision.REVIEW, f"blocklist:{rng.randrange(1, BLOCKED + 1)}")
    return Finding(Reason.CONTACT_NAME_MISMATCH, f"called party {name!r} is not the registered contact",
                   Decision.REVIEW, contact, 0.41)


def load_sqlite(path: Path, dataset: Dataset, progress) -> None:
    """The log at 0002, filled in bulk; opening it (SqliteDecisionLog) runs 0003 and 0004."""
    from screening.adapters.sqlite.migrations import bundled_migrations, migrate

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    migrate(conn, bundled_migrations("decisions")[:2])
    indexes = [sql for (name, sql) in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decisions' AND sql IS NOT NULL")]
    for sql in indexes:
        conn.execute("DROP INDEX " + sql.split()[2])
    insert = f"INSERT INTO decisions ({COLUMNS_0002}) VALUES ({', '.join('?' * len(COLUMNS_0002.split(', ')))})"
    rows = dataset.rows()
    for done in itertools.count(1):
        chunk = list(itertools.islice(rows, 200_000))
        if not chunk:
            break
        conn.execute("BEGIN")
        conn.executemany(insert, chunk)
        conn.execute("COMMIT")
        progress(f"sqlite: {done * 200_000:,} decisions")
    for sql in indexes:
        progress(f"sqlite: {sql.split()[2]}")
        conn.execute(sql)
    conn.close()


def load_postgres(url: str, dataset: Dataset, progress) -> None:
    """The schema at 0002 in the URL's search_path, filled by COPY; opening it runs 0003 and 0004."""
    import psycopg

    from screening.adapters.postgres.migrations import bundled_migrations, migrate

    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, "decisions", bundled_migrations("decisions")[:2])
        indexes = [row for row in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'decisions' "
            "AND schemaname = current_schema() "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'decisions'::regclass)")]
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SET synchronous_commit = off")
        with conn.cursor() as cursor, cursor.copy(f"COPY decisions ({COLUMNS_0002}, replica) FROM STDIN") as copy:
            for n, row in enumerate(dataset.rows(), 1):
                copy.write_row((*row[:13], bool(row[13]), *row[14:], "bench"))
                if n % 500_000 == 0:
                    progress(f"postgres: {n:,} decisions")
        for name, sql in indexes:
            progress(f"postgres: {name}")
            conn.execute(sql)
        conn.execute("VACUUM ANALYZE decisions")
