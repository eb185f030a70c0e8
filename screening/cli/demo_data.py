"""What `screening demo` puts in its store, and the calls it places.

A facility (LP-CIPINANG) with three inmates and their families, a second one
(LP-SALEMBA) whose calling hours are closed while the demo runs, two
privileged numbers, a police report's fraud numbers and patterns (imported as
the police would send them, a CSV), and two watched names: a victim of the
fraud ring and a judge. Each call shows one outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

FACILITY = "LP-CIPINANG"
CLOSED_FACILITY = "LP-SALEMBA"
TIMEZONE = "Asia/Jakarta"
REPORT = "LP/B/123/XI/2026"

# (inmate, number, registered name, relationship, facility)
FAMILIES = (
    ("A-001", "0812-3456-7890", "Siti Aminah", "mother", FACILITY),
    ("A-001", "0813-2222-3333", "Budi Santoso", "brother", FACILITY),
    ("A-002", "0856-7777-1234", "Rina Wati", "wife", FACILITY),
    # Registered before the case: she is now on the watchlist as its victim.
    ("A-003", "0878-5555-0101", "Dewi Lestari", "wife", FACILITY),
    ("B-101", "0812-9876-5432", "Agus Salim", "father", CLOSED_FACILITY),
)

# (number, name, kind)
PRIVILEGED = (
    ("(021) 555-1234", "LBH Jakarta", "legal-aid"),
    ("(021) 2550 5555", "Kedutaan Besar Australia", "embassy"),
)

# The police report, as a spreadsheet exports it: numbers in any form, a
# prefix pattern (the ring's consecutive SIM cards) and a range.
POLICE_REPORT_CSV = f"""pattern,category,action,source
0811 1111 1111,fraud,deny,{REPORT}
+62 811-1111-2222,fraud,deny,{REPORT}
+6285712345*,fraud,deny,{REPORT}
+6281399990000..+6281399990099,fraud,deny,{REPORT}
""".encode()

# (name, aliases, category, action)
WATCHLIST = (
    ("Dewi Lestari", ("Dewi L.",), "victim", "review"),
    ("Bambang Sutrisno", ("Hakim Bambang",), "judge", "deny"),
)


@dataclass(frozen=True)
class Call:
    call_id: str
    inmate: str
    number: str
    name: str
    expected: str  # the decision, as the demo's test checks it
    shows: str  # what the call is there to show
    facility: str = FACILITY


CALLS = (
    Call("demo-1", "A-001", "0812-3456-7890", "Siti Aminah", "ALLOW", "family, approved"),
    Call("demo-2", "A-001", "021 5551234", "LBH Jakarta", "ALLOW", "privileged: not recorded"),
    Call("demo-3", "A-002", "+62 811-1111-1111", "", "DENY", "a fraud number of the report"),
    Call("demo-4", "A-002", "0857-1234-5678", "", "DENY", "a fraud pattern of the report"),
    Call("demo-5", "A-001", "0819-4444-5555", "Pak Joko", "DENY", "not on the approved list"),
    Call("demo-6", "A-003", "0878-5555-0101", "Dewi Lestari", "REVIEW", "a watched victim's name"),
    Call("demo-7", "A-001", "0813-2222-3333", "Hendra Gunawan", "REVIEW", "not the registered contact"),
    Call("demo-8", "A-002", "0856-7777-1234", "Bambang Sutrisno", "DENY", "a watched judge's name"),
    Call("demo-9", "B-101", "0812-9876-5432", "Agus Salim", "DENY", "outside calling hours",
         CLOSED_FACILITY),
)


def closed_session(now: datetime | None = None) -> str:
    """An hour-long calling session that is not open now (local time), so
    that a call from CLOSED_FACILITY is outside its hours whenever the demo runs."""
    local = (now or datetime.now(ZoneInfo(TIMEZONE))).astimezone(ZoneInfo(TIMEZONE))
    start = (local + timedelta(hours=12)).replace(minute=0)
    if start.hour == 23:  # a session may not run past midnight
        start = start.replace(hour=22)
    return f"{start:%H}:00-{start.hour + 1:02d}:00"


def config_text(database: str, session: str) -> str:
    """The demo server's config file: its store, and the closed facility's hours."""
    return (f"database = {json.dumps(database)}\n"  # a JSON string is a TOML basic string
            "# No clients: the demo's server listens on loopback only (so does `serve --config` on it).\n"
            "allow_unauthenticated = true\n\n"
            f'[facilities."{CLOSED_FACILITY}"]\n'
            f'calling_hours = {{ sessions = ["{session}"], timezone = "{TIMEZONE}" }}\n')
