"""Name benchmark: the watchlist search of a screening decision against 1,000 to 100,000 names.

Generates Indonesian-like watchlist names (common given and family names
drawn by a Zipf law, a long tail of Javanese names built from syllables,
Muhammad/Siti/Sri first names, titles, ranks, degrees, old spellings,
initials; a tenth of the entries have an alias; a share of them deny, or
hold for one facility or one inmate only), builds a Watchlist of N names,
then times, call by call with perf_counter_ns, over a mix of queries (names
as listed, spelling variants, reordered, with a typo, names of nobody on
the list), for a random facility and inmate:
- Watchlist.hits, what the engine asks: the 5 most severe matches;
- NameIndex.search with no limit: every match.
For comparison it times brute force with rapidfuzz (process.extractOne over
every normalized name) for a few queries. Prints a Markdown report on
stdout; progress goes to stderr.

    python benchmarks/bench_names.py                       # 1k, 10k, 100k names
    python benchmarks/bench_names.py --sizes 100000 --queries 5000 --no-tracemalloc
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shlex
import statistics
import sys
import time
import tracemalloc
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from screening.domain.blocklist import Scope
from screening.domain.model import BlockAction
from screening.domain.names import DEFAULT_DENY_THRESHOLD, DEFAULT_REVIEW_THRESHOLD, NameIndex, normalize_name
from screening.domain.watchlist import Watchlist, WatchRow

from reporting import cpu_model, mib, progress, size_list, table, timer_overhead_ns

# --- the names -----------------------------------------------------------------------

# Most common first: drawn with weight 1 / rank ** ZIPF.
MALE = """Agus Budi Bambang Joko Wahyu Slamet Eko Dedi Rudi Hendra Andi Ahmad Rizki Hadi Iwan Yanto Bayu
Ari Arif Dani Doni Dodi Asep Ujang Dian Adi Heri Hari Irwan Erwin Fajar Fauzi Hasan Husein Yusuf Ridwan
Rahmat Taufik Iqbal Reza Rizal Ferdy Anton Tono Sugeng Supriyadi Sutrisno Suharto Sukarno Sumarno
Hartono Wahyudi Kurniawan Setiawan Gunawan Irawan Hermawan Darmawan Prasetyo Nugroho Santoso Susanto
Purnomo Haryanto Suryadi Mulyadi Sugiarto Sulistyo Widodo Wibowo Yulianto Firmansyah Hidayat Ramadhan
Syaiful Zainal Khairul Abdul Anwar Arifin Ilham Ikhsan Galih Gilang Dimas Aditya Bagus Teguh Tri Dwi
Yoga Yogi Andika Angga Ardi Aris Budiman Chandra Danu Deni Dimas Edi Fikri Hendri Indra Jaka Krisna
Lukman Maman Nanang Nur Oki Panji Putra Rama Rendi Riyan Rois Sandi Satria Sigit Tomi Toni Umar Wawan
Yudi Zaki Yohanes Paulus Stefanus Fransiskus Markus Petrus Wayan Made Nyoman Ketut Putu Komang Gede""".split()
FEMALE = """Dewi Putri Ayu Rina Rini Fitri Indah Yuli Wati Lestari Ratna Sari Dian Lina Nina
Yanti Yuni Yeni Ani Ina Tuti Rika Rita Diana Dina Dini Fitria Nurul Aisyah Fatimah Aminah Khadijah Maryam
Zahra Annisa Nabila Aulia Salsabila Wulan Intan Mega Novi Novita Evi Eva Vina Winda Yulianti Yuliani
Wahyuni Suharti Sukarni Sumarni Hartini Kurniawati Setiawati Irawati Handayani Rahayu Susanti Purwanti
Haryanti Suryani Mulyani Sulastri Kartini Kartika Rahmawati Hidayati Hasanah Maulida Marlina Maryati
Anggraini Puspita Permata Citra Dwi Tri Eka Anisa Ratih Retno Endang Suci Tutik Umi Wiwik Yayuk Ninik
Sumiati Sunarti Murni Ernawati Erna Lilis Euis Neneng Cucu Imas Iis Elis Yohana Maria Theresia Agnes
Ni Luh Kadek Komang Made Putu""".split()
FAMILY = """Santoso Wijaya Saputra Pratama Nugroho Hidayat Kusuma Siregar Nasution Hasibuan Simanjuntak
Sinaga Harahap Lubis Tanjung Wibowo Purnomo Utomo Prasetyo Hermawan Setiadi Sudirman Rahman Salim Halim
Basri Anwar Arifin Hakim Pohan Sitompul Gunawan Irawan Mulyadi Rahayu Lestari Handayani Permana Maulana
Ramadhan Syahputra Tambunan Panjaitan Manurung Marpaung Situmorang Pangaribuan Hutapea Silalahi Sihombing
Simatupang Napitupulu Ginting Tarigan Sembiring Sitepu Purba Damanik Saragih Pardede Batubara Daulay
Rangkuti Matondang Pulungan Ritonga Tanoto Halim Gunadi Kurniadi Tjandra Wirawan Susilo Sutanto Lim Tan
Wongso Suganda Sumadi Mandagi Lumban Wowor Rumengan Sondakh Pattimura Latuconsina Tuasikal Mahulette
Matulessy Hutagalung Tobing Sianturi Simbolon Sagala Gultom Aritonang Hutabarat Lubis Effendi Iskandar
Syamsudin Hasyim Yunus Ismail Ibrahim Sulaiman Abdullah Mansur Hamzah Hambali Amir Said Bakri""".split()
# Long tail: Javanese names from syllables (Su+par+no, Sri+yan+ti ...).
HEADS = ("Su", "Sa", "Sri", "Tri", "Wi", "Har", "Pur", "Mul", "Kus", "Sum", "Sut", "Sud", "Sup", "Sug", "Sul",
         "Wah", "Bud", "Had", "Set", "Prat", "Nug", "Rah", "Yul", "Kur", "Gun", "Her", "Dar", "Pras", "Han",
         "Sar", "Mar", "Par", "Tar", "Kar", "War", "Jum", "Pon", "Sis", "Mur", "Wid", "Suw", "Sub", "Suk", "Sun")
MIDDLES = ("a", "i", "ar", "an", "ir", "ur", "ad", "ud", "iy", "ant", "ard", "arn", "arm", "ast", "ij", "om",
           "en", "ono", "ah", "at")
ENDS_MALE = ("o", "ono", "anto", "adi", "iyanto", "ardi", "arno", "yono", "wan", "man", "ono", "to", "di", "no")
ENDS_FEMALE = ("i", "ini", "anti", "ati", "iyanti", "wati", "ani", "arni", "yani", "ah", "ti", "ni", "nah")
ZIPF = 0.5  # the commonest given word is then 2 to 3% of them, the commonest family name 2%
MONONYMS = 0.08  # names of one word
TAIL_SHARE = 0.4  # given names from the syllable generator instead of the lists
TITLES = ("Bapak", "Pak", "Ibu", "Bu", "H.", "Hj.", "KH", "Ustadz", "Dr.", "Ir.", "Drs.", "Sdr.", "Ny.",
          "AKBP", "Kombes Pol.", "Iptu", "Bripka", "Kolonel Inf.", "Kapten", "Serda", "Brigjen TNI")
DEGREES = (", S.H.", ", S.E.", ", M.M.", " S.Kom", ", S.H., M.H.", ", S.Pd.", ", M.Si", ", Lc., MA", ", S.T.")
MUHAMMAD = ("Muhammad", "Muhamad", "Mohammad", "Mochammad", "Moch.", "Moh.", "M.", "Muh.", "Mhd.")
DECORATED = 0.15  # share of listed names with a title, rank or degree
ALIAS_SHARE = 0.1  # entries with a second name (another spelling, or without the first name)
DENY_SHARE = 0.3  # entries whose action is deny (the rest: review)
FACILITIES, INMATES = 20, 5_000
SCOPES = (("global", 0.7), ("facility", 0.1), ("inmate", 0.2))  # victims and witnesses: one inmate's
FINDINGS = 5  # the policy default of [names] max_watchlist_findings


def zipf_picker(names: Sequence[str]) -> tuple[Sequence[str], list[float]]:
    unique = list(dict.fromkeys(names))
    weights, total = [], 0.0
    for rank in range(1, len(unique) + 1):
        total += 1 / rank ** ZIPF
        weights.append(total)
    return unique, weights


PICKERS = {kind: zipf_picker(names) for kind, names in (("m", MALE), ("f", FEMALE), ("family", FAMILY))}


def common(rng: random.Random, kind: str) -> str:
    names, cumulative = PICKERS[kind]
    return rng.choices(names, cum_weights=cumulative)[0]


def syllable_name(rng: random.Random, sex: str) -> str:
    middle = rng.choice(MIDDLES) if rng.random() < 0.7 else ""
    return rng.choice(HEADS) + middle + rng.choice(ENDS_MALE if sex == "m" else ENDS_FEMALE)


def given(rng: random.Random, sex: str) -> str:
    return syllable_name(rng, sex) if rng.random() < TAIL_SHARE else common(rng, sex)


def person(rng: random.Random) -> list[str]:
    """The words of one plain name: 1 to 5 of them, mostly 2 or 3."""
    sex = rng.choice("mf")
    if rng.random() < MONONYMS:  # older Javanese: one word, often a rarer one
        return [syllable_name(rng, sex) if rng.random() < 0.7 else common(rng, sex)]
    words = []
    if rng.random() < 0.15:
        words.append("Muhammad" if sex == "m" else rng.choice(("Siti", "Sri", "Nur")))
    for _ in range(rng.choices((1, 2), (65, 35))[0]):
        words.append(given(rng, sex))
    if rng.random() < 0.55 or len(words) < 2:
        words.append(common(rng, "family"))
    return list(dict.fromkeys(words))  # no word twice


def old_spelling(word: str) -> str:
    """The word as written before 1972 (the reverse of the modern spelling rules)."""
    return (word.replace("u", "oe").replace("U", "Oe").replace("j", "dj").replace("J", "Dj")
            .replace("y", "j").replace("Y", "J").replace("c", "tj").replace("C", "Tj")
            .replace("kh", "ch").replace("Kh", "Ch"))


def decorate(rng: random.Random, words: list[str]) -> str:
    """A plain name as a list or a caller writes it: titles, degrees, old spellings, Muhammad."""
    words = list(words)
    if words[0] == "Muhammad" and rng.random() < 0.5:
        words[0] = rng.choice(MUHAMMAD)
    if rng.random() < 0.1:
        at = rng.randrange(len(words))
        words[at] = old_spelling(words[at])
    text = " ".join(words)
    draw = rng.random()
    if draw < DECORATED / 2:
        text = f"{rng.choice(TITLES)} {text}"
    elif draw < DECORATED * 3 / 4:
        text += rng.choice(DEGREES)
    elif draw < DECORATED:
        text = f"{rng.choice(TITLES)} {text}{rng.choice(DEGREES)}"
    return text


@dataclass(frozen=True)
class Entry:
    entry_id: int
    words: tuple[str, ...]  # the plain name
    names: tuple[str, ...]  # as listed: the name and maybe an alias


def generate_entries(size: int, seed: int) -> list[Entry]:
    """Entries with about `size` names in all (aliases included)."""
    rng = random.Random(f"names-{seed}")
    entries, names = [], 0
    while names < size:
        words = person(rng)
        listed = [decorate(rng, words)]
        if rng.random() < ALIAS_SHARE and names + 1 < size:
            alias = words[1:] if len(words) > 2 else [old_spelling(word) for word in words]
            listed.append(" ".join(alias))
        entries.append(Entry(len(entries) + 1, tuple(words), tuple(listed)))
        names += len(listed)
    return entries


def rows_of(entries: Sequence[Entry]) -> Iterator[tuple[int, str]]:
    for entry in entries:
        for name in entry.names:
            yield entry.entry_id, name


def watch_rows(entries: Sequence[Entry], seed: int) -> Iterator[WatchRow]:
    rng = random.Random(f"watch-{seed}")
    kinds, shares = zip(*SCOPES)
    for entry in entries:
        action = BlockAction.DENY if rng.random() < DENY_SHARE else BlockAction.REVIEW
        match rng.choices(kinds, shares)[0]:
            case "facility":
                scope = Scope.parse(f"facility:F-{rng.randrange(FACILITIES)}")
            case "inmate":
                scope = Scope.parse(f"inmate:A-{rng.randrange(INMATES)}")
            case _:
                scope = Scope()
        yield WatchRow(entry.entry_id, entry.names[0], entry.names[1:], action=action, scope=scope)


# --- the queries ------------------------------------------------------------------------

QUERY_MIX = (("as listed", 0.25), ("variant", 0.20), ("reordered", 0.10), ("typo", 0.15), ("nobody", 0.30))
WARM_UP = 2_000


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    entry_id: int  # the entry it was made from; 0 for "nobody"
    facility: str  # of the call
    inmate: str


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)  # first and last letter kept
    match rng.randrange(3):
        case 0:
            return word[:at] + word[at + 1:]
        case 1:
            return word[:at] + word[at + 1] + word[at] + word[at + 2:]
        case _:
            return word[:at] + rng.choice("aiueo") + word[at + 1:]


def make_queries(entries: Sequence[Entry], count: int, seed: int) -> list[Query]:
    rng = random.Random(f"queries-{seed}-{len(entries)}")
    kinds, weights = zip(*QUERY_MIX)
    queries = []
    for kind in rng.choices(kinds, weights, k=count):
        caller = (f"F-{rng.randrange(FACILITIES)}", f"A-{rng.randrange(INMATES)}")
        if kind == "nobody":
            queries.append(Query(kind, decorate(rng, person(rng)), 0, *caller))
            continue
        entry = rng.choice(entries)
        words = list(entry.words)
        if kind == "as listed":
            text = rng.choice(entry.names)
        elif kind == "variant":
            text = decorate(rng, [old_spelling(w) if rng.random() < 0.3 else w for w in words])
        elif kind == "reordered":
            rng.shuffle(words)
            text = " ".join(words)
        else:
            longest = max(range(len(words)), key=lambda i: len(words[i]))
            words[longest] = typo(rng, words[longest])
            text = " ".join(words)
        queries.append(Query(kind, text, entry.entry_id, *caller))
    return queries


# --- measuring ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Latency:
    p50_us: float
    p99_us: float
    mean_us: float
    max_us: float

    @classmethod
    def of(cls, nanos: Sequence[int]) -> Latency:
        ordered = sorted(nanos)
        return cls(ordered[len(ordered) // 2] / 1000, ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] / 1000,
                   statistics.fmean(ordered) / 1000, ordered[-1] / 1000)


@dataclass(frozen=True)
class SizeResult:
    names: int
    entries: int
    vocabulary: int  # distinct normalized words
    build_seconds: float
    held_bytes: int | None
    peak_bytes: int | None
    decision: Latency  # Watchlist.hits, warm: what a screening decision asks
    decision_cold: Latency  # the same, normalize_name cache cleared before every query
    warm: Latency  # NameIndex.search, every match, warm
    by_kind: dict[str, Latency]  # Watchlist.hits, warm
    found: dict[str, float]  # share of queries whose own entry came back (any score >= review)
    flagged: dict[str, float]  # share of queries with any result
    results: float  # mean results per query
    brute: Latency  # rapidfuzz extractOne over every name


def measure(size: int, args: argparse.Namespace) -> SizeResult:
    progress(f"{size:,} names: generating")
    entries = generate_entries(size, args.seed)
    names = sum(len(entry.names) for entry in entries)
    gc.collect()
    progress(f"{size:,} names: building the watchlist")
    started = time.perf_counter()
    watchlist = Watchlist(watch_rows(entries, args.seed))
    build_seconds = time.perf_counter() - started
    index = NameIndex(rows_of(entries))  # the same names, no scopes: every match, and what each query finds
    held = peak = None
    if not args.no_tracemalloc:
        progress(f"{size:,} names: building again under tracemalloc")
        # From freshly generated rows, so the name strings the index keeps
        # are counted, and the generator's lists freed as it goes.
        fresh = generate_entries(size, args.seed)
        gc.collect()
        tracemalloc.start()
        traced = Watchlist(watch_rows(fresh, args.seed))
        del fresh
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del traced

    threshold = DEFAULT_REVIEW_THRESHOLD
    queries = make_queries(entries, args.queries, args.seed)
    progress(f"{size:,} names: {len(queries):,} queries, warm")
    found, flagged, results = Counter(), Counter(), 0
    for query in queries:  # what each query finds; also warms the caches up
        matches = index.search(query.text, threshold)
        results += len(matches)
        flagged[query.kind] += bool(matches)
        found[query.kind] += any(match.entry_id == query.entry_id for match in matches)
    warm = time_queries(lambda query: index.search(query.text, threshold), queries, cold=False)

    def decide(query: Query) -> object:
        # find_hits, not hits: what a name costs, not what remembering it saves.
        return watchlist.find_hits(query.text, query.facility, query.inmate, threshold, DEFAULT_DENY_THRESHOLD,
                                   FINDINGS)

    progress(f"{size:,} names: {len(queries):,} decisions, warm")
    decision = time_queries(decide, queries, cold=False)
    progress(f"{size:,} names: {len(queries):,} decisions, cold")
    decision_cold = time_queries(decide, queries, cold=True)
    per_kind: dict[str, list[int]] = {kind: [] for kind, _ in QUERY_MIX}
    for query, nanos in zip(queries, decision, strict=True):
        per_kind[query.kind].append(nanos)
    totals = Counter(query.kind for query in queries)

    normalized = [normalize_name(name) for _, name in rows_of(entries)]
    normalize_name.cache_clear()
    vocabulary = len({token for tokens in normalized for token in tokens})
    progress(f"{size:,} names: brute force, {args.brute_queries} queries")
    brute = time_brute_force([" ".join(tokens) for tokens in normalized], queries[:args.brute_queries])
    return SizeResult(
        names, len(entries), vocabulary, build_seconds, held, peak,
        Latency.of(decision), Latency.of(decision_cold), Latency.of(warm),
        {k: Latency.of(v) for k, v in per_kind.items() if v},
        {k: found[k] / totals[k] for k in totals}, {k: flagged[k] / totals[k] for k in totals},
        results / len(queries), brute)


def time_queries(search: Callable[[Query], object], queries: Sequence[Query], cold: bool) -> array:
    """Nanoseconds of each search(query), garbage collection off.

    Cold: the normalize_name cache is cleared before each query (outside the
    timed call), so every query is normalized; warm: repeated names are not.
    The word-level caches stay warm either way, as they do in a server.
    """
    clock, clear = time.perf_counter_ns, normalize_name.cache_clear
    for query in queries[:WARM_UP]:
        search(query)
    durations = array("q")
    gc.collect()
    gc.disable()
    try:
        for query in queries:
            if cold:
                clear()
            started = clock()
            search(query)
            durations.append(clock() - started)
    finally:
        gc.enable()
    return durations


def time_brute_force(choices: list[str], queries: Sequence[Query]) -> Latency:
    """rapidfuzz token_sort_ratio of the normalized query against every normalized name."""
    clock = time.perf_counter_ns
    durations = []
    for query in queries:
        text = " ".join(normalize_name(query.text))
        started = clock()
        process.extractOne(text, choices, scorer=fuzz.token_sort_ratio, processor=None,
                           score_cutoff=100 * DEFAULT_REVIEW_THRESHOLD)
        durations.append(clock() - started)
    return Latency.of(durations)


# --- the report -------------------------------------------------------------------------------


def report(args: argparse.Namespace, results: list[SizeResult], overhead: float, seconds: float) -> str:
    machine = [
        ("Command", f"`{shlex.join(sys.orig_argv)}`"),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} logical CPUs"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", platform.platform()),
        ("Seed", str(args.seed)),
    ]
    main_rows = []
    for r in results:
        per_name = "-" if r.held_bytes is None else f"{r.held_bytes / r.names:,.0f}"
        main_rows.append((
            f"{r.names:,}", f"{r.entries:,}", f"{r.vocabulary:,}", f"{r.build_seconds:.2f}", mib(r.held_bytes),
            per_name, mib(r.peak_bytes), f"{r.decision.p50_us:.1f}", f"{r.decision.p99_us:.1f}",
            f"{r.decision.max_us:,.0f}", f"{r.decision_cold.p50_us:.1f}", f"{r.decision_cold.p99_us:.1f}",
            f"{r.warm.p50_us:.1f}", f"{r.warm.p99_us:.1f}", f"{r.results:.2f}", f"{r.brute.p50_us:,.0f}",
            f"{r.brute.p99_us:,.0f}",
        ))
    kind_rows = []
    for r in results:
        cells = [f"{r.names:,}"]
        for kind, _ in QUERY_MIX:
            latency = r.by_kind[kind]
            cells.append(f"{latency.p50_us:.1f} / {latency.p99_us:.1f}")
        kind_rows.append(cells)
    found_rows = []
    for r in results:
        cells = [f"{r.names:,}"]
        for kind, _ in QUERY_MIX:
            share = r.flagged[kind] if kind == "nobody" else r.found[kind]
            cells.append(f"{100 * share:.1f}%")
        found_rows.append(cells)
    mix = ", ".join(f"{share:.0%} {kind}" for kind, share in QUERY_MIX)
    return "\n\n".join((
        "## Machine\n\n" + table(("", ""), machine, text_columns=2),
        "## Watchlist search by list size\n\n"
        f"{args.queries:,} queries ({mix}) at the default thresholds (review {DEFAULT_REVIEW_THRESHOLD}, "
        f"deny {DEFAULT_DENY_THRESHOLD}), each timed with `perf_counter_ns` (timer overhead about "
        f"{overhead:.0f} ns, included), garbage collection off. {DENY_SHARE:.0%} of the entries deny; "
        f"scopes: {', '.join(f'{share:.0%} {kind}' for kind, share in SCOPES)}. *Decision*: "
        f"`Watchlist.find_hits`, the {FINDINGS} most severe matches that apply to the call (what the engine "
        "asks, before it remembers the answer); "
        "warm: the `normalize_name` cache may hold the query; *cold*: that cache cleared before every query, "
        "so each is normalized. *All*: `NameIndex.search` with no limit, every match, warm. "
        "*Held*: tracemalloc of what the built watchlist keeps, the name strings included; *peak*: "
        "tracemalloc peak while building. *Results*: mean matches per query (all). *Brute force*: rapidfuzz "
        f"`process.extractOne` (token_sort_ratio, C++) over every normalized name, {args.brute_queries} "
        "queries, normalization not timed.\n\n"
        + table(("names", "entries", "words", "build (s)", "held (MiB)", "bytes/name", "peak (MiB)",
                 "decision p50 (µs)", "decision p99 (µs)", "decision max (µs)", "cold p50 (µs)",
                 "cold p99 (µs)", "all p50 (µs)", "all p99 (µs)", "results", "brute p50 (µs)", "brute p99 (µs)"),
                main_rows),
        "### Decision, warm: p50 / p99 (µs) by query kind\n\n"
        + table(("names", *(kind for kind, _ in QUERY_MIX)), kind_rows),
        "### Queries that found their entry\n\n"
        "At the review threshold; for *nobody*, the share that matched anyone (a generated name can be "
        "someone's on the list, or share all but a missing word with it).\n\n"
        + table(("names", *(kind for kind, _ in QUERY_MIX)), found_rows),
        f"Whole run: {seconds:.0f} s wall.",
    )) + "\n"


# --- command line ------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=size_list, default=[1_000, 10_000, 100_000],
                        help="comma-separated list sizes in names (default: 1000,10000,100000)")
    parser.add_argument("--queries", type=int, default=20_000, help="timed queries per size (default: 20,000)")
    parser.add_argument("--brute-queries", type=int, default=200,
                        help="queries timed with rapidfuzz brute force (default: 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of names and queries (default: 1)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second build")
    parser.add_argument("--json", action="store_true",
                        help="print the latencies as JSON, not the report (what compare_names.py reads)")
    args = parser.parse_args(argv)
    if args.queries < 1 or args.brute_queries < 1:
        parser.error("--queries and --brute-queries must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    overhead = timer_overhead_ns()
    results = [measure(size, args) for size in args.sizes]
    if args.json:
        print(json.dumps([figures(result) for result in results]))
    else:
        print(report(args, results, overhead, time.perf_counter() - started))


def figures(result: SizeResult) -> dict[str, float]:
    """The latencies of one size, flat: what compare_names.py compares between source trees."""
    flat: dict[str, float] = {"names": result.names, "build_s": result.build_seconds}
    for label, latency in (("decision", result.decision), ("cold", result.decision_cold), ("all", result.warm)):
        flat[f"{label}_p50_us"], flat[f"{label}_p99_us"] = latency.p50_us, latency.p99_us
    return flat


if __name__ == "__main__":
    main()
