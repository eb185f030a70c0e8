"""A store and a decision log with known answers, for the reports' tests on
every backend: lists added through the store (so entry ids are the store's),
calls screened by the real engine on the store's lists, at known times.

The calls (T0 + n minutes), with what the engine makes of them:
  d1  A-1 LP-A  +6285712345678  blocklist:1 (fraud, LP/123)        DENY
  d2  B-2 LP-B  +6285712345678  blocklist:1                        DENY
  d3  A-1 LP-A  +6289912345678  blocklist:2 (+62899*, narcotics)   DENY
  d4  A-1 LP-A  +6281234567890  A-1's contact "Ibu Siti"           ALLOW
  d5  B-2 LP-B  +6281234567890  B-2's contact "Siti Aminah"        ALLOW
  d6  B-2 LP-B  +62215551234    privileged, and blocklist:4        DENY, not recorded
  d7  C-3 LP-A  +6285712345678  blocklist:1                        DENY
  d8  C-3 LP-A  +6281300000001  C-3's contact, "Budi Santoso": watchlist:1 (witness)  REVIEW
  d9  C-3 LP-A  +6281999999998  blocklist:5 (imported, LP/125)     DENY
"""

import dataclasses

from screening.domain.blocklist import Category
from screening.domain.engine import ScreeningEngine
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, PrivilegedEntry, WatchEntry
from screening.domain.model import BlockAction, PrivilegedKind, ScreenRequest
from screening.domain.policy import build_policy_set
from screening.domain.watchlist import WatchCategory

from decision_calls import log_call

T0 = 1_800_000_000.0
WHY = Change("officer.budi", "seeding the reports' tests")
FRAUD, PATTERN_HIT, FAMILY, LAWYER, KAKAK, IMPORTED = (
    "+6285712345678", "+6289912345678", "+6281234567890", "+62215551234", "+6281300000001", "+6281999999998")
CALLS = [("d1", "A-1", "LP-A", FRAUD, ""), ("d2", "B-2", "LP-B", FRAUD, ""), ("d3", "A-1", "LP-A", PATTERN_HIT, ""),
         ("d4", "A-1", "LP-A", FAMILY, "Ibu Siti"), ("d5", "B-2", "LP-B", FAMILY, ""),
         ("d6", "B-2", "LP-B", LAWYER, "Pak Pengacara"), ("d7", "C-3", "LP-A", FRAUD, ""),
         ("d8", "C-3", "LP-A", KAKAK, "Budi Santoso"), ("d9", "C-3", "LP-A", IMPORTED, "")]


def seed_lists(store) -> None:
    for inmate, number, name, facility in (("A-1", FAMILY, "Ibu Siti", "LP-A"), ("B-2", FAMILY, "Siti Aminah", ""),
                                           ("C-3", KAKAK, "Kakak", ""), ("A-1", LAWYER, "Pengacara", ""),
                                           ("C-3", LAWYER, "Pengacara", "")):
        store.add(AllowlistEntry(inmate, number, name, facility_id=facility), WHY)
    store.add(PrivilegedEntry(LAWYER, "LBH Jakarta", PrivilegedKind.LEGAL_AID), WHY)
    store.add(BlockEntry(FRAUD, Category.FRAUD, source="LP/123"), WHY)  # blocklist:1
    store.add(BlockEntry("+62899*", Category.NARCOTICS, source="LP/123"), WHY)  # blocklist:2
    store.add(BlockEntry("+6281999999999", Category.FRAUD, source="LP/124"), WHY)  # blocklist:3, never hit
    store.add(BlockEntry(LAWYER, Category.OTHER, BlockAction.DENY, source="LP/126"), WHY)  # blocklist:4
    store.import_entries(BlockEntry, [(2, BlockEntry(IMPORTED, Category.FRAUD, source="LP/125"), "report 125")],
                         WHY, lambda line, in_file: None, lambda added: {"file": "lp125.csv"})  # blocklist:5
    store.add(WatchEntry("Budi Santoso", category=WatchCategory.WITNESS), WHY)  # watchlist:1


def seed_calls(store, log, calls=CALLS, start=0) -> None:
    engine = ScreeningEngine(build_policy_set({}), store.snapshot())
    for n, (call_id, inmate, facility, number, name) in enumerate(calls, start):
        request = ScreenRequest(call_id, facility, inmate, number, station_id="K-1", called_party_name=name)
        log_call(log, request, dataclasses.replace(engine.screen(request), at=T0 + n * 60))


def at(n: int) -> float:
    """When call d{n} was made."""
    return T0 + (n - 1) * 60
